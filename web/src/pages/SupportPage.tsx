import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, attendeesCsvPath } from '../api';
import { FileDownload } from '../components/FileDownload';
import { AuditList } from '../components/AuditList';
import { EmptyState, ErrorAlert, Loading, Notice } from '../components/Feedback';
import { Money } from '../components/Money';
import { Pagination } from '../components/Pagination';
import { StatusBadge } from '../components/StatusBadge';
import { formatDateTime } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import { RESERVATION_STATUSES, type ReservationStatus, type SupportReservation } from '../types';
import { ACTIONS_COLUMN, Table } from '../components/Table';

const STATUSES = RESERVATION_STATUSES;
const CANCELLABLE: ReservationStatus[] = ['HELD', 'PAYING'];
const CANCEL_SETTLE_MS = 1500;

/** Reservations per page of the support list (the API allows up to 200). */
const PAGE_SIZE = 25;
const isEventId = (value: string) => /^[0-9a-f-]{36}$/i.test(value);

interface Filters {
  eventId: string;
  status: string;
  customerEmail: string;
}

export function SupportPage() {
  useDocumentTitle('Support');
  const [params, setParams] = useSearchParams();
  const eventId = params.get('eventId') ?? '';
  const status = (params.get('status') ?? '') as ReservationStatus | '';
  const customerEmail = params.get('customerEmail') ?? '';
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const reservations = useResource(
    (signal) => api.supportListReservations({ eventId: eventId || undefined, status, customerEmail: customerEmail || undefined, page, pageSize: PAGE_SIZE }, signal),
    [eventId, status, customerEmail, page],
  );
  const [message, setMessage] = useState<string | null>(null);

  /** New filters start again on page 1. */
  const applyFilters = (next: Filters) => {
    const search = new URLSearchParams();
    if (next.eventId.trim()) search.set('eventId', next.eventId.trim());
    if (next.status) search.set('status', next.status);
    if (next.customerEmail.trim()) search.set('customerEmail', next.customerEmail.trim());
    setParams(search);
  };
  const goToPage = (next: number) => {
    const search = new URLSearchParams(params);
    if (next > 1) search.set('page', String(next));
    else search.delete('page');
    setParams(search);
    window.scrollTo({ top: 0 });
  };

  const onCancelled = (reservation: SupportReservation) => {
    setMessage(`Reservation for ${reservation.customerEmail} was cancelled.`);
    // the cancel is a signal: the workflow releases the seats a moment later (after any charge
    // in flight settles), so look again shortly
    reservations.reload();
    window.setTimeout(reservations.reload, CANCEL_SETTLE_MS);
  };

  const data = reservations.data;
  return (
    <>
      <h1 className="page-title">Support · Reservations</h1>
      <SupportFilters key={`${eventId}|${status}|${customerEmail}`} filters={{ eventId, status, customerEmail }} onApply={applyFilters} onRefresh={reservations.reload} />
      {eventId && (
        <p className="small">
          <Link to={`/support/events/${encodeURIComponent(eventId)}/stats`} data-testid="event-stats-link">This event's sales figures</Link>
          {' · '}
          <Link to={`/support/events/${encodeURIComponent(eventId)}/waitlist`} data-testid="event-waitlist-link">This event's waitlists</Link>
        </p>
      )}
      {message && <Notice tone="success">{message}</Notice>}
      <ErrorAlert error={reservations.error} title="Could not load reservations." />
      {reservations.loading && !data && <Loading />}
      {eventId && isEventId(eventId) && (
        <p className="small">
          <FileDownload href={attendeesCsvPath(eventId)} filename={`attendees-${eventId}.csv`} fetchFile={() => api.downloadAttendeesCsv(eventId)}
            label="Download bookings and attendees (CSV)" busyLabel="Preparing the list…" srSuffix=" of this event" testId="download-attendees" />
        </p>
      )}
      {eventId && isEventId(eventId) && (
        <details className="card support__audit" data-testid="event-audit">
          <summary>Audit trail of this event: who changed it, and who cancelled or refunded what</summary>
          <AuditList key={eventId} label="Audit trail of the event" load={(before) => api.supportAudit({ eventId, before, limit: 20 })} />
        </details>
      )}
      {data?.temporalUiUrl && (
        <p className="muted small support__temporal">
          Operators:{' '}
          <a href={data.temporalUiUrl} target="_blank" rel="noreferrer" data-testid="temporal-ui-filter">
            these reservations' workflows in the Temporal UI<span className="sr-only"> (opens in a new tab)</span>
          </a>
        </p>
      )}
      {data && data.total === 0 && (
        <EmptyState title={customerEmail ? `No reservations of ${customerEmail} match these filters` : 'No reservations match these filters'} />
      )}
      {data && data.total > 0 && (
        <p className="muted small" data-testid="support-total" aria-live="polite">
          {data.items.length > 0
            ? `Reservations ${(data.page - 1) * data.pageSize + 1}–${(data.page - 1) * data.pageSize + data.items.length} of ${data.total}, newest first`
            : `No reservations on page ${data.page}; ${data.total} in all`}
        </p>
      )}
      {data && data.items.length > 0 && (
        <Table caption="Reservations" columns={['Customer', 'Event', 'Seats', 'Amount', 'Status', 'Created', ACTIONS_COLUMN]} aria-busy={reservations.loading}>
          {data.items.map((r) => (
            <SupportRow key={r.id} reservation={r} onCancelled={onCancelled} />
          ))}
        </Table>
      )}
      {data && data.total > data.pageSize && <Pagination page={data.page} pageSize={data.pageSize} total={data.total} onChange={goToPage} />}
    </>
  );
}

