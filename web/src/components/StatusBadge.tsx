import type { EventStatus, ReservationStatus } from '../types';

const LABELS: Record<ReservationStatus | EventStatus, string> = {
  HELD: 'Held',
  PAYING: 'Paying',
  CONFIRMED: 'Confirmed',
  EXPIRED: 'Expired',
  CANCELLED: 'Cancelled',
  FAILED: 'Failed',
  REFUNDED: 'Refunded',
  DRAFT: 'Draft',
  UPCOMING: 'Upcoming',
  ON_SALE: 'On sale',
  SOLD_OUT: 'Sold out',
  CLOSED: 'Sales closed',
  COMPLETED: 'Completed',
};

export function StatusBadge({ status }: { status: ReservationStatus | EventStatus }) {
  return (
    <span className={`badge badge--${status.toLowerCase()}`} data-status={status}>
      {LABELS[status] ?? status}
    </span>
  );
}
