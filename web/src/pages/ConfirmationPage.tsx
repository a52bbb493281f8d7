import { SeatLineItems } from '../components/SeatLineItems';
import { useEffect } from 'react';
import { Link, useLocation, useParams } from 'react-router-dom';
import { api, ApiError } from '../api';
import { CalendarLink } from '../components/CalendarLink';
import { EventFacts } from '../components/EventFacts';
import { EmptyState, ErrorAlert, Loading, Notice } from '../components/Feedback';
import { useDocumentTitle, useResource } from '../hooks';
import { MY_TICKETS_PATH } from '../paths';
import { useReservationUpdates } from '../realtime';
import type { CheckoutResult } from '../types';

const POLL_MS = 2000;

export function ConfirmationPage() {
  useDocumentTitle('Booking confirmed');
  const { reservationId = '' } = useParams();
  const location = useLocation();
  const fromCheckout = location.state as Partial<CheckoutResult> | null;
  const resource = useResource((signal) => api.getReservation(reservationId, signal), [reservationId]);
  const reservation = resource.data ?? (fromCheckout?.reservation?.id === reservationId ? fromCheckout.reservation : undefined);
  const reference = reservation?.booking?.reference ?? fromCheckout?.booking?.reference;
  const settling = reservation !== undefined && !reference && (reservation.status === 'PAYING' || reservation.status === 'HELD');
  const { reload } = resource;

  useReservationUpdates((update) => update.reservationId === reservationId && reload(), { onReconnect: reload });
  useEffect(() => {
    if (!settling) return;
    const timer = window.setInterval(reload, POLL_MS);
    return () => window.clearInterval(timer);
  }, [settling, reload]);

  if (resource.error instanceof ApiError && resource.error.status === 404) {
    return <EmptyState title="Booking not found" />;
  }
  if (!reservation) return resource.error ? <ErrorAlert error={resource.error} /> : <Loading />;
  if (settling) return <Loading label="Confirming your payment…" />;
  if (!reference) {
    return (
      <ErrorAlert title="This reservation was not booked.">
        <span>
          Its status is {reservation.status.toLowerCase()}. <Link to={`/events/${reservation.eventId}`}>Back to the event</Link>
        </span>
      </ErrorAlert>
    );
  }

  return (
    <div className="confirmation">
      <div className="confirmation__hero">
        <span className="confirmation__check" aria-hidden="true">
          ✓
        </span>
        <h1 className="page-title">You're going!</h1>
        <p className="muted">Your booking for {reservation.eventName} is confirmed.</p>
        <EventFacts startsAt={reservation.eventStartsAt} venueName={reservation.venueName} className="confirmation__facts" />
      </div>
      <section className="card confirmation__card" aria-labelledby="booking-reference-label">
        <p id="booking-reference-label" className="confirmation__label">
          Booking reference
        </p>
        <p className="booking-reference" data-testid="booking-reference">
          {reference}
        </p>
        <p className="muted">Show this reference at the venue entrance.</p>
        <SeatLineItems
          seats={reservation.seats}
          totalLabel={reservation.amountCents === 0 ? 'Total' : 'Total paid'}
          totalCents={fromCheckout?.booking?.amountCents ?? reservation.amountCents}
        />
      </section>
      <Notice tone="success">Your seats are yours. See all your tickets under My tickets.</Notice>
      <div className="confirmation__actions">
        <CalendarLink
          entry={{
            reference,
            eventName: reservation.eventName,
            startsAt: reservation.eventStartsAt,
            venueName: reservation.venueName,
            seats: reservation.seats.map((s) => s.label),
          }}
        />
        <Link to={MY_TICKETS_PATH} className="btn btn--primary">
          My tickets
        </Link>
        <Link to="/" className="btn btn--secondary">
          Browse more events
        </Link>
      </div>
    </div>
  );
}
