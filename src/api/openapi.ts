import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import type { Config } from '../config.ts';
import { Principal, Session } from '../contract/accounts.ts';
import { customer } from '../db/customers.ts';
import { eventSummary, sectionView, seatView } from '../db/events.ts';
import { bookingView, reservationRead, reservationView } from '../db/reservation-reads.ts';
import type { ErrorCode } from '../errors.ts';
import { BookingReference, BookingTickets, CHECKIN_REFUSALS, CheckinAdmitted, CheckinRequest, HeldTicket, TicketTransferred, TransferRequest } from '../contract/tickets.ts';
import { TicketParams } from './routes/tickets.ts';
import { BookingCancellationAnswer, CancelBookingBody, SupportCancelBookingBody } from '../contract/bookings.ts';
import { IdempotencyKeyHeader } from './middleware.ts';
import { FeaturedParams, RoleGrant, UserParams, UserQuery, UserRoleParams } from './routes/admin.ts';
import { NoBody, OrganizerEventQuery, VenueParams } from './routes/organizer.ts';
import { EventCancelBody, EventCancellation, EventDraft, EventEdit, FeaturedBody, FeaturedEvent, LayoutBody, NewTenant, NewVenue, SectionSpec, Tenant, Venue, VenueTemplatesBody } from '../contract/catalog.ts';
import { Login, RefreshBody, Register } from './routes/auth.ts';
import { DOCS_ASSETS, DocsAssetParams } from './routes/docs.ts';
import { EventParams, EventQuery } from './routes/events.ts';
import { Cancel, Checkout, holdBody } from './routes/reservations.ts';
import { SupportCancel, SupportQuery } from './routes/support.ts';
import { DiscountCodeParams, DiscountQuoteQuery } from './routes/discounts.ts';
import { AppliedDiscount, DiscountCode, DiscountQuote, NewDiscountCode } from '../contract/discounts.ts';
import { OrganizerReservationPage, OrganizerReservationsQuery } from '../contract/reservations.ts';
import { EventStats, OrganizerStats, OrganizerStatsQuery } from '../contract/stats.ts';
import { AppParams, CreatedApp, NewApp, TenantApp, TenantAppParams, TenantParams } from '../contract/apps.ts';
import { AuditPage, AuditQuery, EventAuditQuery } from '../contract/audit.ts';
import { EventWaitlist, JoinWaitlistBody, MyWaitlist, WaitlistEntryAnswer, WaitlistParams } from '../contract/waitlist.ts';
import { ExtendBody, ReservationParams } from './schemas.ts';
import {
  CreatedWebhookEndpoint, NewWebhookEndpoint, PaymentWebhookAccepted, WebhookDeliveryList, WebhookDeliveryQuery, WebhookEndpoint, WebhookEndpointEdit,
  WebhookEndpointList, WebhookEndpointParams,
} from '../contract/webhooks.ts';
import { StripeSignatureHeader } from './routes/webhooks.ts';

/**
 * The API's OpenAPI 3.1 document, built by zod-openapi from the very zod schemas the handlers
 * parse with (request bodies, queries, path parameters, headers) and the ones the data layer
 * reads rows with (responses). Nothing here restates a field: a change to a schema changes
 * the document. What this module adds is what a schema cannot say: which route answers with
 * which status, which error codes each status carries, and which routes need a token.
 *
 * Every route registered on the app's routers must have an operation here, and every
 * operation a route: tests/api/openapi.test.ts walks the routers and fails otherwise.
 * Served as GET /api/openapi.json, with Swagger UI at GET /api/docs (src/api/routes/docs.ts).
 */

/**
 * Every error code, as the shared Error schema lists them. The check below fails the type
 * check when `ErrorCode` (src/errors.ts) gains a code that is not listed here.
 */
const ERROR_CODES = [
  'VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'EMAIL_TAKEN', 'NAME_TAKEN', 'INVALID_CREDENTIALS', 'LAYOUT_LOCKED', 'EVENT_HAS_SALES',
  'SEAT_TAKEN', 'UNKNOWN_SEATS', 'EVENT_NOT_ON_SALE', 'HOLD_EXPIRED', 'INVALID_STATE', 'IDEMPOTENCY_KEY_REUSED',
  'TICKET_LIMIT_REACHED', 'HOLD_EXTENSION_REFUSED', 'RATE_LIMITED', 'PAYMENT_DECLINED', 'PAYMENT_UNAVAILABLE', 'SERVICE_UNAVAILABLE',
  'DISCOUNT_CODE_UNKNOWN', 'DISCOUNT_CODE_REFUSED', 'DISCOUNT_CODE_TAKEN',
  'CANCELLATION_NOT_ALLOWED', 'RECIPIENT_NOT_FOUND', 'SEATS_AVAILABLE', 'WEBHOOK_SIGNATURE_INVALID', 'WEBHOOK_REPLAYED', ...CHECKIN_REFUSALS, 'BAD_REQUEST', 'METHOD_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'HEADERS_TOO_LARGE', 'INTERNAL',
] as const satisfies readonly ErrorCode[];
type Unlisted = Exclude<ErrorCode, (typeof ERROR_CODES)[number]>;
const everyCodeListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyCodeListed;

/** The one error shape of the API (src/api/middleware.ts builds it for every failure). */
export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES).meta({ description: 'Stable, machine-readable code' }),
    message: z.string().meta({ description: 'What went wrong, for people' }),
    details: z.record(z.string(), z.unknown()).meta({
      description: 'Facts for programs: `issues[{path, message}]` for VALIDATION_FAILED, `seatIds` for SEAT_TAKEN, `retryAfterSeconds` for RATE_LIMITED, ...',
    }),
  }),
});

// Responses. The data layer's row schemas, plus what the service adds to a reservation.
const serviceFields = {
  workflowId: z.string().meta({ description: 'The Temporal workflow id of this reservation (reservation-<id>)' }),
  extensions: z.object({ remaining: z.number().int(), maxSeconds: z.number().int() })
    .meta({ description: 'Extensions this hold may still get, and how long each may be' }),
};
/** What every read of a reservation answers (with the event's date and venue). */
const Reservation = reservationRead.extend(serviceFields);
/** The hold's own answer, made by the claim statement: without the event's date and venue (read the reservation for them). */
const HeldReservation = reservationView.extend(serviceFields);
const SupportReservation = Reservation.extend({ workflowUrl: z.string().nullable().meta({ description: "The workflow in the Temporal Web UI, when it is configured" }) });
const EventDetail = eventSummary.extend({ sections: z.array(sectionView), seats: z.array(seatView) });
const BookingSummary = z.object({ id: z.string(), reference: z.string(), amountCents: z.number().int() });
/** Who a valid token belongs to (src/auth/tokens.ts: the token's claims, not a stored row). */
const Health = z.object({ ok: z.boolean(), checks: z.record(z.string(), z.string()).meta({ description: '"ok", or why the probe failed, by dependency' }) });

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema: z.ZodType) => ({ description, ...json(schema) });

