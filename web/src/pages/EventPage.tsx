import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { api, ApiError } from '../api';
import { useAuth } from '../auth';
import { EventFacts } from '../components/EventFacts';
import { EmptyState, ErrorAlert, Loading, Notice } from '../components/Feedback';
import { loginPath } from '../components/RequireAuth';
import { SeatMap } from '../components/SeatMap';
import { SelectionBar, SelectionSummary } from '../components/SelectionSummary';
import { StatusBadge } from '../components/StatusBadge';
import { WaitlistPanel } from '../components/WaitlistPanel';
import { formatTime, pluralize } from '../format';
import { useDocumentTitle, useIdempotencyKey, useResource } from '../hooks';
import { useEventSeats, useReservationUpdates, type LiveStatus, type SeatIndex } from '../realtime';
import { ACTIVE_STATUSES, type EventDetail, type Reservation, type ReservationRequest, type Seat, type Section } from '../types';

export function EventPage() {
  const { eventId = '' } = useParams();
  const event = useResource((signal) => api.getEvent(eventId, signal), [eventId]);
  useDocumentTitle(event.data?.name ?? 'Event');

  if (event.error instanceof ApiError && event.error.status === 404) {
    return (
      <EmptyState title="Event not found">
        <p>
          It may have been removed. <Link to="/">Browse all events</Link>.
        </p>
      </EmptyState>
    );
  }
  if (event.error) return <ErrorAlert error={event.error} title="Could not load this event." />;
  if (!event.data) return <Loading label="Loading event…" />;
  return <EventView key={event.data.id} event={event.data} />;
}

/** Where the checkout page sends people back with a message (expired / cancelled hold). */
export interface EventPageState {
  flash?: string;
}

function EventView({ event }: { event: EventDetail }) {
  const { customer } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const { seats, status, resync } = useEventSeats(event.id, event.seats);
  const sections = useMemo(() => new Map(event.sections.map((s) => [s.id, s])), [event.sections]);
  const mine = useMyReservations(event.id, customer !== null);
  const [selected, setSelected] = useSeatSelection(event.id);
  const [notice, setNotice] = useState<string | null>((location.state as EventPageState | null)?.flash ?? null);
  const [error, setError] = useState<unknown>(undefined);
  const [holding, setHolding] = useState<string | null>(null);
  const idempotency = useIdempotencyKey();
  const onSale = event.status === 'ON_SALE';

  // Seats someone else took while they were in our selection drop out of it.
  useEffect(() => {
    if (holding) return;
    const lost = [...selected].filter((id) => seats.get(id) && seats.get(id)?.state !== 'AVAILABLE');
    if (lost.length === 0) return;
    setSelected((current) => new Set([...current].filter((id) => !lost.includes(id))));
    setNotice(`${labelList(lost, seats)} ${lost.length === 1 ? 'is' : 'are'} no longer available and ${lost.length === 1 ? 'was' : 'were'} removed from your selection.`);
  }, [seats, selected, holding, setSelected]);

  const toggleSeat = useCallback(
    (seat: Seat) =>
      setSelected((current) => {
        const next = new Set(current);
        if (!next.delete(seat.id)) next.add(seat.id);
        return next;
      }),
    [setSelected],
  );

  const hold = async (body: ReservationRequest, fingerprint: string, holdingId: string) => {
    if (!customer) {
      navigate(loginPath(location.pathname));
      return;
    }
    setHolding(holdingId);
    setError(undefined);
    setNotice(null);
    try {
      const reservation = await api.createReservation(body, idempotency.keyFor(fingerprint));
      idempotency.reset();
      if ('seatIds' in body) setSelected(new Set());
      navigate(`/checkout/${reservation.id}`);
    } catch (err) {
      setHolding(null);
      if (!(err instanceof ApiError && err.isNetworkError)) idempotency.reset();
      onHoldFailed(err);
    }
  };

  const onHoldFailed = (err: unknown) => {
    if (err instanceof ApiError && err.code === 'SEAT_TAKEN') {
      const taken = Array.isArray(err.details.seatIds) ? (err.details.seatIds as string[]) : [];
      setSelected((current) => new Set([...current].filter((id) => !taken.includes(id))));
      setError(new ApiError(409, err.code, seatTakenMessage(taken, seats, err.message)));
      void resync();
      mine.reload();
      return;
    }
    if (err instanceof ApiError && err.status === 401) {
      navigate(loginPath(location.pathname));
      return;
    }
    setError(err);
  };

  const selectedSeats = [...selected].map((id) => seats.get(id)).filter((s): s is Seat => s !== undefined);
  const holdSelected = () => {
    const seatIds = selectedSeats.map((s) => s.id).sort();
    void hold({ eventId: event.id, seatIds }, `seats:${seatIds.join(',')}`, 'seats');
  };
  const holdGa = (section: Section, quantity: number) =>
    void hold({ eventId: event.id, sectionId: section.id, quantity }, `ga:${section.id}:${quantity}`, section.id);

  return (
    <div className="event-page">
      <EventHeader event={event} status={status} />
      {!onSale && (
        <Notice tone="warning">
          {event.status === 'CANCELLED' ? 'This event has been cancelled.' : 'Ticket sales for this event are closed.'}
        </Notice>
      )}
      {notice && <Notice tone="warning">{notice}</Notice>}
      <ErrorAlert error={error} />
      <WaitlistPanel eventId={event.id} sections={event.sections} seats={seats} loggedIn={customer !== null} onSale={onSale} />
      <div className="event-layout">
        <div className="event-layout__map">
          <SeatMap
            sections={event.sections}
            seats={seats}
            selected={selected}
            mine={mine.seatIds}
            bought={mine.boughtSeatIds}
            interactive={onSale}
            holdingSectionId={holding === 'seats' ? null : holding}
            onToggleSeat={toggleSeat}
            onHoldGa={holdGa}
          />
        </div>
        <aside className="event-layout__aside">
          <SelectionSummary
            seats={selectedSeats}
            sections={sections}
            busy={holding === 'seats'}
            disabled={!onSale || holding !== null}
            loggedIn={customer !== null}
            onRemove={toggleSeat}
            onClear={() => setSelected(new Set())}
            onHold={holdSelected}
          />
          <ActiveHolds reservations={mine.reservations} />
        </aside>
      </div>
      <SelectionBar seats={selectedSeats} sections={sections} busy={holding === 'seats'} disabled={!onSale || holding !== null} onHold={holdSelected} />
    </div>
  );
}