interface FiltersProps {
  filters: Filters;
  onApply: (filters: Filters) => void;
  onRefresh: () => void;
}

function SupportFilters({ filters: initial, onApply, onRefresh }: FiltersProps) {
  const [status, setStatus] = useState(initial.status);
  const [customerEmail, setCustomerEmail] = useState(initial.customerEmail);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({ eventId: initial.eventId, status, customerEmail });
  };
  return (
    <form className="card toolbar" onSubmit={submit} aria-label="Filter reservations">
      <EventPicker eventId={initial.eventId} onPick={(eventId) => onApply({ eventId, status, customerEmail })} />
      <div className="field">
        <label htmlFor="support-email" className="field__label">
          Customer email
        </label>
        <input
          id="support-email"
          className="input"
          type="email"
          value={customerEmail}
          placeholder="Any customer"
          maxLength={254}
          autoComplete="off"
          onChange={(e) => setCustomerEmail(e.target.value)}
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

/** How long typing pauses before the catalog is searched. */
const SEARCH_PAUSE_MS = 250;

/**
 * The event by name: part of its name (or venue, or description) searches the catalog
 * (GET /api/events?q=..., every event but drafts, which never have reservations); choosing a
 * match filters the list by its id. The chosen event's name comes from the catalog too.
 */
function EventPicker({ eventId, onPick }: { eventId: string; onPick: (eventId: string) => void }) {
  const [query, setQuery] = useState('');
  const [typed, setTyped] = useState('');
  useEffect(() => {
    const timer = window.setTimeout(() => setQuery(typed.trim()), SEARCH_PAUSE_MS);
    return () => window.clearTimeout(timer);
  }, [typed]);
  const matches = useResource(
    (signal) => (query.length >= 2 ? api.listEvents({ q: query, pageSize: 8 }, signal) : Promise.resolve(null)),
    [query],
  );
  const chosen = useResource(
    (signal) => (eventId && isEventId(eventId) ? api.getEvent(eventId, signal) : Promise.resolve(null)),
    [eventId],
  );

  if (eventId) {
    return (
      <div className="field support__event-field" data-testid="chosen-event">
        <span className="field__label">Event</span>
        <div>
          <strong>{chosen.data?.name ?? eventId}</strong>
          {chosen.data && <span className="muted small"> · {formatDateTime(chosen.data.startsAt)} · {chosen.data.venue.name}</span>}{' '}
          <button type="button" className="btn btn--ghost btn--sm" onClick={() => onPick('')}>
            Any event<span className="sr-only"> (clear the event)</span>
          </button>
        </div>
      </div>
    );
  }
  const found = matches.data?.items ?? [];
  return (
    <div className="field support__event-field">
      <label htmlFor="support-event" className="field__label">
        Event
      </label>
      <input
        id="support-event"
        className="input"
        type="search"
        value={typed}
        placeholder="Type part of the event's name"
        maxLength={200}
        autoComplete="off"
        aria-describedby="support-event-matches"
        onChange={(e) => setTyped(e.target.value)}
      />
      <div id="support-event-matches" aria-live="polite" className="small">
        {query.length >= 2 && matches.data && found.length === 0 && <span className="muted">No event matches “{query}”.</span>}
        {found.length > 0 && (
          <ul className="support__event-matches" aria-label="Matching events" data-testid="event-matches">
            {found.map((e) => (
              <li key={e.id}>
                <button type="button" className="btn btn--ghost btn--sm" onClick={() => onPick(e.id)}>
                  {e.name}
                  <span className="muted"> · {formatDateTime(e.startsAt)} · {e.venue.name} · {e.status}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        {matches.data && matches.data.total > found.length && <span className="muted">{matches.data.total - found.length} more: type more of the name.</span>}
      </div>
    </div>
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
          {r.booking && <div className="small" data-testid="booking-reference">Booking <code>{r.booking.reference}</code></div>}
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