/** What each error status means on a route: the codes it may carry. Typed, so a misspelt code fails the type check. */
type ErrorStatus = 400 | 401 | 402 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;
type ErrorMap = Partial<Record<ErrorStatus, ErrorCode[]>>;
function errors(byStatus: ErrorMap, notes: Partial<Record<ErrorStatus, string>> = {}): ZodOpenApiResponsesObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, codes] of Object.entries(byStatus) as Array<[`${ErrorStatus}`, ErrorCode[]]>) {
    const note = notes[Number(status) as ErrorStatus];
    responses[status] = {
      description: `${codes.map((c) => `\`${c}\``).join(' or ')}${note ? `: ${note}` : ''}`,
      ...(status === '429' ? { headers: z.object({ 'Retry-After': z.string().meta({ description: 'Seconds to wait' }) }) } : {}),
      ...json(ErrorBody),
      'x-error-codes': codes,
    };
  }
  responses.default = { description: 'Any other failure (431 HEADERS_TOO_LARGE, 500 INTERNAL, ...), in the same shape', ...json(ErrorBody) };
  return responses;
}

const BEARER = [{ bearerAuth: [] }];
const badToken = 'no token, or an invalid or expired one';
const sentBadToken = 'a token was sent and is invalid or expired (a route that needs none still refuses a bad one)';
const bodyRefusals = { 413: ['PAYLOAD_TOO_LARGE'], 415: ['UNSUPPORTED_MEDIA_TYPE'] } satisfies ErrorMap;
const reservationGone = 'the hold is over (`HOLD_EXPIRED`, details say what was charged and refunded) or in a state that does not allow this (`INVALID_STATE`)';

type Operations = Record<string, ZodOpenApiOperationObject>;

/** What an extension or a cancellation of a hold may answer, for its customer and for support alike. */
const holdChange = {
  extend: { 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 404: ['NOT_FOUND'], 409: ['HOLD_EXTENSION_REFUSED', 'HOLD_EXPIRED', 'INVALID_STATE'], 503: ['SERVICE_UNAVAILABLE'], ...bodyRefusals },
  cancel: { 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 404: ['NOT_FOUND'], 409: ['HOLD_EXPIRED', 'INVALID_STATE'], 503: ['SERVICE_UNAVAILABLE'], ...bodyRefusals },
} satisfies Record<string, ErrorMap>;
const extendRefused = `no extensions left or too long, or ${reservationGone}`;

function accountOperations(): Operations {
  const noStore = z.object({ 'Cache-Control': z.literal('no-store') });
  return {
    'POST /api/auth/register': {
      tags: ['Accounts'], summary: 'Create a customer account',
      description: 'Passwords need at least 10 characters and a zxcvbn score of 3 or more. Rate-limited per client address.',
      requestBody: { required: true, ...json(Register) },
      responses: {
        201: { description: 'The account and an access token', headers: noStore, ...json(Session) },
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 409: ['EMAIL_TAKEN'], 429: ['RATE_LIMITED'], ...bodyRefusals }, { 401: sentBadToken }),
      },
    },
    'POST /api/auth/login': {
      tags: ['Accounts'], summary: 'Log in with email and password',
      requestBody: { required: true, ...json(Login) },
      responses: {
        200: { description: 'The account and an access token', headers: noStore, ...json(Session) },
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['INVALID_CREDENTIALS', 'UNAUTHENTICATED'], 429: ['RATE_LIMITED'], ...bodyRefusals },
          { 401: 'the email or password is wrong, or a token was sent and is invalid', 429: 'too many failed logins for this account' }),
      },
    },
    'POST /api/auth/refresh': {
      tags: ['Accounts'], summary: 'Renew the access token: spends the refresh token for a new pair (rotation)',
      description: 'A refresh token works once. Presenting one that was already spent revokes every token of its login (the family): '
        + 'whoever copied it and its owner both have to log in again. The account is read anew, so a changed role applies from here. '
        + 'Send it without an Authorization header (an expired access token there is refused with 401).',
      requestBody: { required: true, ...json(RefreshBody) },
      responses: {
        200: { description: 'A new access token and refresh token', headers: noStore, ...json(Session) },
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], ...bodyRefusals },
          { 401: 'the refresh token is unknown, expired, revoked or was already used (`details.reason`: UNKNOWN, EXPIRED, REVOKED, REUSED); or a bad access token was sent' }),
      },
    },
    'POST /api/auth/logout': {
      tags: ['Accounts'], summary: 'Log out: revokes the refresh token and every token of its login',
      description: 'Access tokens already issued stay valid until they expire (ACCESS_TOKEN_TTL_SECONDS, minutes).',
      requestBody: { required: true, ...json(RefreshBody) },
      responses: {
        204: { description: 'Revoked (also for a token that is unknown or revoked already)', headers: noStore },
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], ...bodyRefusals }, { 401: sentBadToken }),
      },
    },
    'GET /api/me': {
      tags: ['Accounts'], summary: 'Who the token belongs to', security: BEARER,
      responses: { 200: ok('The signed-in principal', z.object({ customer: Principal })), ...errors({ 401: ['UNAUTHENTICATED'] }, { 401: badToken }) },
    },
  };
}

function eventOperations(): Operations {
  return {
    'GET /api/events': {
      tags: ['Events'], summary: 'Search events',
      description: '`q` matches name, description and venue name (a substring, any case; a trigram index answers it); `from`/`to` bound the start; `venueId` one venue; `minPrice`/`maxPrice` are cents; pages start at 1. Drafts are never listed.',
      requestParams: { query: EventQuery },
      responses: {
        200: ok('One page of events', z.object({ items: z.array(eventSummary), page: z.number().int(), pageSize: z.number().int(), total: z.number().int() })),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'] }, { 401: sentBadToken }),
      },
    },
    'GET /api/events/:eventId': {
      tags: ['Events'], summary: 'One event: sections, prices, availability, seats with versions',
      requestParams: { path: EventParams },
      responses: { 200: ok('The event', EventDetail), ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 404: ['NOT_FOUND'] }, { 401: sentBadToken }) },
    },
    'GET /api/events/:eventId/seats': {
      tags: ['Events'], summary: "The event's seat snapshot, for live clients that resync",
      requestParams: { path: EventParams },
      responses: {
        200: ok('Every seat with its state and version', z.object({ eventId: z.string(), seats: z.array(seatView) })),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 404: ['NOT_FOUND'] }, { 401: sentBadToken }),
      },
    },
  };
}

function reservationOperations(config: Pick<Config, 'HOLD_MIN_SECONDS' | 'HOLD_MAX_SECONDS' | 'HOLD_MAX_SEATS'>): Operations {
  const one = z.object({ reservation: Reservation });
  const held = z.object({ reservation: HeldReservation });
  const byId = { path: ReservationParams };
  return {
    'POST /api/reservations': {
      tags: ['Reservations'], summary: 'Hold seats (reserved seating) or places (general admission)', security: BEARER,
      description: 'PostgreSQL decides the hold in one statement; a lost race is a 409 and starts no workflow. '
        + 'The same Idempotency-Key returns the same hold (200); the same key for another request is a 422.',
      requestParams: { header: IdempotencyKeyHeader },
      requestBody: { required: true, ...json(holdBody(config)) },
      responses: {
        201: { description: 'The hold', headers: z.object({ Location: z.string().meta({ description: '/api/reservations/{id}' }) }), ...json(held) },
        200: { description: 'The hold made earlier with this Idempotency-Key', headers: z.object({ Location: z.string() }), ...json(held) },
        ...errors({
          400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 404: ['NOT_FOUND'], 409: ['SEAT_TAKEN', 'EVENT_NOT_ON_SALE', 'TICKET_LIMIT_REACHED'],
          422: ['IDEMPOTENCY_KEY_REUSED', 'UNKNOWN_SEATS', 'VALIDATION_FAILED'], 429: ['RATE_LIMITED'], ...bodyRefusals,
        }, {
          401: badToken, 404: 'the event does not exist',
          409: 'seats taken (`details.seatIds`; for general admission `details.available`), the event is not on sale, or the customer\'s tickets for the event would pass its per-customer limit (`details.limit`, `held`, `booked`, `requested`)',
          422: 'the key was used for another request, seats not of this event, or a section that is not general admission',
          429: 'too many hold requests by this customer',
        }),
      },
    },
    'GET /api/reservations': {
      tags: ['Reservations'], summary: 'My reservations (the latest 100)', security: BEARER,
      responses: { 200: ok('Reservations, newest first', z.object({ items: z.array(Reservation) })), ...errors({ 401: ['UNAUTHENTICATED'] }, { 401: badToken }) },
    },
    'GET /api/reservations/:id': {
      tags: ['Reservations'], summary: 'One reservation (own; support: any)', security: BEARER,
      requestParams: byId,
      responses: {
        200: ok('The reservation', Reservation),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 404: ['NOT_FOUND'] }, { 401: badToken, 404: "no such reservation, or another customer's" }),
      },
    },
    'POST /api/reservations/:id/checkout': {
      tags: ['Reservations'], summary: 'Pay for a hold (own only)', security: BEARER,
      description: 'A card (simulated provider test cards) or a payment method made in the browser (Stripe.js). '
        + 'The same Idempotency-Key never charges twice.',
      requestParams: { ...byId, header: IdempotencyKeyHeader },
      requestBody: { required: true, ...json(Checkout) },
      responses: {
        200: ok('The confirmed reservation, its booking (amountCents: what was charged) and the discount applied, if any', z.object({ reservation: Reservation, booking: BookingSummary, discount: AppliedDiscount.nullable() })),
        ...errors({
          400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 402: ['PAYMENT_DECLINED'], 404: ['NOT_FOUND'], 409: ['HOLD_EXPIRED', 'INVALID_STATE', 'DISCOUNT_CODE_REFUSED'],
          422: ['VALIDATION_FAILED', 'DISCOUNT_CODE_UNKNOWN'], 503: ['PAYMENT_UNAVAILABLE', 'SERVICE_UNAVAILABLE'], ...bodyRefusals,
        }, {
          401: badToken, 402: 'the card was declined (`details.declineCode`); the hold stays while time remains', 404: "no such reservation, or another's",
          409: `${reservationGone}; or the discount code cannot be used now (\`details.refusal\`: NOT_YET_VALID, EXPIRED, USED_UP), nothing charged`,
          422: 'raw card numbers are refused with live payment keys; or the event has no such discount code', 503: 'nothing was charged: try again',
        }),
      },
    },
    'POST /api/reservations/:id/extend': {
      tags: ['Reservations'], summary: 'More time on a live hold (own; support: any)', security: BEARER,
      requestParams: byId,
      requestBody: { required: false, ...json(ExtendBody) },
      responses: {
        200: ok('The reservation with its new deadline', one),
        ...errors(holdChange.extend, { 401: badToken, 404: "no such reservation, or another customer's", 409: extendRefused }),
      },
    },
    'POST /api/reservations/:id/cancel': {
      tags: ['Reservations'], summary: 'Cancel a hold (own; support: any)', security: BEARER,
      requestParams: byId,
      requestBody: { required: false, ...json(Cancel) },
      responses: {
        202: ok('Cancellation signalled; the seats are released once any payment in flight settles', one),
        ...errors(holdChange.cancel, { 401: badToken, 404: "no such reservation, or another customer's", 409: reservationGone }),
      },
    },
    'GET /api/bookings': {
      tags: ['Reservations'], summary: 'My bookings', security: BEARER,
      responses: { 200: ok('Bookings, newest first', z.object({ items: z.array(bookingView) })), ...errors({ 401: ['UNAUTHENTICATED'] }, { 401: badToken }) },
    },
  };
}

