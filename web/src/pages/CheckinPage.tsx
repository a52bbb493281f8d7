import { useRef, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { seatLine } from '../../../src/contract/ticket-format';
import { ApiError, api, errorMessage } from '../api';
import { ErrorAlert, Loading } from '../components/Feedback';
import { formatDateTime, formatTime } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import type { CheckinRefusal, CheckinTicket } from '../types';

type Outcome =
  | { kind: 'ADMITTED'; ticket: CheckinTicket }
  | { kind: CheckinRefusal | 'ERROR'; message: string; ticket?: CheckinTicket };

const HEADLINES: Record<Outcome['kind'], string> = {
  ADMITTED: 'Admitted',
  ALREADY_CHECKED_IN: 'Already checked in',
  TICKET_CANCELLED: 'Ticket cancelled',
  TICKET_TRANSFERRED: 'Ticket transferred',
  WRONG_EVENT: 'Wrong event',
  INVALID_CODE: 'Invalid code',
  ERROR: 'Not checked',
};

const REFUSALS = new Set<string>(['INVALID_CODE', 'WRONG_EVENT', 'ALREADY_CHECKED_IN', 'TICKET_CANCELLED', 'TICKET_TRANSFERRED'] satisfies CheckinRefusal[]);

/**
 * Staff at the door: pick the event, then scan. A handheld scanner types the code into the field
 * and presses Enter; the result shows large, and the field is cleared and focused for the next one.
 */
export function CheckinPage() {
  useDocumentTitle('Check-in');
  const [params, setParams] = useSearchParams();
  const eventId = params.get('eventId') ?? '';
  // the doors of today and later (from yesterday, so a night that began before midnight stays listed)
  const events = useResource((signal) => api.listEvents({ from: sinceYesterday(), pageSize: 100 }, signal), []);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [scans, setScans] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const scanned = code.trim();
    if (!scanned || !eventId || busy) return;
    setBusy(true);
    try {
      const admitted = await api.checkIn(eventId, scanned);
      setOutcome({ kind: 'ADMITTED', ticket: admitted.ticket });
    } catch (error) {
      const refusal = error instanceof ApiError && REFUSALS.has(error.code) ? (error.code as CheckinRefusal) : 'ERROR';
      const ticket = error instanceof ApiError ? (error.details.ticket as CheckinTicket | undefined) : undefined;
      setOutcome({ kind: refusal, message: errorMessage(error), ticket });
    } finally {
      setBusy(false);
      setScans((n) => n + 1);
      setCode('');
      input.current?.focus();
    }
  };

  return (
    <>
      <h1 className="page-title">Check-in</h1>
      <ErrorAlert error={events.error} title="Could not load events." />
      {events.loading && !events.data && <Loading />}
      <form className="card checkin" onSubmit={submit} aria-label="Check in a ticket">
        <div className="field">
          <label htmlFor="checkin-event" className="field__label">
            Event
          </label>
          <select
            id="checkin-event"
            className="input"
            value={eventId}
            onChange={(e) => {
              setParams(e.target.value ? { eventId: e.target.value } : {});
              setOutcome(null);
            }}
          >
            <option value="">Choose the event at this door</option>
            {events.data?.items.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name} · {formatDateTime(e.startsAt)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="checkin-code" className="field__label">
            Ticket code
          </label>
          <input
            id="checkin-code"
            ref={input}
            className="input input--lg checkin__code"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            placeholder={eventId ? 'Scan the QR code, or type the code under it' : 'Choose the event first'}
            disabled={!eventId}
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            autoFocus
          />
        </div>
        <button type="submit" className="btn btn--primary btn--lg" disabled={!eventId || !code.trim() || busy}>
          {busy ? 'Checking…' : 'Check in'}
        </button>
      </form>
      <div className="checkin__result-region" aria-live="assertive" aria-atomic="true">
        {outcome && <CheckinResult key={scans} scan={scans} outcome={outcome} />}
      </div>
    </>
  );
}

function sinceYesterday(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

function CheckinResult({ outcome, scan }: { outcome: Outcome; scan: number }) {
  const admitted = outcome.kind === 'ADMITTED';
  const ticket = outcome.ticket;
  return (
    <section
      className={`checkin__result checkin__result--${admitted ? 'admitted' : 'refused'}`}
      data-testid="checkin-result"
      data-result={outcome.kind}
      data-scan={scan}
      aria-label="Check-in result"
    >
      <p className="checkin__headline">
        <span aria-hidden="true">{admitted ? '✓ ' : '✕ '}</span>
        {HEADLINES[outcome.kind]}
      </p>
      {outcome.kind === 'ALREADY_CHECKED_IN' && ticket?.checkedInAt && (
        <p className="checkin__detail">
          First scanned at <time dateTime={ticket.checkedInAt}>{formatTime(ticket.checkedInAt)}</time>
          {ticket.checkedInBy ? ` by ${ticket.checkedInBy.replace(/^support:/, '')}` : ''}.
        </p>
      )}
      {outcome.kind === 'WRONG_EVENT' && ticket && <p className="checkin__detail">This ticket is for {ticket.eventName}.</p>}
      {!admitted && outcome.kind !== 'ALREADY_CHECKED_IN' && outcome.kind !== 'WRONG_EVENT' && (
        <p className="checkin__detail">{outcome.message}</p>
      )}
      {ticket && (
        <p className="checkin__seat">
          {seatLine(ticket.seat)} · Booking {ticket.bookingReference}
        </p>
      )}
    </section>
  );
}
