import type { CheckinRefusal } from './contract/tickets.ts';

/**
 * Domain errors. Handlers and services throw these; the API's error middleware turns each
 * into the one error shape `{ error: { code, message, details } }` with its HTTP status.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'EMAIL_TAKEN'
  | 'NAME_TAKEN'
  // the catalog: a layout with seats held or sold; an event with holds or bookings (delete, cancel)
  | 'LAYOUT_LOCKED'
  | 'EVENT_HAS_SALES'
  | 'INVALID_CREDENTIALS'
  | 'SEAT_TAKEN'
  | 'UNKNOWN_SEATS'
  | 'EVENT_NOT_ON_SALE'
  | 'HOLD_EXPIRED'
  | 'INVALID_STATE'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'TICKET_LIMIT_REACHED'
  | 'HOLD_EXTENSION_REFUSED'
  | 'RATE_LIMITED'
  | 'PAYMENT_DECLINED'
  | 'PAYMENT_UNAVAILABLE'
  | 'SERVICE_UNAVAILABLE'
  // discount codes (src/contract/discounts.ts): no such code for the event, a code that cannot be
  // used now (details.refusal), a code that already exists
  | 'DISCOUNT_CODE_UNKNOWN'
  | 'DISCOUNT_CODE_REFUSED'
  | 'DISCOUNT_CODE_TAKEN'
  // a customer's cancellation of a booking past the event's policy (src/bookings/service.ts)
  | 'CANCELLATION_NOT_ALLOWED'
  // a ticket transfer to an email no customer has (src/tickets/service.ts)
  | 'RECIPIENT_NOT_FOUND'
  // a waitlist join for a section whose seats can be held now (src/waitlist/service.ts)
  | 'SEATS_AVAILABLE'
  // a scan at the door that does not admit (src/contract/tickets.ts)
  | CheckinRefusal
  // HTTP-level refusals, before any route: malformed requests, methods, sizes, media types
  | 'BAD_REQUEST'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'HEADERS_TOO_LARGE'
  | 'INTERNAL';

export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const notFound = (what: string, id: string) => new AppError(404, 'NOT_FOUND', `${what} ${id} was not found`, { [`${what.toLowerCase()}Id`]: id });

export class SeatTakenError extends AppError {
  constructor(seatIds: string[], message = `${seatIds.length} of the requested seats are no longer available`) {
    super(409, 'SEAT_TAKEN', message, { seatIds });
  }
}