function ticketOperations(): Operations {
  const reference = { path: z.object({ reference: BookingReference }) };
  return {
    'GET /api/bookings/{reference}/tickets': {
      tags: ['Tickets'], summary: 'The tickets of one of my bookings, each with its signed QR code', security: BEARER, requestParams: reference,
      responses: { 200: ok('The booking and one ticket per seat or place', BookingTickets), ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 404: ['NOT_FOUND'] }, { 401: badToken, 404: 'no such booking of yours' }) },
    },
    'GET /api/bookings/{reference}/tickets.pdf': {
      tags: ['Tickets'], summary: 'The tickets of one of my bookings as a PDF, a page per ticket with its QR code', security: BEARER, requestParams: reference,
      responses: {
        200: { description: 'The PDF (Content-Disposition: attachment)', content: { 'application/pdf': { schema: z.string().meta({ format: 'binary' }) } } },
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 404: ['NOT_FOUND'] }, { 401: badToken, 404: 'no such booking of yours' }),
      },
    },
    'GET /api/bookings/{reference}/calendar.ics': {
      tags: ['Tickets'], summary: 'One of my bookings (or one I hold tickets of) as an iCalendar entry', security: BEARER, requestParams: reference,
      description: 'One VEVENT: the event, its start (UTC; events have no end, so there is no DTEND), the venue, the reference and my seats. '
        + 'Its UID is the booking\'s; once the booking is refunded it is published with STATUS:CANCELLED and SEQUENCE 1.',
      responses: {
        200: { description: 'The calendar (Content-Disposition: attachment)', content: { 'text/calendar': { schema: z.string() } } },
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 404: ['NOT_FOUND'] }, { 401: badToken, 404: 'no such booking of yours' }),
      },
    },
    'GET /api/support/events/:eventId/attendees.csv': {
      tags: ['Support'], summary: "An event's bookings and attendees as CSV: one row per ticket, every state", security: BEARER,
      description: 'Columns: booking_reference, booking_status, booked_at, amount_cents, buyer_name, buyer_email, ticket_id, ticket_state, section, row, seat, place, '
        + 'attendee_name, attendee_email (the holder: the buyer, or whoever the ticket was transferred to), checked_in_at, checked_in_by. '
        + 'RFC 4180 with CRLF; text a spreadsheet would run as a formula starts with an apostrophe.',
      requestParams: { path: EventParams },
      responses: {
        200: { description: 'The CSV (Content-Disposition: attachment)', content: { 'text/csv': { schema: z.string() } } },
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, { 401: badToken, 403: 'needs the support or admin role', 404: 'no such event' }),
      },
    },
    'GET /api/tickets': {
      tags: ['Tickets'], summary: 'Every ticket I hold or held: bought, or transferred to me (the latest 500)', security: BEARER,
      responses: { 200: ok('Tickets by event start and seat, each with its booking and signed QR code', z.object({ items: z.array(HeldTicket) })), ...errors({ 401: ['UNAUTHENTICATED'] }, { 401: badToken }) },
    },
    'POST /api/tickets/:ticketId/transfer': {
      tags: ['Tickets'], summary: 'Transfer one of my VALID tickets to another customer, by their email', security: BEARER,
      description: 'The ticket becomes TRANSFERRED: its code no longer admits (the door answers `TICKET_TRANSFERRED`). The recipient holds a new ticket '
        + 'for the same seat with a new code, in `GET /api/tickets` and under the booking reference; the answer does not carry it.',
      requestParams: { path: TicketParams },
      requestBody: { required: true, ...json(TransferRequest) },
      responses: {
        200: ok('Transferred', TicketTransferred),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 404: ['NOT_FOUND'], 409: ['ALREADY_CHECKED_IN', 'TICKET_CANCELLED', 'TICKET_TRANSFERRED'], 422: ['RECIPIENT_NOT_FOUND', 'VALIDATION_FAILED'], ...bodyRefusals },
          { 401: badToken, 404: "no such ticket of yours", 409: 'the ticket is no longer VALID: `details.ticket` says how', 422: 'no customer has this email, or it is your own' }),
      },
    },
    'POST /api/checkin': {
      tags: ['Tickets'], summary: 'Check a scanned ticket in at the door of an event (staff: the support role); admits each ticket once', security: BEARER,
      requestBody: { required: true, ...json(CheckinRequest) },
      responses: {
        200: ok('Admitted', CheckinAdmitted),
        ...errors({ 400: ['VALIDATION_FAILED', 'INVALID_CODE'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 409: ['WRONG_EVENT', 'ALREADY_CHECKED_IN', 'TICKET_CANCELLED', 'TICKET_TRANSFERRED'], ...bodyRefusals },
          { 400: 'a code that is not one of ours or was altered', 401: badToken, 403: 'needs the support or admin role', 409: 'not admitted; `details.ticket` says which ticket and when it was admitted' }),
      },
    },
  };
}

