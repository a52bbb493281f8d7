import type { Customer } from './types';

/**
 * The logged-in session, persisted in localStorage (`token`, `refreshToken`, `customer`), shared by
 * every tab. The access token is short-lived; the refresh token renews it (api.ts refreshes
 * silently before it expires and after a 401) and is rotated on each use.
 */
export interface Session {
  token: string;
  refreshToken: string;
  customer: Customer;
}

const TOKEN_KEY = 'token';
const REFRESH_KEY = 'refreshToken';
const CUSTOMER_KEY = 'customer';
/** The storage keys whose change in another tab means the session changed. */
export const SESSION_KEYS = [TOKEN_KEY, REFRESH_KEY, CUSTOMER_KEY];

/** The stored session, even when its access token has expired (the refresh token may renew it). */
export function loadSession(): Session | null {
  try {
    const token = localStorage.getItem(TOKEN_KEY);
    const refreshToken = localStorage.getItem(REFRESH_KEY);
    const raw = localStorage.getItem(CUSTOMER_KEY);
    if (!token || !refreshToken || !raw) return null;
    return { token, refreshToken, customer: JSON.parse(raw) as Customer };
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  localStorage.setItem(TOKEN_KEY, session.token);
  localStorage.setItem(REFRESH_KEY, session.refreshToken);
  localStorage.setItem(CUSTOMER_KEY, JSON.stringify(session.customer));
}

export function clearSession(): void {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(REFRESH_KEY);
  localStorage.removeItem(CUSTOMER_KEY);
}

export function currentToken(): string | null {
  return loadSession()?.token ?? null;
}

/**
 * True when the access token expires within `marginMs` (read from its `exp` claim), so it is
 * renewed before a request rather than after a 401. A token we cannot read is left for the server.
 */
export function expiresSoon(token: string, marginMs = 10_000): boolean {
  try {
    const payload = token.split('.')[1];
    if (!payload) return false;
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' && exp * 1000 <= Date.now() + marginMs;
  } catch {
    return false;
  }
}
