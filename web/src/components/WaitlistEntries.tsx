import { Link } from 'react-router-dom';
import { api } from '../api';
import { formatDateTime, pluralize } from '../format';
import { useResource } from '../hooks';
import { useReservationUpdates } from '../realtime';
import type { WaitlistEntry } from '../types';
import { Countdown } from './Countdown';
import { ErrorAlert } from './Feedback';
import { Money } from './Money';

/** The badge colour of each entry status (the customer's list and staff's lines). */
export const WAITLIST_BADGE: Record<WaitlistEntry['status'], string> = { WAITING: 'paying', OFFERED: 'held', BOOKED: 'confirmed', LAPSED: 'expired', LEFT: 'expired' };
const STATUS_TEXT: Record<WaitlistEntry['status'], string> = {
  WAITING: 'Waiting',
  OFFERED: 'Offer: buy now',
  BOOKED: 'Booked',
  LAPSED: 'Offer lapsed',
  LEFT: 'Left the waitlist',
};

/** The customer's waitlists: their place in line, and an offer with its live deadline and a way to buy it. */
export function WaitlistEntries() {
  const entries = useResource((signal) => api.listWaitlist(signal), []);
  const { reload } = entries;
  useReservationUpdates(() => reload(), { onReconnect: reload });
  const items = entries.data ?? [];
  if (items.length === 0 && !entries.error) return null;
  return (
    <section className="waitlist-entries" aria-labelledby="waitlists-title">
      <h2 id="waitlists-title" className="section-title">Your waitlists</h2>
      <ErrorAlert error={entries.error} title="Could not load your waitlists." />
      <ul className="list">
        {items.map((e) => (
          <li key={e.id} className="card list-item" data-testid="waitlist-entry" data-status={e.status}>
            <div className="list-item__main">
              <div className="list-item__title">
                <Link to={`/events/${e.eventId}`}>{e.eventName}</Link>
                <span className={`badge badge--${WAITLIST_BADGE[e.status]}`}>{STATUS_TEXT[e.status]}</span>
              </div>
              <p className="list-item__meta">
                {e.sectionName} · {pluralize(e.quantity, 'seat')}
                {e.status === 'WAITING' && e.position !== null && <> · number <strong>{e.position}</strong> in line</>}
              </p>
              {e.status === 'OFFERED' && e.offer && (
                <div className="waitlist-offer" data-testid="waitlist-offer">
                  <p className="list-item__meta">
                    Seats {e.offer.seatLabels.join(', ')} · <Money cents={e.offer.amountCents} /> — held for you until {formatDateTime(e.offer.holdExpiresAt)}, then offered to the next in line.
                  </p>
                  <Countdown expiresAt={Date.parse(e.offer.holdExpiresAt)} onExpire={reload} />
                </div>
              )}
              {(e.status === 'LAPSED' || e.status === 'LEFT') && e.closeReason && <p className="list-item__meta muted">{e.closeReason}</p>}
            </div>
            {e.status === 'OFFERED' && e.offer && (
              <Link className="btn btn--primary" to={`/checkout/${e.offer.reservationId}`}>Buy the offered seats</Link>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
