import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useAuth } from '../auth';
import type { Role } from '../types';
import { EmptyState } from './Feedback';

export function loginPath(next: string): string {
  return `/login?next=${encodeURIComponent(next)}`;
}

/** Renders children only for a logged-in customer (with `role`, if given); otherwise sends them to log in. */
export function RequireAuth({ role, children }: { role?: Role; children: ReactNode }) {
  const { customer } = useAuth();
  const location = useLocation();
  if (!customer) return <Navigate to={loginPath(location.pathname + location.search)} replace />;
  if (role && customer.role !== role) {
    return (
      <EmptyState title="Not available">
        <p>This page is only for the support team.</p>
      </EmptyState>
    );
  }
  return <>{children}</>;
}
