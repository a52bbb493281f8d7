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
  ON_SALE: 'On sale',
  CLOSED: 'Sales closed',
};

export function StatusBadge({ status }: { status: ReservationStatus | EventStatus }) {
  return (
    <span className={`badge badge--${status.toLowerCase()}`} data-status={status}>
      {LABELS[status] ?? status}
    </span>
  );
}