function bookingOperations(): Operations {
  const reference = { path: z.object({ reference: BookingReference }) };
  const done = ok('The booking is cancelled and refunded in full: seats free again, tickets cancelled, the reservation REFUNDED', BookingCancellationAnswer);
  const underWay = ok('The cancellation is recorded and its refund under way (the booking-refund workflow `workflowId`); asking again answers the outcome', BookingCancellationAnswer);
  const notRefundable = 'the booking is not CONFIRMED (`INVALID_STATE`)';
  return {
    'POST /api/bookings/{reference}/cancel': {
      tags: ['Bookings'], summary: "Cancel one of my confirmed bookings and be refunded in full, within the event's policy", security: BEARER,
      description: "Customers may cancel until the event's `refund_cutoff_hours` (24 unless the event says otherwise; none when it is null) before it starts. "
        + 'Idempotent: a repeated request (or one after support cancelled) answers the same cancellation.',
      requestParams: reference,
      requestBody: { required: false, ...json(CancelBookingBody) },
      responses: {
        200: done, 202: underWay,
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 404: ['NOT_FOUND'], 409: ['CANCELLATION_NOT_ALLOWED', 'INVALID_STATE'], 503: ['SERVICE_UNAVAILABLE'], ...bodyRefusals },
          { 401: badToken, 404: 'no such booking of yours', 409: `past the event's cutoff (\`CANCELLATION_NOT_ALLOWED\`: \`details.deadline\`, \`cutoffHours\`), or ${notRefundable}` }),
      },
    },
    'POST /api/support/bookings/{reference}/cancel': {
      tags: ['Support'], summary: 'Cancel and refund any confirmed booking, at any time (recorded as support:<email>, with the reason)', security: BEARER,
      requestParams: reference,
      requestBody: { required: true, ...json(SupportCancelBookingBody) },
      responses: {
        200: done, 202: underWay,
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 409: ['INVALID_STATE'], 503: ['SERVICE_UNAVAILABLE'], ...bodyRefusals },
          { 401: badToken, 403: 'needs the support or admin role', 404: 'no such booking', 409: notRefundable }),
      },
    },
  };
}

function supportOperations(): Operations {
  const one = z.object({ reservation: Reservation });
  const byId = { path: ReservationParams };
  const staffOnly = { 401: badToken, 403: 'needs the support or admin role' };
  return {
    'GET /api/support/reservations': {
      tags: ['Support'], summary: "Any reservations, by event, state and customer's email, newest first, a page at a time", security: BEARER,
      description: 'Find the event by name with GET /api/events?q=..., then list its reservations by eventId. '
        + 'customerEmail is exact and case-insensitive. Without page and pageSize the answer is the first 200, as before paging.',
      requestParams: { query: SupportQuery },
      responses: {
        200: ok('Reservations with links into the Temporal Web UI', z.object({
          items: z.array(SupportReservation),
          temporalUiUrl: z.string().nullable().meta({ description: 'The same filter in the Temporal Web UI, when it is configured' }),
          page: z.number().int().meta({ description: 'The page, from 1' }),
          pageSize: z.number().int(),
          total: z.number().int().meta({ description: 'Reservations matching the filter, on every page' }),
        })),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'] }, staffOnly),
      },
    },
    'POST /api/support/reservations/:id/cancel': {
      tags: ['Support'], summary: 'Cancel any hold (recorded as support:<email>, with the reason)', security: BEARER,
      requestParams: byId,
      requestBody: { required: true, ...json(SupportCancel) },
      responses: {
        202: ok('Cancellation signalled', one),
        ...errors({ ...holdChange.cancel, 403: ['FORBIDDEN'] }, { ...staffOnly, 409: reservationGone }),
      },
    },
    'GET /api/support/events/:eventId/stats': {
      tags: ['Support'], summary: "An event's sales figures: tickets sold, revenue, occupancy by section, holds converted against expired, hour by hour", security: BEARER,
      requestParams: { path: EventParams },
      responses: {
        200: ok('The figures, from PostgreSQL now', EventStats),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, { ...staffOnly, 404: 'no such event' }),
      },
    },
    'POST /api/support/reservations/:id/extend': {
      tags: ['Support'], summary: "Extend any hold (counts against the hold's extensions)", security: BEARER,
      requestParams: byId,
      requestBody: { required: false, ...json(ExtendBody) },
      responses: {
        200: ok('The reservation with its new deadline', one),
        ...errors({ ...holdChange.extend, 403: ['FORBIDDEN'] }, { ...staffOnly, 409: extendRefused }),
      },
    },
  };
}

