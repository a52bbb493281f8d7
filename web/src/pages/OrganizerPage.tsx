import { Fragment, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, errorMessage } from '../api';
import { EmptyState, ErrorAlert, Loading, Notice } from '../components/Feedback';
import { StatusBadge } from '../components/StatusBadge';
import { AuditList } from '../components/AuditList';
import { formatDateTime, formatPriceRange, saleWindow } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import type { EventStatus, EventSummary } from '../types';
import { ACTIONS_COLUMN, Table } from '../components/Table';

const STATUSES: EventStatus[] = ['DRAFT', 'UPCOMING', 'ON_SALE', 'SOLD_OUT', 'CLOSED', 'COMPLETED', 'CANCELLED'];
const PAGE_SIZE = 20;

/**
 * The organizer's page: its tenant's events (drafts too), by date, with their lifecycle (status and
 * sale window, moved by each event's workflow), publish, and cancel behind a confirmation that says
 * what cancelling does (bookings refunded, holds cancelled). Each event links to its page (sales and
 * reservations, OrganizerEventPage) and its edit form (OrganizerEventFormPage), as does "New event".
 */
export function OrganizerPage() {
  useDocumentTitle('My events');
  const [params, setParams] = useSearchParams();
  const status = (params.get('status') ?? '') as EventStatus | '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const events = useResource((signal) => api.organizerListEvents({ status, page, pageSize: PAGE_SIZE }, signal), [status, page]);
  const [message, setMessage] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const [history, setHistory] = useState<string | null>(null);

  const show = (next: { status?: string; page?: number }) => {
    const search = new URLSearchParams();
    const s = next.status ?? status;
    if (s) search.set('status', s);
    if ((next.page ?? 1) > 1) search.set('page', String(next.page));
    setParams(search);
  };
  const [confirming, setConfirming] = useState<EventSummary | null>(null);
  const publish = async (event: EventSummary) => {
    setMessage(null);
    try {
      const published = await api.organizerPublish(event.id);
      setMessage({ tone: 'success', text: `${event.name} is ${published.status === 'UPCOMING' ? 'published: sales open on schedule' : 'on sale'}.` });
      events.reload();
    } catch (error) {
      setMessage({ tone: 'error', text: errorMessage(error) });
    }
  };
  const cancelled = (event: EventSummary, refunds: number, holds: number, pending: boolean) => {
    setConfirming(null);
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    setMessage({
      tone: 'success',
      text: `${event.name} is cancelled: ${plural(refunds, 'booking')} ${pending ? 'being refunded' : 'refunded'}, ${plural(holds, 'hold')} cancelled.`,
    });
    events.reload();
  };
  const pages = events.data ? Math.max(1, Math.ceil(events.data.total / PAGE_SIZE)) : 1;

  return (
    <>
      <h1 className="page-title">My events</h1>
      <p className="toolbar__actions">
        <Link className="btn btn--primary btn--sm" to="/organizer/events/new">New event</Link>
        <Link to="/organizer/stats">Statistics across all your events</Link>
      </p>
      <form className="card toolbar" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="organizer-status" className="field__label">Status</label>
          <select id="organizer-status" className="input" value={status} onChange={(e) => show({ status: e.target.value, page: 1 })}>
            <option value="">Any status</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s.replace('_', ' ').toLowerCase()}</option>)}
          </select>
        </div>
      </form>
      {message && (message.tone === 'success' ? <Notice tone="success">{message.text}</Notice> : <ErrorAlert error={new Error(message.text)} />)}
      <ErrorAlert error={events.error} title="Could not load your events." />
      {events.loading && !events.data && <Loading />}
      {confirming && <ConfirmCancel event={confirming} onDone={cancelled} onKeep={() => setConfirming(null)} />}
      {events.data && events.data.items.length === 0 && <EmptyState title="No events yet" />}
      {events.data && events.data.items.length > 0 && (
        <Table caption="Events of your organization" columns={['Event', 'Starts', 'Sales', 'Venue', 'Prices', 'Sold or held', 'Status', ACTIONS_COLUMN]} aria-busy={events.loading}>
          {events.data.items.map((event) => (
            <Fragment key={event.id}>
            <tr data-event-id={event.id}>
              <td><Link to={`/organizer/events/${event.id}`}>{event.name}</Link></td>
              <td>{formatDateTime(event.startsAt)}</td>
              <td className="small" data-testid="sale-window">{saleWindow(event)}</td>
              <td>{event.venue.name}</td>
              <td>{formatPriceRange(event.minPriceCents, event.maxPriceCents)}</td>
              <td>{event.totalCount - event.availableCount} of {event.totalCount}</td>
              <td><StatusBadge status={event.status} /></td>
              <td className="table__actions">
                {event.status !== 'CANCELLED' && event.status !== 'COMPLETED' && (
                  <Link className="btn btn--ghost btn--sm" to={`/organizer/events/${event.id}/edit`}>Edit<span className="sr-only"> {event.name}</span></Link>
                )}
                {(event.status === 'DRAFT' || event.status === 'CLOSED') && (
                  <button type="button" className="btn btn--sm" onClick={() => void publish(event)}>Publish</button>
                )}
                {event.status !== 'CANCELLED' && event.status !== 'COMPLETED' && (
                  <button type="button" className="btn btn--ghost btn--sm" onClick={() => { setMessage(null); setConfirming(event); }}>
                    Cancel event<span className="sr-only"> {event.name}</span>
                  </button>
                )}
                <button type="button" className="btn btn--ghost btn--sm" aria-expanded={history === event.id} onClick={() => setHistory(history === event.id ? null : event.id)}>
                  {history === event.id ? 'Hide history' : 'History'}
                </button>
              </td>
            </tr>
            {history === event.id && (
              <tr className="table__expansion">
                <td colSpan={8}>
                  <AuditList label={`History of ${event.name}`} load={(before) => api.organizerEventAudit(event.id, { before, limit: 20 })} />
                </td>
              </tr>
            )}
            </Fragment>
          ))}
        </Table>
      )}
      {pages > 1 && (
        <nav className="pager" aria-label="Pages">
          <button type="button" className="btn btn--ghost btn--sm" disabled={page <= 1} onClick={() => show({ page: page - 1 })}>Previous</button>
          <span className="muted small">Page {page} of {pages}</span>
          <button type="button" className="btn btn--ghost btn--sm" disabled={page >= pages} onClick={() => show({ page: page + 1 })}>Next</button>
        </nav>
      )}
    </>
  );
}

