import { Link } from 'react-router-dom';
import { api } from '../api';
import { EmptyState, ErrorAlert, Loading } from '../components/Feedback';
import { Money } from '../components/Money';
import { formatDateTime, formatLongDate } from '../format';
import { useDocumentTitle, useResource } from '../hooks';

export function BookingsPage() {
  useDocumentTitle('My bookings');
  const bookings = useResource((signal) => api.listBookings(signal), []);
  const items = [...(bookings.data ?? [])].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));

  return (
    <>
      <h1 className="page-title">My bookings</h1>
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
          <li key={b.id} className="ticket" data-booking-id={b.id}>
            <div className="ticket__main">
              <h2 className="ticket__title">
                <Link to={`/events/${b.eventId}`}>{b.eventName}</Link>
              </h2>
              <p className="ticket__date">
                <time dateTime={b.startsAt}>{formatLongDate(b.startsAt)}</time>
              </p>
              <p className="ticket__seats">Seats: {b.seats.join(', ')}</p>
              <p className="muted">Booked {formatDateTime(b.createdAt)}</p>
            </div>
            <div className="ticket__stub">
              <span className="ticket__label">Reference</span>
              <span className="ticket__reference">{b.reference}</span>
              <Money cents={b.amountCents} className="ticket__amount" />
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}
