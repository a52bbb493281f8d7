import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useAuth } from '../auth';
import type { Role } from '../types';
import { EmptyState } from './Feedback';

export function loginPath(next: string): string {
  return `/login?next=${encodeURIComponent(next)}`;
}

/** Renders children only for a logged-in account (with one of `roles`, if given); otherwise sends them to log in. */
export function RequireAuth({ roles, children }: { roles?: readonly Role[]; children: ReactNode }) {
  const { customer } = useAuth();
  const location = useLocation();
  if (!customer) return <Navigate to={loginPath(location.pathname + location.search)} replace />;
  if (roles && !roles.includes(customer.role)) {
    return (
      <EmptyState title="Not available">
        <p>This page is only for {roles.includes('support') ? 'the support team' : roles.includes('organizer') ? 'organizers' : `the ${roles.join(' or ')} role`}.</p>
      </EmptyState>
    );
  }
  return <>{children}</>;
}
