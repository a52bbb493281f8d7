import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes of reservation workflows, registered when the project starts its
 * Temporal dev server. In the Temporal UI: `BookingEventId="<id>" AND ReservationState="HELD"`,
 * `BookingCustomerId="<id>"`. (Not named `Status`, which clashes with the UI's own column.)
 */
export const EventIdKey = defineSearchAttributeKey('BookingEventId', SearchAttributeType.KEYWORD);
export const CustomerIdKey = defineSearchAttributeKey('BookingCustomerId', SearchAttributeType.KEYWORD);
export const ReservationStateKey = defineSearchAttributeKey('ReservationState', SearchAttributeType.KEYWORD);
export const SeatCountKey = defineSearchAttributeKey('SeatCount', SearchAttributeType.INT);
export const AmountCentsKey = defineSearchAttributeKey('AmountCents', SearchAttributeType.INT);
export const HoldDeadlineKey = defineSearchAttributeKey('HoldDeadline', SearchAttributeType.DATETIME);
/**
 * An event workflow's status (workflows/event-lifecycle.ts), with `BookingEventId`:
 * `EventLifecycle="SOLD_OUT"`, `WorkflowType="eventLifecycleWorkflow" AND EventLifecycle="ON_SALE"`.
 */
export const EventLifecycleKey = defineSearchAttributeKey('EventLifecycle', SearchAttributeType.KEYWORD);

export const RESERVATION_SEARCH_ATTRIBUTES = [
  EventIdKey,
  CustomerIdKey,
  ReservationStateKey,
  SeatCountKey,
  AmountCentsKey,
  HoldDeadlineKey,
  EventLifecycleKey,
] as const;
