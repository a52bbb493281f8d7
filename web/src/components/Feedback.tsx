import type { ReactNode } from 'react';
import { errorMessage } from '../api';

/** An error announced to assistive technology. */
export function ErrorAlert({ error, title, children }: { error?: unknown; title?: string; children?: ReactNode }) {
  if (!error && !children) return null;
  return (
    <div className="alert alert--error" role="alert">
      {title && <strong className="alert__title">{title}</strong>}
      {error !== undefined && error !== null && <span>{errorMessage(error)}</span>}
      {children}
    </div>
  );
}

export function Notice({ tone = 'info', children }: { tone?: 'info' | 'success' | 'warning'; children: ReactNode }) {
  return (
    <div className={`alert alert--${tone}`} role="status">
      {children}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <h2 className="empty__title">{title}</h2>
      {children}
    </div>
  );
}