function discountOperations(): Operations {
  const staffOnly = { 401: badToken, 403: 'needs the support or admin role' };
  return {
    'POST /api/support/events/:eventId/discount-codes': {
      tags: ['Support'], summary: 'Create a discount code of an event (percentage or fixed amount, validity window, usage limit)', security: BEARER,
      requestParams: { path: EventParams },
      requestBody: { required: true, ...json(NewDiscountCode) },
      responses: {
        201: ok('The code, with its uses (none yet)', z.object({ discountCode: DiscountCode })),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 409: ['DISCOUNT_CODE_TAKEN'], ...bodyRefusals },
          { ...staffOnly, 404: 'no such event', 409: 'the event already has this code' }),
      },
    },
    'GET /api/support/events/:eventId/discount-codes': {
      tags: ['Support'], summary: "An event's discount codes with their uses now", security: BEARER,
      requestParams: { path: EventParams },
      responses: {
        200: ok('The codes', z.object({ items: z.array(DiscountCode) })),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, { ...staffOnly, 404: 'no such event' }),
      },
    },
    'GET /api/events/:eventId/discount-codes/:code': {
      tags: ['Events'], summary: 'Check a discount code: whether it can be used now, and what it takes off a price (query amountCents)', security: BEARER,
      requestParams: { path: DiscountCodeParams, query: DiscountQuoteQuery },
      responses: {
        200: ok('What the code does', DiscountQuote),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 404: ['DISCOUNT_CODE_UNKNOWN'] }, { 401: badToken, 404: 'the event has no such code' }),
      },
    },
  };
}

/** The same figures and codes as support's routes, for the event's own organizers (another tenant's event: 404). */
function organizerSalesOperations(): Operations {
  const own = { 401: badToken, 403: 'needs the organizer role', 404: "no such event of the organizer's tenant" };
  return {
    'GET /api/organizer/events/:eventId/stats': {
      tags: ['Organizer'], summary: "Live sales figures of one of the tenant's events", security: BEARER,
      requestParams: { path: EventParams },
      responses: { 200: ok('The figures, from PostgreSQL now', EventStats), ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, own) },
    },
    'GET /api/organizer/stats': {
      tags: ['Organizer'], summary: "Figures across every event of a tenant: totals, each event's sales and occupancy, the sale day by day", security: BEARER,
      description: "An organizer (or the tenant's app) reads its own tenant's; an admin any tenant's, named by `tenantId`.",
      requestParams: { query: OrganizerStatsQuery },
      responses: {
        200: ok('The figures, from PostgreSQL now', OrganizerStats),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, {
          400: 'a bad tenantId, or an admin without one', 401: badToken, 403: 'needs the organizer or admin role', 404: "no such tenant, or not the organizer's own",
        }),
      },
    },
    'GET /api/organizer/events/:eventId/discount-codes': {
      tags: ['Organizer'], summary: "The event's discount codes with their uses now", security: BEARER,
      requestParams: { path: EventParams },
      responses: { 200: ok('The codes', z.object({ items: z.array(DiscountCode) })), ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, own) },
    },
    'GET /api/organizer/events/:eventId/reservations': {
      tags: ['Organizer'], summary: "The event's reservations, newest first, a page at a time, each linked to its workflow in the Temporal Web UI", security: BEARER,
      description: 'The customer, the seats or places, the amount, when it was made and when its hold ends; `status` filters by state. '
        + '`temporalUiUrl` is null when the engine does not know the UI\'s address (TEMPORAL_UI_URL).',
      requestParams: { path: EventParams, query: OrganizerReservationsQuery },
      responses: { 200: ok('One page of reservations', OrganizerReservationPage), ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, own) },
    },
    'POST /api/organizer/events/:eventId/discount-codes': {
      tags: ['Organizer'], summary: 'Create a discount code of the event (recorded as organizer:<email>)', security: BEARER,
      requestParams: { path: EventParams },
      requestBody: { required: true, ...json(NewDiscountCode) },
      responses: {
        201: ok('The code, with its uses (none yet)', z.object({ discountCode: DiscountCode })),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 409: ['DISCOUNT_CODE_TAKEN'], ...bodyRefusals }, { ...own, 409: 'the event already has this code' }),
      },
    },
  };
}

function adminOperations(): Operations {
  const user = z.object({ user: customer });
  const adminOnly = { 401: badToken, 403: 'needs the admin role' };
  return {
    'GET /api/admin/users': {
      tags: ['Admin'], summary: 'Find an account by its email (exact, any case), to grant it a role', security: BEARER,
      requestParams: { query: UserQuery },
      responses: { 200: ok('The account, or none', z.object({ items: z.array(customer) })), ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'] }, adminOnly) },
    },
    'GET /api/admin/users/:id': {
      tags: ['Admin'], summary: 'One account, with its role', security: BEARER,
      requestParams: { path: UserParams },
      responses: { 200: ok('The account', user), ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, { ...adminOnly, 404: 'no such account' }) },
    },
    'PUT /api/admin/users/:id/roles/:role': {
      tags: ['Admin'], summary: 'Grant a role (an account has one role: this replaces the one it had)', security: BEARER,
      description: "The account's current access tokens keep their old role until they expire (minutes); its next refresh carries the new one.",
      requestParams: { path: UserRoleParams },
      requestBody: { required: false, ...json(RoleGrant) },
      responses: {
        200: ok('The account with its new role', user),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 409: ['INVALID_STATE'], ...bodyRefusals },
          { ...adminOnly, 400: 'a bad id or role, or `tenantId` missing for an organizer (or given for another role)', 404: 'no such account or tenant', 409: 'an admin cannot change their own role' }),
      },
    },
    'GET /api/admin/tenants': {
      tags: ['Admin'], summary: 'Every tenant (organization), by name', security: BEARER,
      responses: { 200: ok('The tenants', z.object({ items: z.array(Tenant) })), ...errors({ 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'] }, adminOnly) },
    },
    'POST /api/admin/tenants': {
      tags: ['Admin'], summary: 'Create a tenant: an organization that owns venues and events; its organizers are granted with its id', security: BEARER,
      requestBody: { required: true, ...json(NewTenant) },
      responses: {
        201: { description: 'The tenant', headers: z.object({ Location: z.string() }), ...json(z.object({ tenant: Tenant })) },
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 409: ['NAME_TAKEN'], ...bodyRefusals }, { ...adminOnly, 409: 'a tenant of that name exists' }),
      },
    },
    'DELETE /api/admin/users/:id/roles/:role': {
      tags: ['Admin'], summary: 'Revoke the role an account has: it is a customer again', security: BEARER,
      requestParams: { path: UserRoleParams },
      responses: {
        200: ok('The account, now a customer', user),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 409: ['INVALID_STATE'] },
          { ...adminOnly, 404: 'no such account', 409: 'the account does not have this role, the role is customer, or it is your own' }),
      },
    },
    'PUT /api/admin/events/:eventId/featured': {
      tags: ['Admin'], summary: 'Feature an event (or move it): customers find it with GET /api/events?featured=true, lower positions first', security: BEARER,
      description: 'Only published events that are not over (not DRAFT, COMPLETED or CANCELLED). Recorded in the audit trail (`event.featured`).',
      requestParams: { path: FeaturedParams },
      requestBody: { required: false, ...json(FeaturedBody) },
      responses: {
        200: ok('The featured entry', z.object({ featured: FeaturedEvent })),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 409: ['INVALID_STATE'], ...bodyRefusals },
          { ...adminOnly, 404: 'no such event', 409: 'the event is a draft or is over' }),
      },
    },
    'DELETE /api/admin/events/:eventId/featured': {
      tags: ['Admin'], summary: 'Stop featuring an event (recorded in the audit trail: `event.unfeatured`)', security: BEARER,
      requestParams: { path: FeaturedParams },
      responses: {
        200: ok('The entry that was removed', z.object({ featured: FeaturedEvent })),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, { ...adminOnly, 404: 'the event is not featured, or does not exist' }),
      },
    },
  };
}

