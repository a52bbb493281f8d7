import { type FormEvent, useState } from 'react';
import { ErrorAlert, Loading, Notice } from './Feedback';
import { formatDateTime } from '../format';
import { useAction, useResource } from '../hooks';
import type { CreatedApp, TenantApp } from '../types';
import { ACTIONS_COLUMN, Table } from './Table';

/**
 * A tenant's client apps and their API keys: register one (its key is shown once, here), list them
 * with when each key was last used, revoke one. The admin page shows it for any tenant, the
 * organizer's API keys page for their own; each passes the calls of its routes.
 */
export function AppKeys({ tenantName, idPrefix, load, create, revoke }: {
  tenantName: string;
  /** Prefix of the form's element ids, unique on the page. */
  idPrefix: string;
  load: (signal: AbortSignal) => Promise<TenantApp[]>;
  create: (body: { name: string; allowedOrigins: string[] }) => Promise<CreatedApp>;
  revoke: (app: TenantApp) => Promise<unknown>;
}) {
  const apps = useResource(load, [load]);
  const [name, setName] = useState('');
  const [origins, setOrigins] = useState('');
  const [created, setCreated] = useState<CreatedApp | null>(null);
  const action = useAction();
  /** A change of the list: the list is read again once it succeeds. */
  const run = async (step: () => Promise<void>) => {
    if (await action.run(step)) apps.reload();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const allowedOrigins = origins.split(/[\s,]+/).map((o) => o.trim()).filter(Boolean);
      setCreated(await create({ name: name.trim(), allowedOrigins }));
      setName('');
      setOrigins('');
    });
  };
  const confirmRevoke = (app: TenantApp) => {
    if (!window.confirm(`Revoke ${app.name}'s key (${app.keyPrefix}…)? Requests made with it stop working at once.`)) return;
    void run(async () => { await revoke(app); });
  };

  return (
    <section className="card admin__section" aria-labelledby={`${idPrefix}-apps`}>
      <h2 id={`${idPrefix}-apps`} className="section-title">App keys of {tenantName}</h2>
      <p className="muted small">
        An app's key acts for {tenantName} on the organizer API (its events, figures and discount codes), and browsers may use it
        from the app's origins only. Send it as <code>Authorization: Bearer bk_…</code>.
      </p>
      {created && (
        <Notice tone="warning">
          <strong>Copy the key of {created.app.name} now: it is shown only this once.</strong>
          <div><code className="admin__key" data-testid="new-app-key">{created.key}</code></div>
        </Notice>
      )}
      <ErrorAlert error={action.error} title="That did not work." />
      <form className="toolbar" onSubmit={submit} aria-label={`Register an app of ${tenantName}`}>
        <div className="field">
          <label htmlFor={`${idPrefix}-app-name`} className="field__label">App name</label>
          <input id={`${idPrefix}-app-name`} className="input" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${idPrefix}-app-origins`} className="field__label">Allowed origins (space or comma separated; none: servers only)</label>
          <input id={`${idPrefix}-app-origins`} className="input" placeholder="https://tickets.example.com" value={origins} onChange={(e) => setOrigins(e.target.value)} />
        </div>
        <div className="toolbar__actions">
          <button type="submit" className="btn btn--primary" disabled={action.busy || !name.trim()}>Create key</button>
        </div>
      </form>
      {apps.loading && !apps.data && <Loading />}
      <ErrorAlert error={apps.error} title="Could not load the apps." />
      {apps.data && apps.data.length === 0 && <p className="muted">No apps yet.</p>}
      {apps.data && apps.data.length > 0 && (
        <Table caption={<>Apps of {tenantName}</>} columns={['App', 'Key', 'Allowed origins', 'Created', 'Last used', 'Status', ACTIONS_COLUMN]} className="table--stacked">
          {apps.data.map((app) => (
            <tr key={app.id} data-app-id={app.id}>
              <td data-label="App">{app.name}</td>
              <td data-label="Key"><code>{app.keyPrefix}_…</code></td>
              <td data-label="Allowed origins">{app.allowedOrigins.length ? app.allowedOrigins.join(', ') : <span className="muted">servers only</span>}</td>
              <td data-label="Created"><div>{formatDateTime(app.createdAt)}<div className="muted small">{app.createdBy}</div></div></td>
              <td data-label="Last used" data-testid="app-last-used">{app.lastUsedAt ? formatDateTime(app.lastUsedAt) : <span className="muted">never</span>}</td>
              <td data-label="Status" data-testid="app-status">
                <div>{app.revokedAt ? <>Revoked {formatDateTime(app.revokedAt)}<div className="muted small">{app.revokedBy}</div></> : 'Live'}</div>
              </td>
              <td className="table__actions">
                {!app.revokedAt && (
                  <button type="button" className="btn btn--danger-ghost btn--sm" disabled={action.busy} onClick={() => confirmRevoke(app)}>
                    Revoke<span className="sr-only"> {app.name}</span>
                  </button>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}
