import { useEffect, useState } from 'react';
import { ErrorAlert, Loading } from './Feedback';
import { formatDateTime } from '../format';
import type { AuditEntry, AuditPage } from '../types';
import { Table } from './Table';

/** What each action reads as, for people. */
const ACTION_LABELS: Record<AuditEntry['action'], string> = {
  'event.created': 'Created the event',
  'event.edited': 'Edited the event',
  'event.layout_replaced': 'Replaced the seating layout',
  'event.published': 'Put the event on sale',
  'event.cancelled': 'Cancelled the event',
  'event.deleted': 'Deleted the event',
  'event.featured': 'Featured the event',
  'event.unfeatured': 'Stopped featuring the event',
  'discount_code.created': 'Created a discount code',
  'reservation.cancel_requested': 'Cancelled the hold',
  'reservation.extend_requested': 'Extended the hold',
  'booking.refund_requested': 'Cancelled and refunded the booking',
  'ticket.checked_in': 'Checked a ticket in',
  'role.granted': 'Granted a role',
  'role.revoked': 'Revoked a role',
  'tenant.created': 'Created the tenant',
  'app.created': 'Registered an app and its key',
  'app.revoked': 'Revoked an app key',
};

/** The facts of an entry worth a glance: a code, a role, changed fields, an app's key prefix. */
function facts(entry: AuditEntry): string {
  const d = entry.details as Record<string, unknown>;
  if (entry.action === 'discount_code.created') return `${String(d.code)} (${d.kind === 'PERCENT' ? `${String(d.value)} %` : `${String(d.value)} cents`})`;
  if (entry.action.startsWith('role.')) return `${String(d.role)} · ${String(d.email)}`;
  if (entry.action.startsWith('app.')) return `${String(d.name)} · ${String(d.keyPrefix)}`;
  if (entry.action === 'event.edited' && d.changes && typeof d.changes === 'object') return Object.keys(d.changes).join(', ');
  if (entry.action === 'reservation.extend_requested' && typeof d.holdExpiresAt === 'string') return `held until ${formatDateTime(d.holdExpiresAt)}`;
  return '';
}

/**
 * An audit trail, newest first, one page at a time ("Show older" asks for the next page with the
 * last entry's id as the cursor). `load` is the API call for the subject (event, reservation, …).
 */
export function AuditList({ load, label, empty = 'Nothing recorded yet.' }: { load: (before?: string) => Promise<AuditPage>; label: string; empty?: string }) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [state, setState] = useState<{ loading: boolean; error?: unknown }>({ loading: true });

  const fetchPage = async (before?: string) => {
    setState({ loading: true });
    try {
      const page = await load(before);
      setEntries((current) => (before ? [...current, ...page.items] : page.items));
      setNext(page.nextBefore);
      setState({ loading: false });
    } catch (error) {
      setState({ loading: false, error });
    }
  };
  useEffect(() => {
    void fetchPage();
    // the subject is fixed for the life of the list (its parent keys it)
  }, []);

  return (
    <section className="audit" aria-label={label} data-testid="audit-list">
      <ErrorAlert error={state.error} title="Could not load the audit trail." />
      {entries.length === 0 && !state.loading && !state.error && <p className="muted small">{empty}</p>}
      {entries.length > 0 && (
        <Table caption={label} columns={['When', 'Who', 'What', 'Why']} className="table--compact" bare>
          {entries.map((entry) => (
            <tr key={entry.id} data-action={entry.action}>
              <td>{formatDateTime(entry.at)}</td>
              <td>{entry.actor}</td>
              <td>
                {ACTION_LABELS[entry.action] ?? entry.action}
                {facts(entry) && <div className="muted small">{facts(entry)}</div>}
              </td>
              <td>{entry.reason ?? <span className="muted">—</span>}</td>
            </tr>
          ))}
        </Table>
      )}
      {state.loading && <Loading label="Loading the audit trail…" />}
      {next && !state.loading && (
        <button type="button" className="btn btn--ghost btn--sm" onClick={() => void fetchPage(next)}>
          Show older entries
        </button>
      )}
    </section>
  );
}
