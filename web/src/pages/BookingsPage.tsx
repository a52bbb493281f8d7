import { useState, type MouseEvent } from 'react';
import { Link } from 'react-router-dom';
import { api, errorMessage, ticketsPdfPath } from '../api';
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
              <TicketsDownload reference={b.reference} />
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}

/**
 * "Download tickets (PDF)": a real link to the file (so it reads and behaves as one), fetched with
 * the session's token on click, since a plain link cannot send it.
 */
function TicketsDownload({ reference }: { reference: string }) {
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const onClick = async (event: MouseEvent<HTMLAnchorElement>) => {
    event.preventDefault();
    if (state.busy) return;
    setState({ busy: true, error: null });
    try {
      const blob = await api.downloadTicketsPdf(reference);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `tickets-${reference}.pdf`;
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setState({ busy: false, error: null });
    } catch (error) {
      setState({ busy: false, error: errorMessage(error) });
    }
  };
  return (
    <>
      <a
        href={ticketsPdfPath(reference)}
        download={`tickets-${reference}.pdf`}
        className="btn btn--secondary btn--sm ticket__download"
        onClick={onClick}
        aria-busy={state.busy}
        data-testid="download-tickets"
      >
        {state.busy ? 'Preparing tickets…' : 'Download tickets (PDF)'}
        <span className="sr-only"> for booking {reference}</span>
      </a>
      {state.error && (
        <span className="field__error" role="alert">
          {state.error}
        </span>
      )}
    </>
  );
}
