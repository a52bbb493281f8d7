import { Fragment, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api, errorMessage } from '../api';
import { EmptyState, ErrorAlert, Loading, Notice } from '../components/Feedback';
import { StatusBadge } from '../components/StatusBadge';
import { AuditList } from '../components/AuditList';
import { formatDateTime, formatPriceRange } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import type { EventStatus, EventSummary } from '../types';

const STATUSES: EventStatus[] = ['DRAFT', 'ON_SALE', 'CLOSED', 'CANCELLED'];
const PAGE_SIZE = 20;

/** The organizer's page: its tenant's events (drafts too), by date, with publish and cancel. */
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
  const act = async (event: EventSummary, action: 'publish' | 'cancel') => {
    if (action === 'cancel' && !window.confirm(`Cancel ${event.name}? A cancelled event takes no more holds and cannot go on sale again.`)) return;
    setMessage(null);
    try {
      await (action === 'publish' ? api.organizerPublish(event.id) : api.organizerCancel(event.id));
      setMessage({ tone: 'success', text: `${event.name} is ${action === 'publish' ? 'on sale' : 'cancelled'}.` });
      events.reload();
    } catch (error) {
      setMessage({ tone: 'error', text: errorMessage(error) });
    }
  };
  const pages = events.data ? Math.max(1, Math.ceil(events.data.total / PAGE_SIZE)) : 1;

  return (
    <>
      <h1 className="page-title">My events</h1>
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
      {events.data && events.data.items.length === 0 && <EmptyState title="No events yet" />}
      {events.data && events.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table" aria-busy={events.loading}>
            <caption className="sr-only">Events of your organization</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Starts</th>
                <th scope="col">Venue</th>
                <th scope="col">Prices</th>
                <th scope="col">Sold or held</th>
                <th scope="col">Status</th>
                <th scope="col"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {events.data.items.map((event) => (
                <Fragment key={event.id}>
                <tr data-event-id={event.id}>
                  <td>{event.name}</td>
                  <td>{formatDateTime(event.startsAt)}</td>
                  <td>{event.venue.name}</td>
                  <td>{formatPriceRange(event.minPriceCents, event.maxPriceCents)}</td>
                  <td>{event.totalCount - event.availableCount} of {event.totalCount}</td>
                  <td><StatusBadge status={event.status} /></td>
                  <td className="table__actions">
                    {(event.status === 'DRAFT' || event.status === 'CLOSED') && (
                      <button type="button" className="btn btn--sm" onClick={() => void act(event, 'publish')}>Publish</button>
                    )}
                    {event.status !== 'CANCELLED' && (
                      <button type="button" className="btn btn--ghost btn--sm" onClick={() => void act(event, 'cancel')}>Cancel event</button>
                    )}
                    <button type="button" className="btn btn--ghost btn--sm" aria-expanded={history === event.id} onClick={() => setHistory(history === event.id ? null : event.id)}>
                      {history === event.id ? 'Hide history' : 'History'}
                    </button>
                  </td>
                </tr>
                {history === event.id && (
                  <tr className="table__expansion">
                    <td colSpan={7}>
                      <AuditList label={`History of ${event.name}`} load={(before) => api.organizerEventAudit(event.id, { before, limit: 20 })} />
                    </td>
                  </tr>
                )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
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
