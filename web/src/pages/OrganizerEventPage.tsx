import { useEffect, useRef, useState } from 'react';
import { Link, useLocation, useParams, useSearchParams } from 'react-router-dom';
import { api } from '../api';
import { EmptyState, ErrorAlert, Loading, Notice } from '../components/Feedback';
import { Money } from '../components/Money';
import { Pagination } from '../components/Pagination';
import { StatusBadge } from '../components/StatusBadge';
import { formatDateTime, saleWindow } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import { useEventSeats } from '../realtime';
import { RESERVATION_STATUSES, type OrganizerReservation, type ReservationStatus, type Section } from '../types';
import { SalesFigures } from '../components/SalesFigures';
import { Table } from '../components/Table';

const PAGE_SIZE = 20;
/** How often the sales figures refresh themselves while the page is open and visible (besides every seat change). */
const FIGURES_REFRESH_MS = 30_000;
/** A burst of seat changes (a flash sale) reads the figures once per this, not once per change. */
const LIVE_FIGURES_MIN_GAP_MS = 1000;

/**
 * One of the organizer's events (`/organizer/events/:eventId`): its details, its live sales figures
 * (GET .../stats, the figures support sees) and its reservations, newest first, each linked to its
 * workflow in the Temporal Web UI (GET .../reservations). Edit and publish from here.
 */
