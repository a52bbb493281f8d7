// Every workflow the worker runs. Deterministic code only: side effects live in activities/.
export { reservationWorkflow } from './reservation.ts';
export { bookingRefundWorkflow } from './booking-refund.ts';
export { webhookDeliveryWorkflow } from './webhook-delivery.ts';
export { eventLifecycleWorkflow } from './event-lifecycle.ts';
export { waitlistWorkflow } from './waitlist.ts';
