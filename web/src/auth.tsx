import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, setSessionListener, setUnauthorizedListener } from './api';
import { reconnectSocket } from './realtime';
import { clearSession, loadSession, saveSession, SESSION_KEYS, type Session } from './session';
import type { AuthResponse, Customer } from './types';

interface AuthContextValue {
  customer: Customer | null;
  token: string | null;
  login: (email: string, password: string) => Promise<Customer>;
  register: (email: string, password: string, name: string) => Promise<Customer>;
  logout: () => void;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(loadSession);

  const start = useCallback((response: AuthResponse) => {
    const ended = loadSession();
    saveSession(response);
    setSession(response);
    // a login replacing another one in this browser ends the other on the server too
    if (ended?.refreshToken) void api.logout(ended.refreshToken).catch(() => {});
    reconnectSocket();
    return response.customer;
  }, []);

  /** Ends the session here and on the server (its refresh token and every token of its login are revoked). */
  const logout = useCallback(() => {
    const ended = loadSession();
    clearSession();
    setSession(null);
    reconnectSocket();
    if (ended?.refreshToken) void api.logout(ended.refreshToken).catch(() => {});
  }, []);

  useEffect(() => {
    setUnauthorizedListener(logout);
    // a silent refresh (api.ts) renewed the tokens: keep the context's copy current
    setSessionListener(setSession);
    return () => {
      setUnauthorizedListener(() => {});
      setSessionListener(() => {});
    };
  }, [logout]);

  // Keep tabs in sync: logging in or out in one tab applies to all.
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === null || SESSION_KEYS.includes(event.key)) {
        setSession(loadSession());
        reconnectSocket();
      }
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const value = useMemo<AuthContextValue>(
    () => ({
      customer: session?.customer ?? null,
      token: session?.token ?? null,
      login: async (email, password) => start(await api.login({ email, password })),
      register: async (email, password, name) => start(await api.register({ email, password, name })),
      logout,
    }),
    [session, start, logout],
  );

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const context = useContext(AuthContext);
  if (!context) throw new Error('useAuth must be used inside <AuthProvider>');
  return context;
}