export function OrganizerEventPage() {
  const { eventId = '' } = useParams();
  const location = useLocation();
  const arrived = (location.state ?? null) as { notice?: string; tone?: 'success' | 'warning' } | null;
  const [params, setParams] = useSearchParams();
  const status = (params.get('status') ?? '') as ReservationStatus | '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const event = useResource((signal) => api.organizerGetEvent(eventId, signal), [eventId]);
  const stats = useResource((signal) => api.organizerEventStats(eventId, signal), [eventId]);
  const reservations = useResource((signal) => api.organizerEventReservations(eventId, { status, page, pageSize: PAGE_SIZE }, signal), [eventId, status, page]);
  const [message, setMessage] = useState<{ tone: 'success' | 'warning'; text: string } | null>(arrived?.notice ? { tone: arrived.tone ?? 'success', text: arrived.notice } : null);
  const [failure, setFailure] = useState<unknown>(undefined);
  useDocumentTitle(event.data?.name ?? 'Event');

  const { reload: reloadStats } = stats;
  useEffect(() => {
    const timer = window.setInterval(() => { if (document.visibilityState === 'visible') reloadStats(); }, FIGURES_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reloadStats]);
  // live: the event's seat stream (the seat maps' own) says when a seat is held, sold or freed
  const live = useEventSeats(eventId);
  const pendingReload = useRef<number | null>(null);
  useEffect(() => {
    if (live.status !== 'live' || pendingReload.current !== null) return;
    pendingReload.current = window.setTimeout(() => { pendingReload.current = null; reloadStats(); }, LIVE_FIGURES_MIN_GAP_MS);
  }, [live.seats, live.status, reloadStats]);
  useEffect(() => () => { if (pendingReload.current !== null) window.clearTimeout(pendingReload.current); }, []);

  const show = (next: { status?: string; page?: number }) => {
    const search = new URLSearchParams();
    const s = next.status ?? status;
    if (s) search.set('status', s);
    if ((next.page ?? 1) > 1) search.set('page', String(next.page));
    setParams(search, { replace: true });
  };
  const publish = async () => {
    setMessage(null);
    setFailure(undefined);
    try {
      const published = await api.organizerPublish(eventId);
      setMessage({ tone: 'success', text: `${published.name} is ${published.status === 'UPCOMING' ? 'published: sales open on schedule' : 'on sale'}.` });
      event.reload();
      stats.reload();
    } catch (error) {
      setFailure(error);
    }
  };

  if (event.error && !event.data) return <ErrorAlert error={event.error} title="Could not load the event." />;
  if (!event.data) return <Loading />;
  const e = event.data;
  return (
    <>
      <Link to="/organizer" className="back-link">← My events</Link>
      <h1 className="page-title">{e.name} <StatusBadge status={e.status} /></h1>
      <p className="muted" data-testid="event-facts">
        {e.venue.name} · {formatDateTime(e.startsAt)} · Sales {saleWindow(e)}
        {e.maxTicketsPerCustomer !== null && <> · At most {e.maxTicketsPerCustomer} tickets per customer</>}
      </p>
      <div className="organizer-event__actions">
        {e.status !== 'CANCELLED' && e.status !== 'COMPLETED' && <Link className="btn btn--secondary btn--sm" to={`/organizer/events/${e.id}/edit`}>Edit event</Link>}
        {(e.status === 'DRAFT' || e.status === 'CLOSED') && <button type="button" className="btn btn--primary btn--sm" onClick={() => void publish()}>Publish</button>}
      </div>
      {message && <Notice tone={message.tone}>{message.text}</Notice>}
      <ErrorAlert error={failure} title="Could not publish the event." />

      <section className="organizer-event__section" aria-labelledby="sales-title">
        <h2 id="sales-title" className="section-title">Sales</h2>
        <ErrorAlert error={stats.error} title="Could not load the figures." />
        <p className="muted small" data-testid="figures-live" data-status={live.status}>
          {live.status === 'live' ? 'Live: the figures follow every seat held, sold or freed.' : 'Not live right now: the figures refresh every 30 seconds.'}
        </p>
        {stats.data ? <SalesFigures stats={stats.data} onRefresh={stats.reload} /> : !stats.error && <Loading label="Loading the figures…" />}
      </section>

      <section className="organizer-event__section" aria-labelledby="reservations-title">
        <h2 id="reservations-title" className="section-title">Reservations</h2>
        <form className="card toolbar" aria-label="Filter reservations" onSubmit={(ev) => ev.preventDefault()}>
          <div className="field">
            <label htmlFor="reservation-status" className="field__label">Status</label>
            <select id="reservation-status" className="input" value={status} onChange={(ev) => show({ status: ev.target.value, page: 1 })}>
              <option value="">Any status</option>
              {RESERVATION_STATUSES.map((s) => <option key={s} value={s}>{s.toLowerCase()}</option>)}
            </select>
          </div>
        </form>
        <ErrorAlert error={reservations.error} title="Could not load the reservations." />
        {reservations.loading && !reservations.data && <Loading />}
        {reservations.data && reservations.data.items.length === 0 && <EmptyState title="No reservations yet" />}
        {reservations.data && reservations.data.items.length > 0 && (
          <Table caption={<>Reservations of {e.name}, newest first</>} columns={['Made', 'Customer', 'Seats', 'Amount', 'Status', 'Hold ends', 'Workflow']} className="table--stacked" aria-busy={reservations.loading} data-testid="organizer-reservations">
            {reservations.data.items.map((r) => (
              <tr key={r.id} data-reservation-id={r.id}>
                <td data-label="Made">{formatDateTime(r.createdAt)}</td>
                <td data-label="Customer">{r.customerEmail}</td>
                <td data-label="Seats">{seatsOf(r, e.sections)}</td>
                <td data-label="Amount"><Money cents={r.amountCents} /></td>
                <td data-label="Status">
                  <span><StatusBadge status={r.status} />{r.bookingReference && <span className="small"> {r.bookingReference}</span>}</span>
                </td>
                <td data-label="Hold ends">{r.status === 'HELD' || r.status === 'PAYING' ? formatDateTime(r.holdExpiresAt) : '–'}</td>
                <td className="small" data-label="Workflow">
                  {r.temporalUiUrl
                    ? <a href={r.temporalUiUrl} target="_blank" rel="noreferrer">{r.workflowId}<span className="sr-only"> in the Temporal Web UI</span></a>
                    : <code title="The Temporal Web UI's address is not configured">{r.workflowId}</code>}
                </td>
              </tr>
            ))}
          </Table>
        )}
        {reservations.data && reservations.data.total > PAGE_SIZE && (
          <Pagination page={page} pageSize={PAGE_SIZE} total={reservations.data.total} onChange={(next) => show({ page: next })} />
        )}
      </section>
    </>
  );
}

/** A reservation's seats: their labels ("Stalls A1, Stalls A2"), general admission places as a count ("Floor × 3"). */
function seatsOf(reservation: OrganizerReservation, sections: Section[]): string {
  const bySection = new Map<string, OrganizerReservation['seats']>();
  for (const seat of reservation.seats) bySection.set(seat.sectionId, [...(bySection.get(seat.sectionId) ?? []), seat]);
  return [...bySection].map(([sectionId, seats]) => (sections.find((s) => s.id === sectionId)?.kind === 'GA'
    ? `${seats[0].sectionName} × ${seats.length}`
    : seats.map((seat) => seat.label).join(', '))).join(', ');
}
