import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, calendarPath, ticketsPdfPath } from '../api';
import { EmptyState, ErrorAlert, Loading, Notice } from '../components/Feedback';
import { FileDownload } from '../components/FileDownload';
import { Money } from '../components/Money';
import { StatusBadge } from '../components/StatusBadge';
import { formatDateTime, formatLongDate } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import type { Booking } from '../types';

export function BookingsPage() {
  useDocumentTitle('My bookings');
  const bookings = useResource((signal) => api.listBookings(signal), []);
  const [message, setMessage] = useState<string | null>(null);
  const items = [...(bookings.data ?? [])].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));

  return (
    <>
      <h1 className="page-title">My bookings</h1>
      {message && <Notice tone="success">{message}</Notice>}
      <ErrorAlert error={bookings.error} title="Could not load your bookings." />
      {bookings.loading && !bookings.data && <Loading />}
      {bookings.data && items.length === 0 && (
        <EmptyState title="No bookings yet">
          <p>
            <Link to="/">Browse events</Link> to book your first tickets.
          </p>
        </EmptyState>
      )}
      <ul className="ticket-list">
        {items.map((b) => (
          <li key={b.id} className="ticket" data-booking-id={b.id} data-status={b.status}>
            <div className="ticket__main">
              <h2 className="ticket__title">
                <Link to={`/events/${b.eventId}`}>{b.eventName}</Link>
              </h2>
              <p className="ticket__date">
                <time dateTime={b.startsAt}>{formatLongDate(b.startsAt)}</time>
              </p>
              <p className="ticket__seats">Seats: {b.seats.join(', ')}</p>
              <p className="muted">Booked {formatDateTime(b.createdAt)}</p>
              {b.status !== 'CONFIRMED' && <StatusBadge status={b.status} />}
            </div>
            <div className="ticket__stub">
              <span className="ticket__label">Reference</span>
              <span className="ticket__reference">{b.reference}</span>
              <Money cents={b.amountCents} className="ticket__amount" />
              {b.status === 'CONFIRMED' && (
                <FileDownload href={ticketsPdfPath(b.reference)} filename={`tickets-${b.reference}.pdf`} fetchFile={() => api.downloadTicketsPdf(b.reference)}
                  label="Download tickets (PDF)" busyLabel="Preparing tickets…" srSuffix={` for booking ${b.reference}`}
                  className="btn btn--secondary btn--sm ticket__download" testId="download-tickets" />
              )}
              <FileDownload href={calendarPath(b.reference)} filename={`booking-${b.reference}.ics`} fetchFile={() => api.downloadCalendar(b.reference)}
                label="Add to calendar (.ics)" busyLabel="Preparing…" srSuffix={` for booking ${b.reference}`} className="btn btn--ghost btn--sm" testId="download-calendar" />
              {b.status === 'CONFIRMED' && (
                <CancelBooking booking={b} onCancelled={(text) => { setMessage(text); bookings.reload(); }} />
              )}
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}

/** "Cancel booking": asks to confirm, then cancels and refunds within the event's policy (the refusal says until when). */
function CancelBooking({ booking, onCancelled }: { booking: Booking; onCancelled: (message: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const cancel = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { cancellation } = await api.cancelBooking(booking.reference);
      onCancelled(cancellation.status === 'REFUNDED'
        ? `Booking ${booking.reference} was cancelled and refunded.`
        : `Booking ${booking.reference} is being cancelled; the refund is under way.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  return (
    <>
      {!confirming && (
        <button type="button" className="btn btn--danger-ghost btn--sm" onClick={() => setConfirming(true)} data-testid="cancel-booking">
          Cancel booking<span className="sr-only"> {booking.reference}</span>
        </button>
      )}
      {confirming && (
        <span className="cancel-form__row">
          <button type="button" className="btn btn--danger btn--sm" disabled={busy} onClick={() => void cancel()} data-testid="confirm-cancel-booking">
            {busy ? 'Cancelling…' : 'Cancel and refund'}
          </button>
          <button type="button" className="btn btn--ghost btn--sm" disabled={busy} onClick={() => setConfirming(false)}>
            Keep booking
          </button>
        </span>
      )}
      <ErrorAlert error={error} title="Could not cancel." />
    </>
  );
}
