import { formatLongDate } from '../format';

/** When and where: "Thursday, 3 December 2026 at 19:30 · Test Hall". */
export function EventFacts({ startsAt, venueName, className }: { startsAt: string; venueName: string; className?: string }) {
  return (
    <p className={['event-facts', className].filter(Boolean).join(' ')} data-testid="event-facts">
      <time dateTime={startsAt}>{formatLongDate(startsAt)}</time>
      <span aria-hidden="true"> · </span>
      {venueName}
    </p>
  );
}
