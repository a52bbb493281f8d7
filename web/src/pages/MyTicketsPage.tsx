import { useCallback, useState } from 'react';
import { Link } from 'react-router-dom';
import { seatLine } from '../../../src/contract/ticket-format';
import { api, calendarPath, serverClock, ticketsPdfPath } from '../api';
import { CancelBooking } from '../components/CancelBooking';
import { Countdown } from '../components/Countdown';
import { EventFacts } from '../components/EventFacts';
import { EmptyState, ErrorAlert, Loading, Notice } from '../components/Feedback';
import { FileDownload } from '../components/FileDownload';
import { Money } from '../components/Money';
import { StatusBadge } from '../components/StatusBadge';
import { TransferForm } from '../components/TransferForm';
import { WaitlistEntries } from '../components/WaitlistEntries';
import { formatDateTime, pluralize } from '../format';
import { useAction, useDocumentTitle, useResource } from '../hooks';
import { useReservationUpdates } from '../realtime';
import { ACTIVE_STATUSES, type Booking, type HeldTicket, type Reservation, type Ticket } from '../types';

const TICKET_STATES: Record<Ticket['state'], string> = {
  VALID: 'Valid',
  CHECKED_IN: 'Checked in',
  CANCELLED: 'Cancelled',
  TRANSFERRED: 'Transferred',
};

/** One booking as the customer sees it: theirs (with its amount), or one whose tickets were transferred to them. */
interface Purchase {
  reference: string;
  eventId: string;
  eventName: string;
  startsAt: string;
  venueName: string | null;
  /** The customer's own booking; null for tickets someone transferred to them. */
  booking: Booking | null;
  /** The tickets of it the customer holds or held. */
  tickets: Ticket[];
}

/**
 * Bookings and held tickets joined by reference. The venue comes with the tickets, or else from the
 * booking's reservation. Upcoming: a confirmed booking (or a ticket still usable) of an event yet to
 * start; everything else is past.
 */
function purchasesOf(bookings: readonly Booking[], held: readonly HeldTicket[], reservations: readonly Reservation[], now: number) {
  const byReference = new Map<string, Purchase>();
  const venueOfReservation = new Map(reservations.map((r) => [r.id, r.venueName]));
  for (const b of bookings) {
    byReference.set(b.reference, {
      reference: b.reference, eventId: b.eventId, eventName: b.eventName, startsAt: b.startsAt,
      venueName: venueOfReservation.get(b.reservationId) ?? null, booking: b, tickets: [],
    });
  }
  for (const { booking, ticket } of held) {
    const purchase = byReference.get(booking.reference) ?? { ...booking, booking: null, tickets: [] };
    purchase.venueName = booking.venueName;
    purchase.tickets.push(ticket);
    byReference.set(booking.reference, purchase);
  }
  const upcoming: Purchase[] = [];
  const past: Purchase[] = [];
  for (const p of byReference.values()) {
    const live = p.booking ? p.booking.status === 'CONFIRMED' : p.tickets.some((t) => t.state === 'VALID' || t.state === 'CHECKED_IN');
    (live && Date.parse(p.startsAt) > now ? upcoming : past).push(p);
  }
  upcoming.sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
  past.sort((a, b) => Date.parse(b.startsAt) - Date.parse(a.startsAt));
  return { upcoming, past };
}

/**
 * "My tickets": everything a customer bought or is buying, in one place. Live holds first (the
 * countdown, checkout, cancel), then upcoming bookings (tickets PDF, calendar, transfer, cancel and
 * refund), then past and cancelled ones folded away.
 */