function organizerOperations(): Operations {
  const byId = { path: EventParams };
  const mine = { 401: badToken, 403: 'needs the organizer role (of a tenant)', 404: "no such event of the organizer's tenant (another tenant's is not found either)" };
  const cancelled = 'the event is cancelled and changes no more';
  const page = z.object({ items: z.array(eventSummary), page: z.number().int(), pageSize: z.number().int(), total: z.number().int() });
  return {
    'GET /api/organizer/venues': {
      tags: ['Organizer'], summary: "The tenant's venues", security: BEARER,
      responses: { 200: ok('Venues', z.object({ items: z.array(Venue) })), ...errors({ 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'] }, mine) },
    },
    'POST /api/organizer/venues': {
      tags: ['Organizer'], summary: 'Add a venue to the tenant', security: BEARER,
      requestBody: { required: true, ...json(NewVenue) },
      responses: { 201: ok('The venue', z.object({ venue: Venue })), ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], ...bodyRefusals }, mine) },
    },
    'GET /api/organizer/venues/:venueId/templates': {
      tags: ['Organizer'], summary: "A venue's reusable section templates (capacity, rows, seat numbering, price tier)", security: BEARER,
      requestParams: { path: VenueParams },
      responses: { 200: ok('The templates, in order', z.object({ templates: z.array(SectionSpec) })), ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, { ...mine, 404: 'no such venue of the tenant' }) },
    },
    'PUT /api/organizer/venues/:venueId/templates': {
      tags: ['Organizer'], summary: "Replace a venue's section templates (events created from them keep their own copy)", security: BEARER,
      requestParams: { path: VenueParams }, requestBody: { required: true, ...json(VenueTemplatesBody) },
      responses: {
        200: ok('The templates, in order', z.object({ templates: z.array(SectionSpec) })),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], ...bodyRefusals }, { ...mine, 404: 'no such venue of the tenant' }),
      },
    },
    'GET /api/organizer/events': {
      tags: ['Organizer'], summary: "The tenant's events, drafts included, by date", security: BEARER,
      requestParams: { query: OrganizerEventQuery },
      responses: { 200: ok('One page of events', page), ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'] }, mine) },
    },
    'POST /api/organizer/events': {
      tags: ['Organizer'], summary: "Create an event as a DRAFT, with its layout (reserved and GA sections, prices in cents, free and paid mixed) or a copy of the venue's section templates, and its sale window", security: BEARER,
      requestBody: { required: true, ...json(EventDraft) },
      responses: {
        201: { description: 'The draft', headers: z.object({ Location: z.string() }), ...json(EventDetail) },
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], ...bodyRefusals }, { ...mine, 404: 'no such venue of the tenant' }),
      },
    },
    'GET /api/organizer/events/:eventId': {
      tags: ['Organizer'], summary: 'One event of the tenant (drafts too)', security: BEARER, requestParams: byId,
      responses: { 200: ok('The event', EventDetail), ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, mine) },
    },
    'PATCH /api/organizer/events/:eventId': {
      tags: ['Organizer'], summary: "Edit an event's details: name, description, start, sale window, venue, per-customer ticket limit (null: none)", security: BEARER,
      description: "A new start or sale window reaches the event's workflow (the `reschedule` Update), which moves its timers and the status.",
      requestParams: byId, requestBody: { required: true, ...json(EventEdit) },
      responses: {
        200: ok('The event', EventDetail),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 409: ['INVALID_STATE'], ...bodyRefusals }, { ...mine, 409: cancelled }),
      },
    },
    'PUT /api/organizer/events/:eventId/sections': {
      tags: ['Organizer'], summary: "Replace the event's layout: sections, seats and prices", security: BEARER,
      description: 'Refused (409 LAYOUT_LOCKED, with counts in `details`) while any seat is held or sold, and once the event has had reservations.',
      requestParams: byId, requestBody: { required: true, ...json(LayoutBody) },
      responses: {
        200: ok('The event with its new layout', EventDetail),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 409: ['LAYOUT_LOCKED', 'INVALID_STATE'], ...bodyRefusals },
          { ...mine, 409: `seats held or sold, or reservations made (\`details\`: heldSeats, soldSeats, liveHolds, bookings, reservations); or ${cancelled}` }),
      },
    },
    'POST /api/organizer/events/:eventId/publish': {
      tags: ['Organizer'], summary: 'Publish the event (UPCOMING until its sale window opens, then ON_SALE) and start its workflow', security: BEARER, requestParams: byId,
      requestBody: { required: false, ...json(NoBody) },
      responses: {
        200: ok('The event, on sale', EventDetail),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 409: ['INVALID_STATE'], ...bodyRefusals }, { ...mine, 409: 'the event was cancelled or has started' }),
      },
    },
    'POST /api/organizer/events/:eventId/cancel': {
      tags: ['Organizer'], summary: 'Cancel the event: no more holds, live holds cancelled, every booking refunded through its refund workflow', security: BEARER, requestParams: byId,
      description: 'Asking again answers the same cancellation and finishes what an interrupted one left (holds still live, bookings not yet refunded).',
      requestBody: { required: false, ...json(EventCancelBody) },
      responses: {
        200: ok('The event, cancelled, every booking refunded', EventDetail.extend({ cancellation: EventCancellation })),
        202: ok('The event, cancelled; some refunds are under way (REQUESTED)', EventDetail.extend({ cancellation: EventCancellation })),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 409: ['INVALID_STATE'], 503: ['SERVICE_UNAVAILABLE'], ...bodyRefusals },
          { ...mine, 409: 'the event is over (COMPLETED)', 503: 'Temporal or the refunds are not available' }),
      },
    },
    'DELETE /api/organizer/events/:eventId': {
      tags: ['Organizer'], summary: 'Delete an event that never had a reservation (one with sales can only be cancelled)', security: BEARER, requestParams: byId,
      responses: {
        204: { description: 'Deleted, with its layout' },
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 409: ['EVENT_HAS_SALES'] }, { ...mine, 409: 'the event has had reservations: cancel it instead' }),
      },
    },
  };
}

