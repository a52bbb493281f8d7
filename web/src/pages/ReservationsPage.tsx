import { Link } from 'react-router-dom';
import { api } from '../api';
import { EmptyState, ErrorAlert, Loading } from '../components/Feedback';
import { Money } from '../components/Money';
import { StatusBadge } from '../components/StatusBadge';
import { WaitlistEntries } from '../components/WaitlistEntries';
import { formatDateTime } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import { useReservationUpdates } from '../realtime';
import type { Reservation } from '../types';

const newestFirst = (a: Reservation, b: Reservation) => Date.parse(b.createdAt) - Date.parse(a.createdAt);

export function ReservationsPage() {
  useDocumentTitle('My reservations');
  const reservations = useResource((signal) => api.listReservations(signal), []);
  const { reload } = reservations;
  useReservationUpdates(() => reload(), { onReconnect: reload });
  const items = [...(reservations.data ?? [])].sort(newestFirst);

  return (
    <>
      <h1 className="page-title">My reservations</h1>
      <WaitlistEntries />
      <ErrorAlert error={reservations.error} title="Could not load your reservations." />
      {reservations.loading && !reservations.data && <Loading />}
      {reservations.data && items.length === 0 && (
        <EmptyState title="No reservations yet">
          <p>
            <Link to="/">Find an event</Link> and hold some seats.
          </p>
        </EmptyState>
      )}
      <ul className="list">
        {items.map((r) => (
          <ReservationItem key={r.id} reservation={r} />
        ))}
      </ul>
    </>
  );
}

function ReservationItem({ reservation: r }: { reservation: Reservation }) {
  return (
    <li className="card list-item" data-reservation-id={r.id}>
      <div className="list-item__main">
        <div className="list-item__title">
          <Link to={`/events/${r.eventId}`}>{r.eventName}</Link>
          <StatusBadge status={r.status} />
        </div>
        <p className="list-item__meta">
          Seats {r.seats.map((s) => s.label).join(', ')} · <Money cents={r.amountCents} />
        </p>
        <p className="list-item__meta muted">
          Reserved {formatDateTime(r.createdAt)}
          {r.status === 'HELD' && <> · held until {formatDateTime(r.holdExpiresAt)}</>}
          {r.booking && <> · booking {r.booking.reference}</>}
          {r.status === 'CANCELLED' && r.cancelReason && <> · {r.cancelReason}</>}
        </p>
      </div>
      <ReservationAction reservation={r} />
    </li>
  );
}

function ReservationAction({ reservation: r }: { reservation: Reservation }) {
  if (r.status === 'HELD' || r.status === 'PAYING') {
    return (
      <Link className="btn btn--primary" to={`/checkout/${r.id}`}>
        {r.status === 'HELD' ? 'Continue to checkout' : 'View payment'}
      </Link>
    );
  }
  if (r.status === 'CONFIRMED') {
    return (
      <Link className="btn btn--secondary" to={`/confirmation/${r.id}`}>
        View booking
      </Link>
    );
  }
  return null;
}