export function MyTicketsPage() {
  useDocumentTitle('My tickets');
  const reservations = useResource((signal) => api.listReservations(signal), []);
  const bookings = useResource((signal) => api.listBookings(signal), []);
  const tickets = useResource((signal) => api.listTickets(signal), []);
  const [message, setMessage] = useState<string | null>(null);
  const [pastOpen, setPastOpen] = useState(false);
  // holds cancelled here leave the list at once (the workflow releases the seats a moment later)
  const [cancelled, setCancelled] = useState<ReadonlySet<string>>(new Set());
  const reloadAll = useCallback(() => {
    reservations.reload();
    bookings.reload();
    tickets.reload();
  }, [reservations.reload, bookings.reload, tickets.reload]);
  useReservationUpdates(reloadAll, { onReconnect: reloadAll });
  const done = (text: string) => {
    setMessage(text);
    reloadAll();
  };

  const loaded = reservations.data && bookings.data && tickets.data;
  const holds = (reservations.data ?? []).filter((r) => ACTIVE_STATUSES.includes(r.status) && !cancelled.has(r.id))
    .sort((a, b) => Date.parse(a.holdExpiresAt) - Date.parse(b.holdExpiresAt));
  const endedHolds = (reservations.data ?? []).filter((r) => r.status === 'EXPIRED' || r.status === 'CANCELLED' || r.status === 'FAILED');
  const { upcoming, past } = purchasesOf(bookings.data ?? [], tickets.data ?? [], reservations.data ?? [], serverClock.now());
  const pastCount = past.length + endedHolds.length;

  return (
    <div className="purchases">
      <h1 className="page-title">My tickets</h1>
      {message && <Notice tone="success">{message}</Notice>}
      <ErrorAlert error={reservations.error} title="Could not load your holds." />
      <ErrorAlert error={bookings.error ?? tickets.error} title="Could not load your bookings." />
      {!loaded && !(reservations.error || bookings.error || tickets.error) && <Loading />}
      {loaded && holds.length + upcoming.length + pastCount === 0 && (
        <EmptyState title="No tickets yet">
          <p>
            <Link to="/">Find an event</Link> and pick your seats.
          </p>
        </EmptyState>
      )}

      {holds.length > 0 && (
        <section className="purchases__section" aria-labelledby="holds-title" data-testid="holds">
          <h2 id="holds-title" className="section-title">On hold: finish buying</h2>
          <ul className="list">
            {holds.map((r) => (
              <HoldCard key={r.id} reservation={r} onExpire={reservations.reload} onCancelled={(id, text) => {
                setCancelled((ids) => new Set([...ids, id]));
                done(text);
              }} />
            ))}
          </ul>
        </section>
      )}

      <WaitlistEntries />

      {upcoming.length > 0 && (
        <section className="purchases__section" aria-labelledby="upcoming-title" data-testid="upcoming">
          <h2 id="upcoming-title" className="section-title">Upcoming</h2>
          <ul className="ticket-list">
            {upcoming.map((p) => (
              <PurchaseCard key={p.reference} purchase={p} onChanged={done} />
            ))}
          </ul>
        </section>
      )}

      {pastCount > 0 && (
        <details className="purchases__section purchases__past" data-testid="past" open={pastOpen} onToggle={(e) => setPastOpen(e.currentTarget.open)}>
          <summary className="purchases__summary">Past and cancelled ({pastCount})</summary>
          <ul className="ticket-list">
            {past.map((p) => (
              <PurchaseCard key={p.reference} purchase={p} onChanged={done} />
            ))}
          </ul>
          {endedHolds.length > 0 && (
            <ul className="list purchases__ended">
              {endedHolds.map((r) => (
                <EndedHold key={r.id} reservation={r} />
              ))}
            </ul>
          )}
        </details>
      )}
    </div>
  );
}

function HoldCard({ reservation: r, onExpire, onCancelled }: { reservation: Reservation; onExpire: () => void; onCancelled: (id: string, message: string) => void }) {
  const { busy, error, run } = useAction();
  const cancel = () => run(async () => {
    await api.cancelReservation(r.id);
    onCancelled(r.id, `Your hold on ${r.eventName} was cancelled; the seats are released.`);
  });
  return (
    <li className="card hold-card" data-reservation-id={r.id} data-status={r.status}>
      <div className="hold-card__main">
        <div className="list-item__title">
          <Link to={`/events/${r.eventId}`}>{r.eventName}</Link>
          <StatusBadge status={r.status} />
        </div>
        <EventFacts startsAt={r.eventStartsAt} venueName={r.venueName} />
        <p className="list-item__meta">
          {pluralize(r.seats.length, 'seat')}: {r.seats.map((s) => s.label).join(', ')} · <Money cents={r.amountCents} />
        </p>
        {r.status === 'HELD' && <Countdown expiresAt={Date.parse(r.holdExpiresAt)} onExpire={onExpire} />}
      </div>
      <div className="purchase-actions">
        <Link className="btn btn--primary" to={`/checkout/${r.id}`}>
          {r.status === 'HELD' ? 'Continue to checkout' : 'View payment'}
        </Link>
        {r.status === 'HELD' && (
          <button type="button" className="btn btn--danger-ghost" disabled={busy} onClick={() => void cancel()}>
            {busy ? 'Cancelling…' : 'Cancel hold'}
            <span className="sr-only"> on {r.eventName}</span>
          </button>
        )}
        <ErrorAlert error={error} title="Could not cancel the hold." />
      </div>
    </li>
  );
}

