import type { Customer } from './types';

/**
 * The logged-in session, persisted in localStorage (`token`, `refreshToken`, `customer`), shared by
 * every tab. The access token is short-lived; the refresh token renews it (api.ts refreshes
 * silently before it expires and after a 401) and is rotated on each use.
 */
export interface Session {
  token: string;
  /** Null for a session stored before refresh tokens existed: it ends when its access token expires. */
  refreshToken: string | null;
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
    if (!token || !raw || (!refreshToken && expiresSoon(token, 0))) return null;
    return { token, refreshToken, customer: JSON.parse(raw) as Customer };
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  localStorage.setItem(TOKEN_KEY, session.token);
  if (session.refreshToken) localStorage.setItem(REFRESH_KEY, session.refreshToken);
  else localStorage.removeItem(REFRESH_KEY);
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
 * True when the access token expires within `marginMs` (read from its `exp` claim; by default 10
 * seconds, or a third of the token's lifetime when that is shorter), so it is renewed before a
 * request rather than after a 401. A token we cannot read is left for the server.
 */
export function expiresSoon(token: string, marginMs?: number): boolean {
  try {
    const payload = token.split('.')[1];
    if (!payload) return false;
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const { exp, iat } = JSON.parse(json) as { exp?: unknown; iat?: unknown };
    if (typeof exp !== 'number') return false;
    const lifetimeMs = typeof iat === 'number' ? (exp - iat) * 1000 : Infinity;
    return exp * 1000 <= Date.now() + (marginMs ?? Math.min(10_000, lifetimeMs / 3));
  } catch {
    return false;
  }
}