/** Tenants' client apps (src/api/routes/apps.ts) and the audit trail (support's and organizers' reads). */
function appAndAuditOperations(): Operations {
  const adminOnly = { 401: badToken, 403: "needs the admin role (an app's key is refused)" };
  const organizerOnly = { 401: badToken, 403: "needs the organizer role of a tenant (an app's key is refused: keys cannot mint keys)" };
  const created = { description: 'The app and its key, shown this once', headers: z.object({ 'Cache-Control': z.literal('no-store') }), ...json(CreatedApp) };
  const list = ok('The apps, newest first, revoked ones too', z.object({ items: z.array(TenantApp) }));
  const revoked = ok('The app, revoked (its key no longer works); revoking again answers the same', z.object({ app: TenantApp }));
  return {
    'GET /api/admin/tenants/:tenantId/apps': {
      tags: ['Admin'], summary: "A tenant's client apps", security: BEARER, requestParams: { path: TenantParams },
      responses: { 200: list, ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, { ...adminOnly, 404: 'no such tenant' }) },
    },
    'POST /api/admin/tenants/:tenantId/apps': {
      tags: ['Admin'], summary: 'Register a client app of a tenant, with a new API key and its allowed origins', security: BEARER,
      requestParams: { path: TenantParams }, requestBody: { required: true, ...json(NewApp) },
      responses: { 201: created, ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], ...bodyRefusals }, { ...adminOnly, 404: 'no such tenant' }) },
    },
    'DELETE /api/admin/tenants/:tenantId/apps/:appId': {
      tags: ['Admin'], summary: "Revoke a tenant's app: its key stops working at once", security: BEARER, requestParams: { path: TenantAppParams },
      responses: { 200: revoked, ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, { ...adminOnly, 404: 'no such app of the tenant' }) },
    },
    'GET /api/organizer/apps': {
      tags: ['Organizer'], summary: "The organizer's tenant's client apps", security: BEARER,
      responses: { 200: list, ...errors({ 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'] }, organizerOnly) },
    },
    'POST /api/organizer/apps': {
      tags: ['Organizer'], summary: "Register a client app of the organizer's tenant, with a new API key", security: BEARER,
      requestBody: { required: true, ...json(NewApp) },
      responses: { 201: created, ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], ...bodyRefusals }, organizerOnly) },
    },
    'DELETE /api/organizer/apps/:appId': {
      tags: ['Organizer'], summary: "Revoke one of the tenant's apps", security: BEARER, requestParams: { path: AppParams },
      responses: { 200: revoked, ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, { ...organizerOnly, 404: "no such app of the organizer's tenant" }) },
    },
    'GET /api/support/audit': {
      tags: ['Support'], summary: 'The audit trail: who did what, by event, reservation (with its booking), booking or actor; newest first', security: BEARER,
      description: 'Pages by `before` (the `nextBefore` of the previous page). At least one of eventId, reservationId, bookingId, actorId.',
      requestParams: { query: AuditQuery },
      responses: { 200: ok('One page of entries', AuditPage), ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'] }, { 401: badToken, 403: 'needs the support or admin role' }) },
    },
    'GET /api/organizer/events/:eventId/audit': {
      tags: ['Organizer'], summary: "The audit trail of one of the tenant's events (its changes, codes, and support's work on its reservations and bookings)", security: BEARER,
      requestParams: { path: EventParams, query: EventAuditQuery },
      responses: {
        200: ok('One page of entries, newest first', AuditPage),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, { 401: badToken, 403: 'needs the organizer role or a key of the tenant', 404: "no such event of the tenant" }),
      },
    },
  };
}

/** Organizers' webhook endpoints and their delivery log; the payment provider's inbound webhook. */
function webhookOperations(): Operations {
  const mine = { 401: badToken, 403: 'needs the organizer role (of a tenant)', 404: "no such endpoint of the organizer's tenant (another tenant's is not found either)" };
  const byId = { path: WebhookEndpointParams };
  const signed = 'Deliveries follow the Standard Webhooks specification: headers `webhook-id` (the event id, the same on every retry), `webhook-timestamp` '
    + '(Unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` keyed with the base64-decoded part of the secret after `whsec_`). '
    + 'A failed attempt (no 2xx within WEBHOOK_TIMEOUT_MS) is retried with exponential backoff; every attempt is in the delivery log.';
  return {
    'GET /api/organizer/webhooks': {
      tags: ['Organizer'], summary: "The tenant's webhook endpoints", security: BEARER,
      responses: { 200: ok('The endpoints (never their secrets)', WebhookEndpointList), ...errors({ 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'] }, mine) },
    },
    'POST /api/organizer/webhooks': {
      tags: ['Organizer'], summary: 'Register a webhook endpoint: booking events of the tenant\'s events are delivered to it, signed', security: BEARER,
      description: `${signed} The URL must be https:// and name a public host (plain http:// to 127.0.0.1 only where WEBHOOK_ALLOW_HTTP_LOOPBACK allows it).`,
      requestBody: { required: true, ...json(NewWebhookEndpoint) },
      responses: {
        201: { description: 'The endpoint and its signing secret: shown this once', headers: z.object({ 'Cache-Control': z.literal('no-store') }), ...json(CreatedWebhookEndpoint) },
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 409: ['INVALID_STATE'], 503: ['SERVICE_UNAVAILABLE'], ...bodyRefusals },
          { ...mine, 400: 'a bad URL (not https, a private address, credentials in it) or event type', 409: 'the tenant has its maximum of endpoints', 503: 'WEBHOOK_SECRET_KEY is not set on this server' }),
      },
    },
    'PATCH /api/organizer/webhooks/:endpointId': {
      tags: ['Organizer'], summary: 'Disable an endpoint (its pending deliveries end FAILED, new events are not delivered to it) or enable it again', security: BEARER,
      requestParams: byId, requestBody: { required: true, ...json(WebhookEndpointEdit) },
      responses: {
        200: ok('The endpoint', z.object({ endpoint: WebhookEndpoint })),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], ...bodyRefusals }, mine),
      },
    },
    'DELETE /api/organizer/webhooks/:endpointId': {
      tags: ['Organizer'], summary: 'Delete an endpoint, with its deliveries and their log', security: BEARER, requestParams: byId,
      responses: { 204: { description: 'Deleted' }, ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, mine) },
    },
    'GET /api/organizer/webhooks/:endpointId/deliveries': {
      tags: ['Organizer'], summary: "The endpoint's delivery log: its latest deliveries, newest first, each with every attempt (time, duration, status code, error)", security: BEARER,
      requestParams: { path: WebhookEndpointParams, query: WebhookDeliveryQuery },
      responses: { 200: ok('The deliveries', WebhookDeliveryList), ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] }, mine) },
    },
    'POST /api/payments/stripe/webhook': {
      tags: ['Operations'], summary: "Stripe's webhook events: verified, recorded once",
      description: 'The Stripe-Signature header is verified with the Stripe SDK under STRIPE_WEBHOOK_SECRET; its timestamp must lie within '
        + 'STRIPE_WEBHOOK_TOLERANCE_SECONDS of now; an event id accepted before is refused (a replay). Needs no token.',
      requestParams: { header: StripeSignatureHeader },
      requestBody: { required: true, ...json(z.record(z.string(), z.unknown()).meta({ description: 'A Stripe Event object, byte for byte as Stripe signed it' })) },
      responses: {
        200: ok('Accepted', PaymentWebhookAccepted),
        ...errors({ 400: ['WEBHOOK_SIGNATURE_INVALID', 'VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 409: ['WEBHOOK_REPLAYED'], 503: ['SERVICE_UNAVAILABLE'], ...bodyRefusals }, {
          400: 'no or a wrong signature, or a timestamp outside the tolerance (`details.reason`: MISSING, MISMATCH, TIMESTAMP_OUTSIDE_TOLERANCE)',
          401: sentBadToken, 409: 'this event was accepted before', 503: 'STRIPE_WEBHOOK_SECRET is not set on this server',
        }),
      },
    },
  };
}

