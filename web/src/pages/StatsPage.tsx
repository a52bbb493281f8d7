import { Link, useParams } from 'react-router-dom';
import type { EventStats } from '../../../src/contract/stats';
import { api } from '../api';
import { ErrorAlert, Loading } from '../components/Feedback';
import { SalesFigures } from '../components/SalesFigures';
import { useDocumentTitle, useResource } from '../hooks';

/**
 * An event's sales figures, refreshed on demand: for support (GET /api/support/events/:eventId/stats,
 * back to the event's reservations) or for the event's organizer (GET /api/organizer/events/:eventId/stats,
 * back to the tenant's statistics).
 */
export function StatsPage({ scope = 'support' }: { scope?: 'support' | 'organizer' }) {
  const { eventId = '' } = useParams();
  const stats = useResource((signal) => (scope === 'organizer' ? api.organizerEventStats : api.supportEventStats)(eventId, signal), [eventId, scope]);
  useDocumentTitle(stats.data ? `Sales · ${stats.data.eventName}` : 'Sales');
  if (stats.error && !stats.data) return <ErrorAlert error={stats.error} title="Could not load the figures." />;
  if (!stats.data) return <Loading label="Loading the figures…" />;
  const s: EventStats = stats.data;
  return (
    <>
      <p>
        {scope === 'organizer'
          ? <Link to="/organizer/stats">← All my events' statistics</Link>
          : <Link to={`/support?eventId=${encodeURIComponent(s.eventId)}`}>← This event's reservations</Link>}
      </p>
      <h1 className="page-title">Sales · {s.eventName}</h1>
      <SalesFigures stats={s} onRefresh={stats.reload} />
    </>
  );
}
