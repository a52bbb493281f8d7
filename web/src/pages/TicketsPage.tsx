import { useState, type FormEvent } from 'react';
import { seatLine } from '../../../src/contract/ticket-format';
import { api, ticketsPdfPath } from '../api';
import { FileDownload } from '../components/FileDownload';
import { EmptyState, ErrorAlert, Loading, Notice } from '../components/Feedback';
import { formatLongDate } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import type { HeldTicket } from '../types';

const STATE_LABELS: Record<HeldTicket['ticket']['state'], string> = {
  VALID: 'Valid',
  CHECKED_IN: 'Checked in',
  CANCELLED: 'Cancelled',
  TRANSFERRED: 'Transferred',
};

/** Every ticket I hold or held (bought, or transferred to me), with a form to hand a valid one on. */
export function TicketsPage() {
  useDocumentTitle('My tickets');
  const tickets = useResource((signal) => api.listTickets(signal), []);
  const [message, setMessage] = useState<string | null>(null);
  return (
    <>
      <h1 className="page-title">My tickets</h1>
      {message && <Notice tone="success">{message}</Notice>}
      <ErrorAlert error={tickets.error} title="Could not load your tickets." />
      {tickets.loading && !tickets.data && <Loading />}
      {tickets.data && tickets.data.length === 0 && <EmptyState title="No tickets yet" />}
      <ul className="ticket-list">
        {(tickets.data ?? []).map(({ booking, ticket }) => (
          <li key={ticket.id} className="ticket" data-ticket-id={ticket.id} data-state={ticket.state}>
            <div className="ticket__main">
              <h2 className="ticket__title">{booking.eventName}</h2>
              <p className="ticket__date">
                <time dateTime={booking.startsAt}>{formatLongDate(booking.startsAt)}</time> · {booking.venueName}
              </p>
              <p className="ticket__seats">{seatLine(ticket.seat)}</p>
              <p className="muted small">
                {STATE_LABELS[ticket.state]}
                {ticket.state === 'VALID' && <> · code <code className="ticket__code">{ticket.code}</code></>}
              </p>
            </div>
            <div className="ticket__stub">
              <span className="ticket__label">Booking</span>
              <span className="ticket__reference">{booking.reference}</span>
              {ticket.state === 'VALID' && (
                <FileDownload href={ticketsPdfPath(booking.reference)} filename={`tickets-${booking.reference}.pdf`} fetchFile={() => api.downloadTicketsPdf(booking.reference)}
                  label="PDF" busyLabel="Preparing…" srSuffix={` of my tickets of booking ${booking.reference}`} className="btn btn--ghost btn--sm" />
              )}
              {ticket.state === 'VALID' && (
                <TransferForm ticketId={ticket.id} label={seatLine(ticket.seat)} onTransferred={(email) => {
                  setMessage(`Your ticket for ${seatLine(ticket.seat)} now belongs to ${email}; its old code no longer admits anyone.`);
                  tickets.reload();
                }} />
              )}
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}

function TransferForm({ ticketId, label, onTransferred }: { ticketId: string; label: string; onTransferred: (email: string) => void }) {
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const inputId = `transfer-${ticketId}`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const done = await api.transferTicket(ticketId, email.trim());
      onTransferred(done.recipientEmail);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  if (!open) {
    return (
      <button type="button" className="btn btn--secondary btn--sm" onClick={() => setOpen(true)}>
        Transfer<span className="sr-only"> the ticket for {label}</span>
      </button>
    );
  }
  return (
    <form className="cancel-form" onSubmit={(e) => void submit(e)}>
      <label htmlFor={inputId} className="field__label">Recipient's email (they need an account)</label>
      <input id={inputId} className="input" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
      <div className="cancel-form__row">
        <button type="submit" className="btn btn--primary btn--sm" disabled={busy || !email.trim()}>
          {busy ? 'Transferring…' : 'Transfer ticket'}
        </button>
        <button type="button" className="btn btn--ghost btn--sm" onClick={() => setOpen(false)} disabled={busy}>
          Keep it
        </button>
      </div>
      <ErrorAlert error={error} title="Could not transfer." />
    </form>
  );
}
