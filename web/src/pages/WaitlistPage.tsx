import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { StaffWaitlistEntry } from '../../../src/contract/waitlist';
import { api } from '../api';
import { EmptyState, ErrorAlert, Loading } from '../components/Feedback';
import { WAITLIST_BADGE } from '../components/WaitlistEntries';
import { formatDateTime, pluralize } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import { Table } from '../components/Table';

const STATE_TEXT: Record<StaffWaitlistEntry['status'], string> = {
  WAITING: 'Waiting',
  OFFERED: 'Offered',
  BOOKED: 'Booked',
  LAPSED: 'Offer lapsed',
  LEFT: 'Left',
};
/** The offer's hold, by its reservation's status. */
const OFFER_TEXT: Partial<Record<NonNullable<StaffWaitlistEntry['offer']>['status'], string>> = {
  HELD: 'held for them',
  PAYING: 'being paid',
  CONFIRMED: 'bought',
  EXPIRED: 'expired unpaid',
  CANCELLED: 'cancelled',
};
const IN_LINE: ReadonlyArray<StaffWaitlistEntry['status']> = ['WAITING', 'OFFERED'];

/**
 * Support: an event's waitlists (GET /api/support/events/:eventId/waitlist), one table per section in
 * line order: place in line, customer (with the seats wanted and when they joined), the entry's state
 * and its offer (the seats, the hold's state and deadline). Three columns, so a phone shows a line
 * without a sideways scroll. Entries that left the line (booked, lapsed, left) are shown on request.
 */
export function WaitlistPage() {
  const { eventId = '' } = useParams();
  const [showClosed, setShowClosed] = useState(false);
  const waitlist = useResource((signal) => api.supportEventWaitlist(eventId, signal), [eventId]);
  const items = waitlist.data?.items ?? [];
  const eventName = items[0]?.eventName;
  useDocumentTitle(eventName ? `Waitlist · ${eventName}` : 'Waitlist');
  const shown = showClosed ? items : items.filter((e) => IN_LINE.includes(e.status));
  const sections = groupBySection(shown);
  return (
    <>
      <p><Link to={`/support?eventId=${encodeURIComponent(eventId)}`}>← This event's reservations</Link></p>
      <h1 className="page-title">Waitlist{eventName ? ` · ${eventName}` : ''}</h1>
      <div className="toolbar card">
        <label className="checkbox">
          <input type="checkbox" checked={showClosed} onChange={(e) => setShowClosed(e.target.checked)} data-testid="show-closed" />{' '}
          Also show entries that left the line (booked, lapsed, left)
        </label>
        <button type="button" className="btn btn--ghost btn--sm" onClick={waitlist.reload}>Refresh</button>
      </div>
      <ErrorAlert error={waitlist.error} title="Could not load the waitlist." />
      {waitlist.loading && !waitlist.data && <Loading label="Loading the waitlist…" />}
      {waitlist.data && sections.length === 0 && <EmptyState title={items.length === 0 ? 'Nobody has joined a waitlist of this event' : 'Nobody is in line now'} />}
      {sections.map(({ sectionId, sectionName, entries }) => (
        <section key={sectionId} className="card" aria-labelledby={`waitlist-${sectionId}`} data-testid="waitlist-section" data-section-id={sectionId}>
          <h2 id={`waitlist-${sectionId}`} className="card__title">{sectionName}</h2>
          <Table caption={<>The line of {sectionName}, in order</>} columns={['Place', 'Customer', 'State and offer']} className="table--compact">
            {entries.map((e) => (
              <tr key={e.id} data-testid="waitlist-row" data-status={e.status}>
                <td data-testid="waitlist-position">{e.position ?? '–'}</td>
                <td className="waitlist-staff__customer">
                  <span data-testid="waitlist-email">{e.customerEmail}</span>
                  <span className="small muted">
                    {pluralize(e.quantity, 'seat')} · joined <time dateTime={e.joinedAt}>{formatDateTime(e.joinedAt)}</time>
                  </span>
                </td>
                <td>
                  <span className={`badge badge--${WAITLIST_BADGE[e.status]}`}>{STATE_TEXT[e.status]}</span>
                  {e.offer && <div className="small" data-testid="waitlist-offer"><Offer offer={e.offer} /></div>}
                </td>
              </tr>
            ))}
          </Table>
        </section>
      ))}
    </>
  );
}

function Offer({ offer }: { offer: NonNullable<StaffWaitlistEntry['offer']> }) {
  const open = offer.status === 'HELD' || offer.status === 'PAYING';
  return (
    <>
      {offer.seatLabels.join(', ')} · {OFFER_TEXT[offer.status] ?? offer.status.toLowerCase()}
      <br />
      {open ? 'expires' : 'deadline was'} <time dateTime={offer.holdExpiresAt}>{formatDateTime(offer.holdExpiresAt)}</time>
    </>
  );
}

/** The entries by section, in the order the API gives them (sections in their order, each line in join order). */
function groupBySection(entries: StaffWaitlistEntry[]) {
  const sections: Array<{ sectionId: string; sectionName: string; entries: StaffWaitlistEntry[] }> = [];
  for (const entry of entries) {
    const last = sections.at(-1);
    if (last?.sectionId === entry.sectionId) last.entries.push(entry);
    else sections.push({ sectionId: entry.sectionId, sectionName: entry.sectionName, entries: [entry] });
  }
  return sections;
}