function operationsOperations(): Operations {
  return {
    'GET /api/health': {
      tags: ['Operations'], summary: "Readiness: the engine's dependencies answer",
      responses: { 200: ok('Every probe answered', Health), 503: ok('A probe failed', Health), ...errors({ 401: ['UNAUTHENTICATED'] }, { 401: sentBadToken }) },
    },
    'GET /api/openapi.json': {
      tags: ['Operations'], summary: 'This document',
      responses: { 200: ok('The OpenAPI 3.1 document', z.record(z.string(), z.unknown())), ...errors({ 401: ['UNAUTHENTICATED'] }, { 401: sentBadToken }) },
    },
    'GET /api/docs': {
      tags: ['Operations'], summary: 'The interactive API documentation (Swagger UI)',
      responses: { 200: { description: 'The page', content: { 'text/html': { schema: z.string() } } }, ...errors({ 401: ['UNAUTHENTICATED'] }, { 401: sentBadToken }) },
    },
    'GET /api/docs/:asset': {
      tags: ['Operations'], summary: "The documentation page's scripts and styles (Swagger UI, served from the swagger-ui-dist package)",
      requestParams: { path: DocsAssetParams },
      responses: {
        200: { description: `One of ${DOCS_ASSETS.length} files`, content: { 'application/javascript': { schema: z.string() }, 'text/css': { schema: z.string() }, 'image/png': { schema: z.string() } } },
        ...errors({ 401: ['UNAUTHENTICATED'], 404: ['NOT_FOUND'] }, { 401: sentBadToken, 404: 'no such file' }),
      },
    },
  };
}

/** `GET /api/events/:eventId` → `['get', '/api/events/{eventId}']`: a route as OpenAPI names it. */
function openApiRoute(key: string): [method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string] {
  const [method, path] = key.split(' ');
  return [method.toLowerCase() as 'get', path.replace(/:(\w+)/g, '{$1}')];
}

function waitlistOperations(): Operations {
  const staffRead = { 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] } satisfies ErrorMap;
  return {
    'POST /api/events/:eventId/sections/:sectionId/waitlist': {
      tags: ['Waitlist'], summary: 'Join the waitlist of a sold-out section (reserved seating or general admission)', security: BEARER,
      description: 'The line is served in join order: when enough seats of the section come back (a hold expires or is cancelled, a booking is refunded), '
        + 'the first customer waiting is offered them as an ordinary hold (`offer.reservationId`, with its deadline), checked out like any hold. '
        + 'An offer not paid by its deadline passes to the next in line. A customer is in a line once: joining again answers 200 with the same entry.',
      requestParams: { path: WaitlistParams },
      requestBody: { required: false, ...json(JoinWaitlistBody) },
      responses: {
        201: ok('In line: the entry with its place', WaitlistEntryAnswer),
        200: ok('Already in line (waiting or offered): the same entry', WaitlistEntryAnswer),
        ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 404: ['NOT_FOUND'], 409: ['SEATS_AVAILABLE', 'EVENT_NOT_ON_SALE'], ...bodyRefusals },
          { 404: 'no such section of this event', 409: 'enough seats are free to hold now (`SEATS_AVAILABLE`), or the event is not on sale' }),
      },
    },
    'DELETE /api/events/:eventId/sections/:sectionId/waitlist': {
      tags: ['Waitlist'], summary: 'Leave the waitlist of a section (declining an open offer: its hold is cancelled and the seats pass on)', security: BEARER,
      requestParams: { path: WaitlistParams },
      responses: { 200: ok('The entry, now LEFT', WaitlistEntryAnswer), ...errors({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 404: ['NOT_FOUND'] }, { 404: 'not in this line' }) },
    },
    'GET /api/waitlist': {
      tags: ['Waitlist'], summary: 'My waitlist entries: place in line, and any offer with its deadline (the live ones first, then the latest 50)', security: BEARER,
      responses: { 200: ok('My entries', MyWaitlist), ...errors({ 401: ['UNAUTHENTICATED'] }, { 401: badToken }) },
    },
    'GET /api/support/events/:eventId/waitlist': {
      tags: ['Support'], summary: "An event's waitlists, section by section in join order, with each customer and offer", security: BEARER,
      requestParams: { path: EventParams },
      responses: { 200: ok('The lines', EventWaitlist), ...errors(staffRead, { 403: 'needs the support or admin role', 404: 'no such event' }) },
    },
    'GET /api/organizer/events/:eventId/waitlist': {
      tags: ['Organizer'], summary: "The waitlists of one of the tenant's events, section by section in join order", security: BEARER,
      requestParams: { path: EventParams },
      responses: { 200: ok('The lines', EventWaitlist), ...errors(staffRead, { 403: 'needs the organizer role', 404: "no such event of the organizer's tenant" }) },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof createDocument>;

/** The whole document; hold limits come from the config the hold route validates with. */
export function openApiDocument(config: Pick<Config, 'HOLD_MIN_SECONDS' | 'HOLD_MAX_SECONDS' | 'HOLD_MAX_SEATS'>): OpenApiDocument {
  const operations: Operations = {
    ...accountOperations(), ...eventOperations(), ...reservationOperations(config), ...ticketOperations(), ...bookingOperations(),
    ...supportOperations(), ...discountOperations(), ...adminOperations(), ...organizerOperations(), ...organizerSalesOperations(), ...appAndAuditOperations(), ...webhookOperations(), ...operationsOperations(),
    ...waitlistOperations(),
  };
  const paths: Record<string, Record<string, ZodOpenApiOperationObject>> = {};
  for (const [key, operation] of Object.entries(operations)) {
    const [method, path] = openApiRoute(key);
    (paths[path] ??= {})[method] = { operationId: operationId(method, path), ...operation };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Booking engine API',
      version: '1',
      description: 'Holds, checkout and support for events with reserved seating and general admission. '
        + 'Every failure has one shape, `{"error": {"code", "message", "details"}}` (the Error schema); '
        + 'a 400 `VALIDATION_FAILED` names every field that failed in `details.issues[{path, message}]`. '
        + 'Bodies are JSON (at most 64 kB). Seat changes are pushed live over Socket.io (see the README).',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'Waitlist', description: 'Lines for sold-out sections: the next in line is offered the seats that come back, as a hold' },
      { name: 'Accounts' }, { name: 'Events' }, { name: 'Reservations' }, { name: 'Bookings', description: 'After the sale: cancellation and refund' },
      { name: 'Support', description: 'Needs the support or admin role' }, { name: 'Admin', description: 'Needs the admin role' }, { name: 'Organizer', description: "Needs the organizer role, or a tenant app's API key (Authorization: Bearer bk_…): the tenant's venues and events only" }, { name: 'Operations' },
    ],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "The token from POST /api/auth/login or /api/auth/register; on the organizer routes also a tenant app's API key (bk_…)" } },
      schemas: { Error: ErrorBody, Reservation, Event: eventSummary, EventDetail, Booking: bookingView, Customer: customer },
    },
  });
}

/** `post /api/reservations/{id}/checkout` → `postReservationsIdCheckout`. */
function operationId(method: string, path: string): string {
  return method + path.replace(/^\/api/, '').split(/[/{}.-]+/).filter(Boolean).map((part) => part[0].toUpperCase() + part.slice(1)).join('');
}
