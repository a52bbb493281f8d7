import { api } from '../api';
import { AppKeys } from '../components/AppKeys';
import { useDocumentTitle } from '../hooks';
import type { TenantApp } from '../types';

/** Stable calls of the organizer's app routes (/api/organizer/apps): the component reloads when they change. */
const calls = {
  load: (signal: AbortSignal) => api.organizerApps(signal),
  create: (body: { name: string; allowedOrigins: string[] }) => api.organizerCreateApp(body),
  revoke: (app: TenantApp) => api.organizerRevokeApp(app.id),
};

/** The organizer's API keys: their organization's client apps, registered, listed with their last use, and revoked here. */
export function OrganizerAppsPage() {
  useDocumentTitle('API keys');
  return (
    <>
      <h1 className="page-title">API keys</h1>
      <p className="muted">
        Your box office, website or partner systems can manage your events through the organizer API with a key of their own.
        Revoke a key the moment it is no longer needed or may have leaked; &quot;Last used&quot; tells a key in use from a forgotten one.
      </p>
      <AppKeys tenantName="your organization" idPrefix="organizer" {...calls} />
    </>
  );
}
