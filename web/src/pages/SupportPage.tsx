import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, attendeesCsvPath } from '../api';
import { FileDownload } from '../components/FileDownload';
import { AuditList } from '../components/AuditList';
import { EmptyState, ErrorAlert, Loading, Notice } from '../components/Feedback';
import { Money } from '../components/Money';
import { StatusBadge } from '../components/StatusBadge';
import { formatDateTime } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import type { ReservationStatus, SupportReservation } from '../types';

const STATUSES: ReservationStatus[] = ['HELD', 'PAYING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'FAILED', 'REFUNDED'];
const CANCELLABLE: ReservationStatus[] = ['HELD', 'PAYING'];
const CANCEL_SETTLE_MS = 1500;

export function SupportPage() {
  useDocumentTitle('Support');
  const [params, setParams] = useSearchParams();
  const eventId = params.get('eventId') ?? '';
  const status = (params.get('status') ?? '') as ReservationStatus | '';
  const reservations = useResource(
    (signal) => api.supportListReservations({ eventId: eventId || undefined, status }, signal),
    [eventId, status],
  );
  const [message, setMessage] = useState<string | null>(null);

  const applyFilters = (next: { eventId: string; status: string }) => {
    const search = new URLSearchParams();
    if (next.eventId.trim()) search.set('eventId', next.eventId.trim());
    if (next.status) search.set('status', next.status);
    setParams(search);
  };

  const onCancelled = (reservation: SupportReservation) => {
    setMessage(`Reservation for ${reservation.customerEmail} was cancelled.`);
    // the cancel is a signal: the workflow releases the seats a moment later (after any charge
    // in flight settles), so look again shortly
    reservations.reload();
    window.setTimeout(reservations.reload, CANCEL_SETTLE_MS);
  };

  return (
    <>
      <h1 className="page-title">Support · Reservations</h1>
      <SupportFilters key={`${eventId}|${status}`} eventId={eventId} status={status} onApply={applyFilters} onRefresh={reservations.reload} />
      {eventId && (
        <p className="small">
          <Link to={`/support/events/${encodeURIComponent(eventId)}/stats`} data-testid="event-stats-link">This event's sales figures</Link>
        </p>
      )}
      {message && <Notice tone="success">{message}</Notice>}
      <ErrorAlert error={reservations.error} title="Could not load reservations." />
      {reservations.loading && !reservations.data && <Loading />}
      {eventId && /^[0-9a-f-]{36}$/i.test(eventId) && (
        <p className="small">
          <FileDownload href={attendeesCsvPath(eventId)} filename={`attendees-${eventId}.csv`} fetchFile={() => api.downloadAttendeesCsv(eventId)}
            label="Download bookings and attendees (CSV)" busyLabel="Preparing the list…" srSuffix=" of this event" testId="download-attendees" />
        </p>
      )}
      {eventId && /^[0-9a-f-]{36}$/i.test(eventId) && (
        <details className="card support__audit" data-testid="event-audit">
          <summary>Audit trail of this event: who changed it, and who cancelled or refunded what</summary>
          <AuditList key={eventId} label="Audit trail of the event" load={(before) => api.supportAudit({ eventId, before, limit: 20 })} />
        </details>
      )}
      {reservations.data?.temporalUiUrl && (
        <p className="muted small support__temporal">
          Operators:{' '}
          <a href={reservations.data.temporalUiUrl} target="_blank" rel="noreferrer" data-testid="temporal-ui-filter">
            these reservations' workflows in the Temporal UI<span className="sr-only"> (opens in a new tab)</span>
          </a>
        </p>
      )}
      {reservations.data && reservations.data.items.length === 0 && <EmptyState title="No reservations match these filters" />}
      {reservations.data && reservations.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table" aria-busy={reservations.loading}>
            <caption className="sr-only">Reservations</caption>
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Event</th>
                <th scope="col">Seats</th>
                <th scope="col">Amount</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {reservations.data.items.map((r) => (
                <SupportRow key={r.id} reservation={r} onCancelled={onCancelled} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

interface FiltersProps {
  eventId: string;
  status: string;
  onApply: (filters: { eventId: string; status: string }) => void;
  onRefresh: () => void;
}

function SupportFilters({ eventId: initialEventId, status: initialStatus, onApply, onRefresh }: FiltersProps) {
  const [eventId, setEventId] = useState(initialEventId);
  const [status, setStatus] = useState(initialStatus);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({ eventId, status });
  };
  return (
    <form className="card toolbar" onSubmit={submit} aria-label="Filter reservations">
      <div className="field">
        <label htmlFor="support-event" className="field__label">
          Event ID
        </label>
        <input
          id="support-event"
          className="input"
          value={eventId}
          placeholder="All events"
          onChange={(e) => setEventId(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="support-status" className="field__label">
          Status
        </label>
        <select id="support-status" className="input" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">Any status</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div className="toolbar__actions">
        <button type="submit" className="btn btn--primary">
          Filter
        </button>
        <button type="button" className="btn btn--secondary" onClick={onRefresh}>
          Refresh
        </button>
      </div>
    </form>
  );
}

function SupportRow({ reservation: r, onCancelled }: { reservation: SupportReservation; onCancelled: (r: SupportReservation) => void }) {
  const [open, setOpen] = useState(false);
  const [history, setHistory] = useState(false);
  const [requested, setRequested] = useState(false);
  const [extension, setExtension] = useState<{ busy: boolean; until?: string; error?: unknown }>({ busy: false });
  // a confirmed booking is cancelled and refunded (any time, for support); a live hold is cancelled
  const refundable = r.status === 'CONFIRMED' && r.booking !== null;
  const cancellable = CANCELLABLE.includes(r.status) || refundable;
  const extend = async () => {
    setExtension({ busy: true });
    try {
      setExtension({ busy: false, until: (await api.supportExtend(r.id)).holdExpiresAt });
    } catch (error) {
      setExtension({ busy: false, error });
    }
  };
  return (
    <>
      <tr data-reservation-id={r.id}>
        <td>{r.customerEmail}</td>
        <td>
          {r.eventName}
          <div className="muted small">
            <code>{r.eventId}</code>
          </div>
        </td>
        <td>{r.seats.map((s) => s.label).join(', ')}</td>
        <td>
          <Money cents={r.amountCents} />
        </td>
        <td>
          <StatusBadge status={r.status} />
          {r.cancelReason && <div className="muted small">{r.cancelReason}</div>}
          {r.cancelledBy && <div className="muted small" data-testid="cancelled-by">by {r.cancelledBy}</div>}
          {r.workflowUrl && (
            <div className="small">
              <a href={r.workflowUrl} target="_blank" rel="noreferrer" data-testid="workflow-link">
                Workflow<span className="sr-only"> of {r.customerEmail}'s reservation in the Temporal UI (opens in a new tab)</span>
              </a>
            </div>
          )}
        </td>
        <td>{formatDateTime(r.createdAt)}</td>
        <td className="table__actions">
          {cancellable && requested && <span className="muted small" role="status">Cancellation requested…</span>}
          {r.status === 'HELD' && !open && !requested && (
            <button type="button" className="btn btn--ghost btn--sm" disabled={extension.busy} onClick={() => void extend()}>
              {extension.busy ? 'Extending…' : 'Extend'}
            </button>
          )}
          {cancellable && !open && !requested && (
            <button type="button" className="btn btn--danger-ghost btn--sm" onClick={() => setOpen(true)}>
              {refundable ? 'Cancel & refund' : 'Cancel'}
            </button>
          )}
          <button type="button" className="btn btn--ghost btn--sm" aria-expanded={history} onClick={() => setHistory((shown) => !shown)}>
            {history ? 'Hide history' : 'History'}
          </button>
          {extension.until && <div className="muted small" role="status">Held until {formatDateTime(extension.until)}</div>}
          {extension.error !== undefined && <ErrorAlert error={extension.error} title="Could not extend." />}
        </td>
      </tr>
      {history && (
        <tr className="table__expansion" data-testid="reservation-history">
          <td colSpan={7}>
            <strong>Who did what to {r.customerEmail}'s reservation</strong>
            <AuditList label={`History of ${r.customerEmail}'s reservation`} empty="No staff action recorded on this reservation."
              load={(before) => api.supportAudit({ reservationId: r.id, before, limit: 20 })} />
          </td>
        </tr>
      )}
      {open && (
        <tr className="table__expansion">
          <td colSpan={7}>
            <CancelForm
              reservation={r}
              onClose={() => setOpen(false)}
              onCancelled={(reservation) => {
                setOpen(false);
                setRequested(true);
                onCancelled(reservation);
              }}
            />
          </td>
        </tr>
      )}
    </>
  );
}

interface CancelFormProps {
  reservation: SupportReservation;
  onClose: () => void;
  onCancelled: (r: SupportReservation) => void;
}

/** Asks for the reason inline (it is shown to the customer) and POSTs the support cancel. */
function CancelForm({ reservation, onClose, onCancelled }: CancelFormProps) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const inputId = `cancel-reason-${reservation.id}`;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim()) return;
    setBusy(true);
    setError(undefined);
    try {
      if (reservation.status === 'CONFIRMED' && reservation.booking) await api.supportCancelBooking(reservation.booking.reference, reason.trim());
      else await api.supportCancel(reservation.id, reason.trim());
      onCancelled(reservation);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form className="cancel-form" onSubmit={(e) => void submit(e)}>
      <label htmlFor={inputId} className="field__label">
        Reason for cancelling {reservation.customerEmail}'s {reservation.status === 'CONFIRMED' ? 'booking (refunded in full)' : 'reservation'} (shown to the customer)
      </label>
      <div className="cancel-form__row">
        <input
          id={inputId}
          className="input"
          value={reason}
          required
          autoFocus
          maxLength={500}
          onChange={(e) => setReason(e.target.value)}
        />
        <button type="submit" className="btn btn--danger" disabled={busy || !reason.trim()}>
          {busy ? 'Cancelling…' : 'Confirm cancel'}
        </button>
        <button type="button" className="btn btn--ghost" onClick={onClose} disabled={busy}>
          Keep reservation
        </button>
      </div>
      <ErrorAlert error={error} title="Could not cancel." />
    </form>
  );
}