/**
 * The confirmation before cancelling an event: what it does (no new holds, live holds cancelled,
 * every confirmed booking refunded in full), what it has sold, and an optional reason for the customers.
 */
function ConfirmCancel({ event, onDone, onKeep }: {
  event: EventSummary;
  onDone: (event: EventSummary, refunds: number, holds: number, pending: boolean) => void;
  onKeep: () => void;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const sold = event.totalCount - event.availableCount;
  const cancel = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { cancellation } = await api.organizerCancel(event.id, reason.trim() || undefined);
      onDone(event, cancellation.refunds.length, cancellation.holdsCancelled.length, cancellation.refunds.some((r) => r.status !== 'REFUNDED'));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <section className="card" role="dialog" aria-modal="false" aria-labelledby="cancel-event-title" data-testid="cancel-event-dialog">
      <h2 id="cancel-event-title" className="section-title">Cancel {event.name}?</h2>
      <p>
        The event takes no more holds and cannot go on sale again. Every confirmed booking is refunded in full
        through its refund workflow, and live holds are cancelled. {sold > 0 ? `${sold} of ${event.totalCount} seats are sold or held now.` : 'Nothing is sold or held now.'}
      </p>
      <div className="field">
        <label htmlFor="cancel-event-reason" className="field__label">Reason (told with the refunds)</label>
        <input id="cancel-event-reason" className="input" maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
      </div>
      <ErrorAlert error={error} title="Could not cancel the event." />
      <div className="cancel-form__row">
        <button type="button" className="btn btn--danger btn--sm" disabled={busy} onClick={() => void cancel()}>
          {busy ? 'Cancelling and refunding…' : 'Cancel event and refund'}
        </button>
        <button type="button" className="btn btn--ghost btn--sm" disabled={busy} onClick={onKeep}>Keep event</button>
      </div>
    </section>
  );
}
