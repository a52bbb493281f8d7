import { useMemo } from 'react';
import { Link } from 'react-router-dom';
import type { OrganizerStats } from '../../../src/contract/stats';
import { api } from '../api';
import { EmptyState, ErrorAlert, Loading } from '../components/Feedback';
import { Money } from '../components/Money';
import { SalesChart } from '../components/SalesChart';
import { StatusBadge } from '../components/StatusBadge';
import { formatDateTime, formatDay, formatPercent } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import { Table } from '../components/Table';

/**
 * The organizer's figures across all its tenant's events (GET /api/organizer/stats): totals, the sale
 * day by day (a chart, and the same figures as a table), and each event with its occupancy, linking
 * to the event's own figures.
 */
export function OrganizerStatsPage() {
  useDocumentTitle('Statistics');
  const stats = useResource((signal) => api.organizerStats(signal), []);
  const points = useMemo(() => (stats.data?.timeline ?? []).map((d) => ({ at: `${d.day}T00:00:00Z`, holds: d.holds, bookings: d.bookings })), [stats.data]);
  if (stats.error && !stats.data) return <ErrorAlert error={stats.error} title="Could not load the figures." />;
  if (!stats.data) return <Loading label="Loading the figures…" />;
  const { totals, events, timeline }: OrganizerStats = stats.data;
  const { holds } = totals;
  return (
    <>
      <p><Link to="/organizer">← My events</Link></p>
      <h1 className="page-title">Statistics</h1>
      <p className="muted small">
        All your events, as of {formatDateTime(stats.data.generatedAt)}{' '}
        <button type="button" className="btn btn--ghost" onClick={stats.reload}>Refresh</button>
      </p>
      <dl className="stats-figures" data-testid="stats-figures">
        <div><dt>Tickets sold</dt><dd data-testid="tickets-sold">{totals.ticketsSold} of {totals.capacity}</dd></div>
        <div><dt>Revenue</dt><dd data-testid="revenue"><Money cents={totals.revenueCents} /></dd></div>
        <div><dt>Occupancy</dt><dd data-testid="occupancy">{formatPercent(totals.occupancy)}</dd></div>
        <div><dt>Holds converted</dt><dd data-testid="conversion">{totals.conversionRate === null ? '–' : formatPercent(totals.conversionRate)}</dd></div>
      </dl>

      <section className="card" aria-labelledby="holds-title">
        <h2 id="holds-title" className="card__title">Holds by outcome</h2>
        <dl className="stats-figures stats-figures--small" data-testid="hold-outcomes">
          <div><dt>Converted</dt><dd data-testid="holds-converted">{holds.converted}</dd></div>
          <div><dt>Expired</dt><dd data-testid="holds-expired">{holds.expired}</dd></div>
          <div><dt>Cancelled</dt><dd data-testid="holds-cancelled">{holds.cancelled}</dd></div>
          <div><dt>Refunded after booking</dt><dd data-testid="holds-refunded">{holds.refunded}</dd></div>
          <div><dt>Failed</dt><dd data-testid="holds-failed">{holds.failed}</dd></div>
          <div><dt>Held now</dt><dd data-testid="holds-live">{holds.live}</dd></div>
        </dl>
      </section>

      <section className="card" aria-labelledby="days-title">
        <h2 id="days-title" className="card__title">Day by day</h2>
        {timeline.length === 0 ? <EmptyState title="No sales yet" /> : (
          <>
            <SalesChart points={points} per="day" />
            <Table caption="Holds and bookings per day (UTC), the figures of the chart" columns={['Day', 'Holds', 'Bookings', 'Tickets', 'Revenue']} className="table--compact org-stats__table" data-testid="timeline">
              {timeline.map((d) => (
                <tr key={d.day}><th scope="row">{formatDay(d.day)}</th><td>{d.holds}</td><td>{d.bookings}</td><td>{d.tickets}</td><td><Money cents={d.revenueCents} /></td></tr>
              ))}
            </Table>
          </>
        )}
      </section>

      <section className="card" aria-labelledby="events-title">
        <h2 id="events-title" className="card__title">Events</h2>
        {events.length === 0 ? <EmptyState title="No events yet" /> : (
          <Table caption="Each event's sales, by date" columns={['Event', 'Sold', 'Revenue']} className="table--compact org-stats__table" data-testid="event-stats">
            {events.map((e) => (
              <tr key={e.eventId} data-event-id={e.eventId}>
                <th scope="row">
                  <Link to={`/organizer/events/${encodeURIComponent(e.eventId)}/stats`}>{e.name}</Link>
                  <span className="org-stats__event-meta small">
                    <time dateTime={e.startsAt}>{formatDateTime(e.startsAt)}</time> <StatusBadge status={e.status} />
                  </span>
                </th>
                <td>
                  <span className="occupancy__bar" role="img" aria-label={`${e.name}: ${formatPercent(e.occupancy)} sold`}>
                    <span className="occupancy__sold" style={{ width: formatPercent(e.occupancy).replace(' ', '') }} />
                  </span>
                  <span className="small"><span data-testid="event-sold">{e.sold} of {e.capacity}</span> · {formatPercent(e.occupancy)}</span>
                </td>
                <td><Money cents={e.revenueCents} /></td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </>
  );
}
