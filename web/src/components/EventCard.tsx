import { Link } from 'react-router-dom';
import { formatDateTime, formatPriceRange } from '../format';
import type { EventSummary } from '../types';
import { StatusBadge } from './StatusBadge';

function availabilityText(event: EventSummary): string {
  if (event.status === 'CANCELLED') return 'Event cancelled';
  if (event.availableCount === 0) return 'Sold out';
  return `${event.availableCount} of ${event.totalCount} available`;
}

export function EventCard({ event }: { event: EventSummary }) {
  const soldOut = event.availableCount === 0 || event.status !== 'ON_SALE';
  const ratio = event.totalCount > 0 ? event.availableCount / event.totalCount : 0;
  return (
    <article className="event-card">
      {event.imageUrl && <img className="event-card__image" src={event.imageUrl} alt={event.name} loading="lazy" />}
      <div className="event-card__date">
        <time dateTime={event.startsAt}>{formatDateTime(event.startsAt)}</time>
        {event.status !== 'ON_SALE' && <StatusBadge status={event.status} />}
      </div>
      <h2 className="event-card__title">
        <Link to={`/events/${event.id}`} className="event-card__link">
          {event.name}
        </Link>
      </h2>
      <p className="event-card__venue">
        <svg className="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
          <path
            fill="currentColor"
            d="M12 2a7 7 0 0 0-7 7c0 5.25 7 13 7 13s7-7.75 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z"
          />
        </svg>
        {event.venue.name}
      </p>
      {event.description && <p className="event-card__description">{event.description}</p>}
      <div className="event-card__footer">
        <span className="event-card__price">{formatPriceRange(event.minPriceCents, event.maxPriceCents)}</span>
        <span className={soldOut ? 'availability availability--none' : 'availability'}>
          <span className="availability__bar" aria-hidden="true">
            <span style={{ width: `${Math.round(ratio * 100)}%` }} />
          </span>
          {availabilityText(event)}
        </span>
      </div>
    </article>
  );
}
