import { useMemo, useState, type FormEvent } from 'react';
import { api } from '../api';
import { useAuth } from '../auth';
import { AppKeys } from '../components/AppKeys';
import { EmptyState, ErrorAlert, Loading, Notice } from '../components/Feedback';
import { formatDateTime } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import type { Customer, EventSummary, Role, Tenant, TenantApp } from '../types';

const ROLES: Role[] = ['customer', 'organizer', 'support', 'admin'];

/**
 * The admin page: accounts and their roles (grant, revoke: PUT/DELETE /api/admin/users/:id/roles/:role),
 * tenants, each tenant's client apps with their API keys (a new key is shown once), and the featured
 * events (PUT/DELETE /api/admin/events/:eventId/featured) shown first on the events page.
 */
export function AdminPage() {
  useDocumentTitle('Admin');
  const tenants = useResource((signal) => api.adminTenants(signal), []);
  const [selected, setSelected] = useState<string | null>(null);
  const tenant = tenants.data?.find((t) => t.id === selected) ?? null;
  return (
    <>
      <h1 className="page-title">Admin</h1>
      <UsersAndRoles tenants={tenants.data ?? []} />
      <section className="card admin__section" aria-labelledby="admin-tenants">
        <h2 id="admin-tenants" className="section-title">Tenants</h2>
        <ErrorAlert error={tenants.error} title="Could not load the tenants." />
        {tenants.loading && !tenants.data && <Loading />}
        <NewTenantForm onCreated={(created) => { tenants.reload(); setSelected(created.id); }} />
        {tenants.data && tenants.data.length === 0 && <EmptyState title="No tenants yet" />}
        {tenants.data && tenants.data.length > 0 && (
          <ul className="admin__tenants">
            {tenants.data.map((t) => (
              <li key={t.id} data-tenant-id={t.id}>
                <span>{t.name}</span> <code className="muted small">{t.id}</code>{' '}
                <button type="button" className="btn btn--ghost btn--sm" aria-pressed={selected === t.id} onClick={() => setSelected(t.id)}>
                  App keys<span className="sr-only"> of {t.name}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      {tenant && <TenantApps key={tenant.id} tenant={tenant} />}
      <FeaturedEvents />
    </>
  );
}

function UsersAndRoles({ tenants }: { tenants: Tenant[] }) {
  const { customer: me } = useAuth();
  const [email, setEmail] = useState('');
  const [found, setFound] = useState<{ account: Customer | null; email: string } | null>(null);
  const [state, setState] = useState<{ busy: boolean; error?: unknown; done?: string }>({ busy: false });
  const [role, setRole] = useState<Role>('support');
  const [tenantId, setTenantId] = useState('');

  const run = async (work: () => Promise<string | void>) => {
    setState({ busy: true });
    try {
      setState({ busy: false, done: (await work()) ?? undefined });
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  const search = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => setFound({ account: await api.adminFindUser(email.trim()), email: email.trim() }));
  };
  const account = found?.account ?? null;
  const grant = (event: FormEvent) => {
    event.preventDefault();
    if (!account) return;
    void run(async () => {
      const user = await api.adminGrantRole(account.id, role, role === 'organizer' ? tenantId : undefined);
      setFound({ account: user, email: user.email });
      return `${user.email} is now ${user.role}.`;
    });
  };
  const revoke = () => {
    if (!account) return;
    void run(async () => {
      const user = await api.adminRevokeRole(account.id, account.role);
      setFound({ account: user, email: user.email });
      return `${account.role} revoked: ${user.email} is a customer again.`;
    });
  };
  const tenantName = (id: string | null) => tenants.find((t) => t.id === id)?.name ?? id;

  return (
    <section className="card admin__section" aria-labelledby="admin-users">
      <h2 id="admin-users" className="section-title">Users and roles</h2>
      <form className="toolbar" onSubmit={search} aria-label="Find an account">
        <div className="field">
          <label htmlFor="admin-email" className="field__label">Email</label>
          <input id="admin-email" className="input" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="toolbar__actions">
          <button type="submit" className="btn btn--primary" disabled={state.busy}>Find</button>
        </div>
      </form>
      <ErrorAlert error={state.error} title="That did not work." />
      {state.done && <Notice tone="success">{state.done}</Notice>}
      {found && !account && <p className="muted">No account has the email {found.email}.</p>}
      {account && (
        <div className="admin__account" data-testid="admin-account">
          <p>
            <strong>{account.name}</strong> · {account.email} · role <strong data-testid="account-role">{account.role}</strong>
            {account.tenantId && <> of <strong>{tenantName(account.tenantId)}</strong></>}
          </p>
          {account.id === me?.id ? (
            <p className="muted small">This is you: another admin changes your role.</p>
          ) : (
            <form className="toolbar" onSubmit={grant} aria-label={`Grant ${account.email} a role`}>
              <div className="field">
                <label htmlFor="admin-role" className="field__label">Role</label>
                <select id="admin-role" className="input" value={role} onChange={(e) => setRole(e.target.value as Role)}>
                  {ROLES.filter((r) => r !== 'customer').map((r) => <option key={r} value={r}>{r}</option>)}
                </select>
              </div>
              {role === 'organizer' && (
                <div className="field">
                  <label htmlFor="admin-role-tenant" className="field__label">Tenant</label>
                  <select id="admin-role-tenant" className="input" required value={tenantId} onChange={(e) => setTenantId(e.target.value)}>
                    <option value="">Choose a tenant</option>
                    {tenants.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
                  </select>
                </div>
              )}
              <div className="toolbar__actions">
                <button type="submit" className="btn btn--primary" disabled={state.busy}>Grant</button>
                {account.role !== 'customer' && (
                  <button type="button" className="btn btn--danger-ghost" disabled={state.busy} onClick={revoke}>Revoke {account.role}</button>
                )}
              </div>
            </form>
          )}
        </div>
      )}
    </section>
  );
}

function NewTenantForm({ onCreated }: { onCreated: (tenant: Tenant) => void }) {
  const [name, setName] = useState('');
  const [state, setState] = useState<{ busy: boolean; error?: unknown }>({ busy: false });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true });
    try {
      onCreated(await api.adminCreateTenant(name.trim()));
      setName('');
      setState({ busy: false });
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  return (
    <form className="toolbar" onSubmit={(e) => void submit(e)} aria-label="Create a tenant">
      <div className="field">
        <label htmlFor="admin-tenant-name" className="field__label">New tenant</label>
        <input id="admin-tenant-name" className="input" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="toolbar__actions">
        <button type="submit" className="btn btn--secondary" disabled={state.busy || !name.trim()}>Create tenant</button>
      </div>
      <ErrorAlert error={state.error} title="Could not create the tenant." />
    </form>
  );
}

/** The tenant's apps through the admin routes (/api/admin/tenants/:tenantId/apps). */
function TenantApps({ tenant }: { tenant: Tenant }) {
  const calls = useMemo(() => ({
    load: (signal: AbortSignal) => api.adminApps(tenant.id, signal),
    create: (body: { name: string; allowedOrigins: string[] }) => api.adminCreateApp(tenant.id, body),
    revoke: (app: TenantApp) => api.adminRevokeApp(tenant.id, app.id),
  }), [tenant.id]);
  return <AppKeys tenantName={tenant.name} idPrefix="admin" {...calls} />;
}

/** The featured events in their order, each removable; an event found by name is featured at a position. */
function FeaturedEvents() {
  const featured = useResource((signal) => api.listEvents({ featured: true, pageSize: 100 }, signal), []);
  const [q, setQ] = useState('');
  const [position, setPosition] = useState('0');
  const [found, setFound] = useState<EventSummary[] | null>(null);
  const [state, setState] = useState<{ busy: boolean; error?: unknown; done?: string }>({ busy: false });
  const run = async (work: () => Promise<string>) => {
    setState({ busy: true });
    try {
      setState({ busy: false, done: await work() });
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  const search = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const page = await api.listEvents({ q: q.trim(), pageSize: 5 });
      setFound(page.items.filter((e) => e.featuredPosition === null && !['COMPLETED', 'CANCELLED'].includes(e.status)));
      return '';
    });
  };
  const feature = (event: EventSummary) => void run(async () => {
    await api.adminFeature(event.id, Number(position));
    setFound((list) => list?.filter((e) => e.id !== event.id) ?? null);
    featured.reload();
    return `${event.name} is featured.`;
  });
  const unfeature = (event: EventSummary) => void run(async () => {
    await api.adminUnfeature(event.id);
    featured.reload();
    return `${event.name} is no longer featured.`;
  });
  return (
    <section className="card admin__section" aria-labelledby="admin-featured">
      <h2 id="admin-featured" className="section-title">Featured events</h2>
      <ErrorAlert error={featured.error} title="Could not load the featured events." />
      {featured.loading && !featured.data && <Loading />}
      {featured.data && featured.data.items.length === 0 && <EmptyState title="No featured events" />}
      {featured.data && featured.data.items.length > 0 && (
        <ol className="admin__tenants">
          {featured.data.items.map((e) => (
            <li key={e.id} data-featured-id={e.id}>
              <span>{e.name}</span> <span className="muted small">position {e.featuredPosition} · {formatDateTime(e.startsAt)}</span>{' '}
              <button type="button" className="btn btn--ghost btn--sm" disabled={state.busy} onClick={() => unfeature(e)}>
                Remove<span className="sr-only"> {e.name}</span>
              </button>
            </li>
          ))}
        </ol>
      )}
      <form className="toolbar" onSubmit={search} aria-label="Find an event to feature">
        <div className="field">
          <label htmlFor="admin-featured-q" className="field__label">Event name</label>
          <input id="admin-featured-q" className="input" maxLength={200} value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="admin-featured-position" className="field__label">Position</label>
          <input id="admin-featured-position" className="input" type="number" min={0} max={1000} required value={position} onChange={(e) => setPosition(e.target.value)} />
        </div>
        <div className="toolbar__actions">
          <button type="submit" className="btn btn--secondary" disabled={state.busy}>Search events</button>
        </div>
      </form>
      {found && found.length === 0 && <p className="muted">No published event to feature matches.</p>}
      {found && found.length > 0 && (
        <ul className="admin__tenants">
          {found.map((e) => (
            <li key={e.id} data-candidate-id={e.id}>
              <span>{e.name}</span> <span className="muted small">{formatDateTime(e.startsAt)}</span>{' '}
              <button type="button" className="btn btn--primary btn--sm" disabled={state.busy} onClick={() => feature(e)}>
                Feature<span className="sr-only"> {e.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {state.done && <Notice tone="success">{state.done}</Notice>}
      <ErrorAlert error={state.error} title="Could not change the featured events." />
    </section>
  );
}