function PurchaseCard({ purchase: p, onChanged }: { purchase: Purchase; onChanged: (message: string) => void }) {
  const b = p.booking;
  const status = b?.status ?? 'CONFIRMED';
  const usable = p.tickets.some((t) => t.state === 'VALID');
  // the API refuses a customer's cancellation of a booking some of whose tickets they gave away
  const gaveAway = p.tickets.some((t) => t.state === 'TRANSFERRED');
  const seats = b ? b.seats : p.tickets.map((t) => t.seat.label);
  return (
    <li className="ticket purchase" data-reference={p.reference} data-status={status} data-testid="purchase">
      <div className="ticket__main">
        <h3 className="ticket__title">
          <Link to={`/events/${p.eventId}`}>{p.eventName}</Link>
        </h3>
        {p.venueName !== null ? (
          <EventFacts startsAt={p.startsAt} venueName={p.venueName} className="ticket__date" />
        ) : (
          <p className="ticket__date">
            <time dateTime={p.startsAt}>{formatDateTime(p.startsAt)}</time>
          </p>
        )}
        <p className="ticket__seats">Seats: {seats.join(', ')}</p>
        <p className="muted small">
          {b ? <>Booked {formatDateTime(b.createdAt)}</> : 'Transferred to you'}
          {status !== 'CONFIRMED' && <> · <StatusBadge status={status} /></>}
        </p>
        {p.tickets.length > 0 && (
          <ul className="purchase__tickets" aria-label={`Tickets of booking ${p.reference}`}>
            {p.tickets.map((t) => (
              <li key={t.id} className="purchase__ticket" data-ticket-id={t.id} data-state={t.state}>
                <div className="purchase__ticket-text">
                  <strong>{seatLine(t.seat)}</strong>
                  <span className="muted small">
                    {' '}· {TICKET_STATES[t.state]}
                    {t.state === 'VALID' && <> · code <code className="ticket__code">{t.code}</code></>}
                  </span>
                </div>
                {t.state === 'VALID' && status === 'CONFIRMED' && (
                  <TransferForm ticketId={t.id} label={seatLine(t.seat)} onTransferred={(email) =>
                    onChanged(`Your ticket for ${seatLine(t.seat)} now belongs to ${email}; its old code no longer admits anyone.`)} />
                )}
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="ticket__stub">
        <span className="ticket__label">Reference</span>
        <span className="ticket__reference">{p.reference}</span>
        {b && <Money cents={b.amountCents} className="ticket__amount" />}
        <div className="purchase-actions">
          {usable && (
            <FileDownload href={ticketsPdfPath(p.reference)} filename={`tickets-${p.reference}.pdf`} fetchFile={() => api.downloadTicketsPdf(p.reference)}
              label="Download tickets (PDF)" busyLabel="Preparing tickets…" srSuffix={` for booking ${p.reference}`}
              className="btn btn--secondary btn--sm" testId="download-tickets" />
          )}
          <FileDownload href={calendarPath(p.reference)} filename={`booking-${p.reference}.ics`} fetchFile={() => api.downloadCalendar(p.reference)}
            label="Add to calendar (.ics)" busyLabel="Preparing…" srSuffix={` for booking ${p.reference}`} className="btn btn--ghost btn--sm" testId="download-calendar" />
          {b && b.status === 'CONFIRMED' && !gaveAway && <CancelBooking booking={b} onCancelled={onChanged} />}
          {b && b.status === 'CONFIRMED' && gaveAway && (
            <p className="muted small" data-testid="no-cancel">You transferred a ticket of this booking, so only support can cancel it.</p>
          )}
        </div>
      </div>
    </li>
  );
}

function EndedHold({ reservation: r }: { reservation: Reservation }) {
  return (
    <li className="card list-item" data-reservation-id={r.id} data-status={r.status}>
      <div className="list-item__main">
        <div className="list-item__title">
          <Link to={`/events/${r.eventId}`}>{r.eventName}</Link>
          <StatusBadge status={r.status} />
        </div>
        <p className="list-item__meta muted">
          Seats {r.seats.map((s) => s.label).join(', ')} · <Money cents={r.amountCents} /> · held {formatDateTime(r.createdAt)}
          {r.cancelReason && <> · {r.cancelReason}</>}
        </p>
      </div>
    </li>
  );
}
