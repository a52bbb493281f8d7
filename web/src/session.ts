import type { Customer } from './types';

/** The logged-in session, persisted in localStorage under `token` and `customer`. */
export interface Session {
  token: string;
  customer: Customer;
}

const TOKEN_KEY = 'token';
const CUSTOMER_KEY = 'customer';

export function loadSession(): Session | null {
  try {
    const token = localStorage.getItem(TOKEN_KEY);
    const raw = localStorage.getItem(CUSTOMER_KEY);
    if (!token || !raw || isExpired(token)) return null;
    return { token, customer: JSON.parse(raw) as Customer };
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  localStorage.setItem(TOKEN_KEY, session.token);
  localStorage.setItem(CUSTOMER_KEY, JSON.stringify(session.customer));
}

export function clearSession(): void {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(CUSTOMER_KEY);
}

export function currentToken(): string | null {
  return loadSession()?.token ?? null;
}

/** Reads the JWT `exp` claim; a token we cannot read is left for the server to judge. */
function isExpired(token: string): boolean {
  try {
    const payload = token.split('.')[1];
    if (!payload) return false;
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' && exp * 1000 <= Date.now();
  } catch {
    return false;
  }
}
