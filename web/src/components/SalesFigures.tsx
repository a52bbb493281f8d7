import { useMemo } from 'react';
import type { EventStats } from '../../../src/contract/stats';
import { EmptyState } from './Feedback';
import { Money } from './Money';
import { SalesChart } from './SalesChart';
import { formatDateTime, formatPercent } from '../format';

const ENDINGS = ['CONFIRMED', 'HELD', 'PAYING', 'EXPIRED', 'CANCELLED', 'FAILED', 'REFUSED', 'REFUNDED'];

/** An event's sales figures (for support here, for its organizers on their event's page), with a refresh. */
export function SalesFigures({ stats: s, onRefresh }: { stats: EventStats; onRefresh: () => void }) {
  const points = useMemo(() => s.timeline.map((h) => ({ at: h.hour, holds: h.holds, bookings: h.bookings })), [s.timeline]);
  const endings = Object.entries(s.reservations).sort(([a], [b]) => ENDINGS.indexOf(a) - ENDINGS.indexOf(b));
  return (
    <>
      <p className="muted small">As of {formatDateTime(s.generatedAt)} <button type="button" className="btn btn--ghost" onClick={onRefresh}>Refresh</button></p>
      <dl className="stats-figures" data-testid="stats-figures">
        <div><dt>Tickets sold</dt><dd data-testid="tickets-sold">{s.ticketsSold} of {s.capacity}</dd></div>
        <div><dt>Revenue</dt><dd data-testid="revenue"><Money cents={s.revenueCents} /></dd></div>
        <div><dt>Occupancy</dt><dd>{formatPercent(s.occupancy)}</dd></div>
        <div><dt>Holds converted</dt><dd data-testid="conversion">{s.conversionRate === null ? '–' : formatPercent(s.conversionRate)}</dd></div>
      </dl>

      <section className="card" aria-labelledby="occupancy-title">
        <h2 id="occupancy-title" className="card__title">Occupancy by section</h2>
        <ul className="occupancy">
          {s.sections.map((section) => (
            <li key={section.sectionId} className="occupancy__row" data-testid="section-occupancy">
              <span className="occupancy__name">{section.name}</span>
              <span className="occupancy__bar" role="img" aria-label={`${section.name}: ${section.sold} sold, ${section.held} held, ${section.available} available of ${section.capacity}`}>
                <span className="occupancy__sold" style={{ width: formatPercent(section.capacity ? section.sold / section.capacity : 0).replace(' ', '') }} />
                <span className="occupancy__held" style={{ width: formatPercent(section.capacity ? section.held / section.capacity : 0).replace(' ', '') }} />
              </span>
              <span className="occupancy__text">{section.sold} sold · {section.held} held · {section.available} free</span>
            </li>
          ))}
        </ul>
      </section>

      <section className="card" aria-labelledby="endings-title">
        <h2 id="endings-title" className="card__title">Reservations by outcome</h2>
        <table className="table">
          <thead><tr><th scope="col">Outcome</th><th scope="col">Reservations</th></tr></thead>
          <tbody>{endings.map(([status, count]) => <tr key={status}><td>{status}</td><td data-testid={`outcome-${status}`}>{count}</td></tr>)}</tbody>
        </table>
      </section>

      <section className="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title" className="card__title">Hour by hour</h2>
        {s.timeline.length === 0 ? <EmptyState title="No sales yet" /> : (
          <>
            <SalesChart points={points} per="hour" />
            <div className="table-wrap">
            <table className="table table--stacked" data-testid="timeline">
              <thead><tr><th scope="col">Hour (your time)</th><th scope="col">Holds</th><th scope="col">Bookings</th><th scope="col">Tickets</th><th scope="col">Revenue</th></tr></thead>
              <tbody>
                {s.timeline.map((h) => (
                  <tr key={h.hour}>
                    <td data-label="Hour">{formatDateTime(h.hour)}</td><td data-label="Holds">{h.holds}</td><td data-label="Bookings">{h.bookings}</td>
                    <td data-label="Tickets">{h.tickets}</td><td data-label="Revenue"><Money cents={h.revenueCents} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
          </>
        )}
      </section>
    </>
  );
}