function EventHeader({ event, status }: { event: EventDetail; status: LiveStatus }) {
  return (
    <header className="event-header">
      <Link to="/" className="back-link">
        <span aria-hidden="true">←</span> All events
      </Link>
      <div className="event-header__top">
        <h1 className="page-title">{event.name}</h1>
        {event.status !== 'ON_SALE' && <StatusBadge status={event.status} />}
        <LiveIndicator status={status} />
      </div>
      {event.imageUrl && <img className="event-header__image" src={event.imageUrl} alt={event.name} loading="lazy" />}
      <EventFacts startsAt={event.startsAt} venueName={event.venue.name} className="event-header__meta" />
      {event.description && <p className="event-header__description">{event.description}</p>}
      {event.maxTicketsPerCustomer !== null && (
        <p className="event-header__limit" data-testid="ticket-limit">
          Limit {pluralize(event.maxTicketsPerCustomer, 'ticket')} per customer
        </p>
      )}
      <p className="event-header__limit muted small" data-testid="refund-policy">
        {event.refundCutoffHours === null
          ? 'Bookings cannot be cancelled online; contact support.'
          : `Cancel online for a full refund until ${pluralize(event.refundCutoffHours, 'hour')} before the start.`}
      </p>
    </header>
  );
}

const LIVE_TEXT: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  offline: 'Reconnecting…',
};

function LiveIndicator({ status }: { status: LiveStatus }) {
  return (
    <span className={`live live--${status}`} data-testid="live-status" data-status={status}>
      <span className="live__dot" aria-hidden="true" />
      {LIVE_TEXT[status]}
      <span className="sr-only"> seat map updates</span>
    </span>
  );
}

function ActiveHolds({ reservations }: { reservations: Reservation[] }) {
  if (reservations.length === 0) return null;
  return (
    <section className="card active-holds" aria-labelledby="active-holds-title">
      <h2 id="active-holds-title" className="summary__title">
        Your holds for this event
      </h2>
      <ul className="active-holds__list">
        {reservations.map((r) => (
          <li key={r.id} className="active-holds__item">
            <span>
              {pluralize(r.seats.length, 'seat')}: {r.seats.map((s) => s.label).join(', ')}
              <span className="muted"> · held until {formatTime(r.holdExpiresAt)}</span>
            </span>
            <Link className="btn btn--primary btn--sm" to={`/checkout/${r.id}`}>
              Continue to checkout
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * The customer's reservations for this event: the HELD/PAYING ones (their seats show as "yours")
 * and the booked ones (their seats show as "yours, bought"). Read again on every push about the
 * customer's reservations, so a booking made in another tab shows up too.
 */
function useMyReservations(eventId: string, loggedIn: boolean) {
  const resource = useResource(
    (signal) => (loggedIn ? api.listReservations(signal) : Promise.resolve([] as Reservation[])),
    [loggedIn],
  );
  const { reload } = resource;
  useReservationUpdates(() => reload(), { enabled: loggedIn, onReconnect: reload });
  const ofEvent = useMemo(() => (resource.data ?? []).filter((r) => r.eventId === eventId), [resource.data, eventId]);
  const reservations = useMemo(() => ofEvent.filter((r) => ACTIVE_STATUSES.includes(r.status)), [ofEvent]);
  const seatIds = useMemo(() => seatIdsOf(reservations), [reservations]);
  const boughtSeatIds = useMemo(() => seatIdsOf(ofEvent.filter((r) => r.status === 'CONFIRMED' && r.booking !== null)), [ofEvent]);
  return { reservations, seatIds, boughtSeatIds, reload };
}

const seatIdsOf = (reservations: readonly Reservation[]) => new Set(reservations.flatMap((r) => r.seats.map((s) => s.id)));

/** The selected seats, kept per event in sessionStorage so they survive the detour through log in. */
function useSeatSelection(eventId: string) {
  const storageKey = `seat-selection:${eventId}`;
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => {
    try {
      return new Set(JSON.parse(sessionStorage.getItem(storageKey) ?? '[]') as string[]);
    } catch {
      return new Set<string>();
    }
  });
  useEffect(() => {
    if (selected.size === 0) sessionStorage.removeItem(storageKey);
    else sessionStorage.setItem(storageKey, JSON.stringify([...selected]));
  }, [selected, storageKey]);
  return [selected, setSelected] as const;
}

function labelList(seatIds: readonly string[], seats: SeatIndex): string {
  const labels = seatIds.map((id) => seats.get(id)?.label ?? 'A seat');
  return labels.length === 1 ? `Seat ${labels[0]}` : `Seats ${labels.join(', ')}`;
}

function seatTakenMessage(taken: readonly string[], seats: SeatIndex, fallback: string): string {
  if (taken.length === 0) return `${fallback.replace(/\.?$/, '.')} The map has been refreshed.`;
  return `Sorry, someone else just took ${labelList(taken, seats).replace(/^S/, 's')}. The map has been refreshed; please choose again.`;
}
