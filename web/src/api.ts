import { expiresSoon, loadSession, saveSession, type Session } from './session';
import type { DiscountQuote } from '../../src/contract/discounts';
import type { EventStats, OrganizerStats } from '../../src/contract/stats';
import type { EventWaitlist } from '../../src/contract/waitlist';
import type { CreatedWebhookEndpoint, WebhookDelivery, WebhookEndpoint, WebhookEventType } from '../../src/contract/webhooks';
import type {
  AuthResponse,
  Booking,
  BookingCancellationAnswer,
  HeldTicket,
  TicketTransferred,
  BookingTickets,
  Card,
  CheckinAdmitted,
  CheckoutResult,
  EventDetail,
  EventStatus,
  EventCancellation,
  EventSummary,
  HeldReservation,
  Page,
  Reservation,
  ReservationRequest,
  ReservationStatus,
  Seat,
  SupportReservation,
  AuditPage,
  CreatedApp,
  Customer,
  Role,
  Tenant,
  TenantApp,
  WaitlistEntry,
  EventDraft,
  EventEdit,
  OrganizerReservationPage,
  SectionSpec,
  Venue,
} from './types';

/** An event as its organizer reads it: the details (sale window, description) and its layout. */
export type OrganizerEvent = EventSummary & EventDetail;

/** Every failed call surfaces as an ApiError carrying the server's `{ code, message, details }`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** True when the request never got an answer, so retrying with the same idempotency key is safe. */
  get isNetworkError(): boolean {
    return this.status === 0;
  }
}

type UnauthorizedListener = () => void;
let onUnauthorized: UnauthorizedListener = () => {};

/** The auth context registers here so an expired/invalid token logs the user out. */
export function setUnauthorizedListener(listener: UnauthorizedListener): void {
  onUnauthorized = listener;
}

/** Tells the auth context the current token is no longer accepted (also used by the socket). */
export function notifyUnauthorized(): void {
  onUnauthorized();
}

type SessionListener = (session: Session) => void;
let onSessionRenewed: SessionListener = () => {};

/** The auth context registers here to learn of a session renewed by a silent refresh (in this tab). */
export function setSessionListener(listener: SessionListener): void {
  onSessionRenewed = listener;
}

let renewing: Promise<string | null> | null = null;

/**
 * An access token to send: the stored one, or, when it expires within seconds (or the server has
 * just refused `rejected`), a new one from POST /api/auth/refresh. One refresh at a time in this
 * tab, and across tabs through a Web Lock (a refresh token works once: two tabs spending it
 * together would look like a stolen token and end the login). Null when there is no session, or
 * when the refresh token was refused (then the user is logged out).
 */
export async function freshAccessToken(options: { rejected?: string } = {}): Promise<string | null> {
  const session = loadSession();
  if (!session) return null;
  if (options.rejected === undefined && !expiresSoon(session.token)) return session.token;
  const stale = options.rejected ?? session.token;
  renewing ??= (navigator.locks ? navigator.locks.request('booking-session-refresh', () => renew(stale)) : renew(stale))
    .finally(() => { renewing = null; });
  return renewing;
}

async function renew(stale: string): Promise<string | null> {
  // another tab may have renewed the session while this one waited for the lock: take its token
  const session = loadSession();
  if (!session) return null;
  if (session.token !== stale && !expiresSoon(session.token)) return session.token;
  if (!session.refreshToken) {
    // a session without a refresh token (stored by an earlier version) ends with its access token
    const over = session.token === stale || expiresSoon(session.token, 0);
    if (over) onUnauthorized();
    return over ? null : session.token;
  }
  let response: Response;
  try {
    response = await fetch('/api/auth/refresh', {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken: session.refreshToken }),
    });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'Could not reach the server. Check your connection and try again.');
  }
  const payload = await readJson(response);
  if (response.status === 401) {
    onUnauthorized();
    return null;
  }
  if (!response.ok) throw toApiError(response, payload);
  const renewed = payload as AuthResponse;
  saveSession(renewed);
  onSessionRenewed(renewed);
  return renewed.token;
}

interface RequestOptions {
  body?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Send no access token (logout: the refresh token in the body is the credential). */
  anonymous?: boolean;
}

async function request<T>(method: string, path: string, options: RequestOptions = {}, retried = false): Promise<T> {
  const token = options.anonymous ? null : await freshAccessToken();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;

  const sentAt = Date.now();
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new ApiError(0, 'NETWORK_ERROR', 'Could not reach the server. Check your connection and try again.');
  }
  serverClock.observe(response.headers.get('Date'), sentAt, Date.now());

  const payload = await readJson(response);
  if (response.ok) return payload as T;
  const error = toApiError(response, payload);
  if (response.status === 401 && token && error.code === 'UNAUTHENTICATED') {
    // The token was refused (it expired on the way, or the clock is off). authenticate() refuses
    // before any handler runs, so nothing was done: renew it once and send the request again.
    if (!retried && (await freshAccessToken({ rejected: token }))) return request<T>(method, path, options, true);
    if (retried) onUnauthorized();
  }
  throw error;
}

async function readJson(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toApiError(response: Response, payload: unknown): ApiError {
  const error = (payload as { error?: Partial<{ code: string; message: string; details: unknown }> } | undefined)?.error;
  const code = error?.code ?? `HTTP_${response.status}`;
  const message = error?.message ?? (response.statusText || 'Something went wrong');
  const details = error?.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : {};
  return new ApiError(response.status, code, message, details);
}

/**
 * Estimates the offset between this browser's clock and the server's from the `Date` header, so hold
 * countdowns match the server. The header has one-second resolution, so small offsets are ignored.
 */
export const serverClock = {
  offsetMs: 0,
  observe(dateHeader: string | null, sentAt: number, receivedAt: number): void {
    const serverTime = dateHeader ? Date.parse(dateHeader) : Number.NaN;
    if (Number.isNaN(serverTime)) return;
    const offset = serverTime + 500 - (sentAt + receivedAt) / 2;
    this.offsetMs = Math.abs(offset) > 2000 ? offset : 0;
  },
  now(): number {
    return Date.now() + this.offsetMs;
  },
};

export interface EventQuery {
  q?: string;
  from?: string;
  to?: string;
  available?: boolean;
  minPrice?: number;
  maxPrice?: number;
  status?: EventStatus;
  /** true: only featured events, in the order admins chose. */
  featured?: boolean;
  page?: number;
  pageSize?: number;
}

export function toQueryString(params: object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    search.set(key, String(value));
  }
  const query = search.toString();
  return query ? `?${query}` : '';
}

const id = encodeURIComponent;

export const api = {
  register: (body: { email: string; password: string; name: string }) =>
    request<AuthResponse>('POST', '/api/auth/register', { body }),

  login: (body: { email: string; password: string }) => request<AuthResponse>('POST', '/api/auth/login', { body }),

  /** Revokes the login the refresh token belongs to (every token of it) on the server. */
  logout: (refreshToken: string) => request<void>('POST', '/api/auth/logout', { body: { refreshToken }, anonymous: true }),

  listEvents: (query: EventQuery, signal?: AbortSignal) =>
    request<Page<EventSummary>>('GET', `/api/events${toQueryString(query)}`, { signal }),

  getEvent: (eventId: string, signal?: AbortSignal) =>
    request<EventDetail>('GET', `/api/events/${id(eventId)}`, { signal }),

  getEventSeats: (eventId: string, signal?: AbortSignal) =>
    request<{ eventId: string; seats: Seat[] }>('GET', `/api/events/${id(eventId)}/seats`, { signal }),

  createReservation: async (body: ReservationRequest, idempotencyKey: string) =>
    (await request<{ reservation: HeldReservation }>('POST', '/api/reservations', { body, idempotencyKey })).reservation,

  listReservations: async (signal?: AbortSignal) =>
    (await request<{ items: Reservation[] }>('GET', '/api/reservations', { signal })).items,

  getReservation: (reservationId: string, signal?: AbortSignal) =>
    request<Reservation>('GET', `/api/reservations/${id(reservationId)}`, { signal }),

  checkout: (reservationId: string, card: Card, idempotencyKey: string, discountCode?: string) =>
    request<CheckoutResult>('POST', `/api/reservations/${id(reservationId)}/checkout`, { body: { card, ...(discountCode ? { discountCode } : {}) }, idempotencyKey }),

  checkDiscount: (eventId: string, code: string, amountCents: number) =>
    request<DiscountQuote>('GET', `/api/events/${id(eventId)}/discount-codes/${id(code)}?amountCents=${amountCents}`),

  extendReservation: async (reservationId: string) =>
    (await request<{ reservation: Reservation }>('POST', `/api/reservations/${id(reservationId)}/extend`, { body: {} })).reservation,

  cancelReservation: async (reservationId: string, reason?: string) =>
    (await request<{ reservation: Reservation }>('POST', `/api/reservations/${id(reservationId)}/cancel`, { body: { reason } }))
      .reservation,

  /** Joins the waitlist of a sold-out section (answers the same entry when already in line). */
  joinWaitlist: async (eventId: string, sectionId: string, quantity: number) =>
    (await request<{ entry: WaitlistEntry }>('POST', `/api/events/${id(eventId)}/sections/${id(sectionId)}/waitlist`, { body: { quantity } })).entry,

  /** Leaves a section's waitlist (declining an open offer). */
  leaveWaitlist: async (eventId: string, sectionId: string) =>
    (await request<{ entry: WaitlistEntry }>('DELETE', `/api/events/${id(eventId)}/sections/${id(sectionId)}/waitlist`)).entry,

  /** My waitlist entries: place in line, and any offer with its deadline. */
  listWaitlist: async (signal?: AbortSignal) => (await request<{ items: WaitlistEntry[] }>('GET', '/api/waitlist', { signal })).items,

  listBookings: async (signal?: AbortSignal) => (await request<{ items: Booking[] }>('GET', '/api/bookings', { signal })).items,

  getBookingTickets: (reference: string, signal?: AbortSignal) =>
    request<BookingTickets>('GET', `/api/bookings/${id(reference)}/tickets`, { signal }),

  /** The booking's tickets as a PDF file (the request needs the token, so a plain link cannot fetch it). */
  downloadTicketsPdf: (reference: string) => download(ticketsPdfPath(reference)),

  /** Every ticket I hold or held: bought, or transferred to me. */
  listTickets: async (signal?: AbortSignal) => (await request<{ items: HeldTicket[] }>('GET', '/api/tickets', { signal })).items,

  /** Hands one of my VALID tickets to another customer by email; its code stops admitting. */
  transferTicket: (ticketId: string, email: string) =>
    request<TicketTransferred>('POST', `/api/tickets/${id(ticketId)}/transfer`, { body: { email } }),

  /** The booking as an iCalendar (.ics) file. */
  downloadCalendar: (reference: string) => download(calendarPath(reference)),

  /** Cancels one of my bookings and refunds it, within the event's policy (200 refunded, 202 under way). */
  cancelBooking: (reference: string, reason?: string) =>
    request<BookingCancellationAnswer>('POST', `/api/bookings/${id(reference)}/cancel`, { body: reason ? { reason } : {} }),

  /** Staff at the door: admits the ticket of a scanned code once, or throws an ApiError whose code says why not. */
  checkIn: (eventId: string, code: string) => request<CheckinAdmitted>('POST', '/api/checkin', { body: { eventId, code } }),

  /** An event's sales figures, for support. */
  supportEventStats: (eventId: string, signal?: AbortSignal) =>
    request<EventStats>('GET', `/api/support/events/${id(eventId)}/stats`, { signal }),

  /** One of the organizer's tenant's events' sales figures. */
  organizerEventStats: (eventId: string, signal?: AbortSignal) =>
    request<EventStats>('GET', `/api/organizer/events/${id(eventId)}/stats`, { signal }),

  /** Figures across every event of the organizer's tenant: totals, each event, day by day. */
  organizerStats: (signal?: AbortSignal) => request<OrganizerStats>('GET', '/api/organizer/stats', { signal }),

  /** Staff: every line of an event's sections, in order, with each entry's customer and offer. */
  supportEventWaitlist: (eventId: string, signal?: AbortSignal) =>
    request<EventWaitlist>('GET', `/api/support/events/${id(eventId)}/waitlist`, { signal }),

  /** The organizer's tenant's events, drafts included (GET /api/organizer/events). */
  organizerListEvents: (query: { status?: EventStatus | ''; page?: number; pageSize?: number }, signal?: AbortSignal) =>
    request<Page<EventSummary>>('GET', `/api/organizer/events${toQueryString(query)}`, { signal }),

  /** The organizer's tenant's venues, and one venue's reusable section templates. */
  organizerVenues: async (signal?: AbortSignal) => (await request<{ items: Venue[] }>('GET', '/api/organizer/venues', { signal })).items,

  organizerCreateVenue: async (name: string) => (await request<{ venue: Venue }>('POST', '/api/organizer/venues', { body: { name } })).venue,

  organizerVenueTemplates: async (venueId: string, signal?: AbortSignal) =>
    (await request<{ templates: SectionSpec[] }>('GET', `/api/organizer/venues/${id(venueId)}/templates`, { signal })).templates,

  /** One of the tenant's events, drafts too, with its sections and seats. */
  organizerGetEvent: (eventId: string, signal?: AbortSignal) =>
    request<OrganizerEvent>('GET', `/api/organizer/events/${id(eventId)}`, { signal }),

  /** A new DRAFT (POST /api/organizer/events); VALIDATION_FAILED names the fields (`details.issues`). */
  organizerCreateEvent: (draft: EventDraft) => request<OrganizerEvent>('POST', '/api/organizer/events', { body: draft }),

  organizerEditEvent: (eventId: string, edit: EventEdit) => request<OrganizerEvent>('PATCH', `/api/organizer/events/${id(eventId)}`, { body: edit }),

  /** Replaces the layout; LAYOUT_LOCKED (409) once seats are held or sold. */
  organizerReplaceSections: (eventId: string, sections: SectionSpec[]) =>
    request<OrganizerEvent>('PUT', `/api/organizer/events/${id(eventId)}/sections`, { body: { sections } }),

  /** The event's reservations, newest first, each with its workflow's Temporal UI link. */
  organizerEventReservations: (eventId: string, query: { status?: ReservationStatus | ''; page?: number; pageSize?: number }, signal?: AbortSignal) =>
    request<OrganizerReservationPage>('GET', `/api/organizer/events/${id(eventId)}/reservations${toQueryString(query)}`, { signal }),

  organizerPublish: (eventId: string) => request<OrganizerEvent>('POST', `/api/organizer/events/${id(eventId)}/publish`),

  /** Cancels the event: no more holds, live holds cancelled, every booking refunded (status 202 while refunds are under way). */
  organizerCancel: (eventId: string, reason?: string) =>
    request<EventDetail & { cancellation: EventCancellation }>('POST', `/api/organizer/events/${id(eventId)}/cancel`, { body: reason ? { reason } : {} }),

  /** The audit trail for staff: by event, reservation (with its booking), booking or actor; newest first, `before` pages on. */
  supportAudit: (query: { eventId?: string; reservationId?: string; bookingId?: string; actorId?: string; before?: string; limit?: number }, signal?: AbortSignal) =>
    request<AuditPage>('GET', `/api/support/audit${toQueryString(query)}`, { signal }),

  /** One of the organizer's tenant's events' audit trail. */
  organizerEventAudit: (eventId: string, query: { before?: string; limit?: number }, signal?: AbortSignal) =>
    request<AuditPage>('GET', `/api/organizer/events/${id(eventId)}/audit${toQueryString(query)}`, { signal }),

  /** Admins: an account by its email (exact, any case); none when nobody has it. */
  adminFindUser: async (email: string, signal?: AbortSignal) =>
    (await request<{ items: Customer[] }>('GET', `/api/admin/users${toQueryString({ email })}`, { signal })).items[0] ?? null,

  adminGrantRole: async (userId: string, role: Role, tenantId?: string) =>
    (await request<{ user: Customer }>('PUT', `/api/admin/users/${id(userId)}/roles/${id(role)}`, { body: tenantId ? { tenantId } : {} })).user,

  adminRevokeRole: async (userId: string, role: Role) =>
    (await request<{ user: Customer }>('DELETE', `/api/admin/users/${id(userId)}/roles/${id(role)}`)).user,

  adminFeature: async (eventId: string, position: number) =>
    (await request<{ featured: { eventId: string; position: number } }>('PUT', `/api/admin/events/${id(eventId)}/featured`, { body: { position } })).featured,

  adminUnfeature: async (eventId: string) => {
    await request<unknown>('DELETE', `/api/admin/events/${id(eventId)}/featured`);
  },

  adminTenants: async (signal?: AbortSignal) => (await request<{ items: Tenant[] }>('GET', '/api/admin/tenants', { signal })).items,

  adminCreateTenant: async (name: string) => (await request<{ tenant: Tenant }>('POST', '/api/admin/tenants', { body: { name } })).tenant,

  adminApps: async (tenantId: string, signal?: AbortSignal) =>
    (await request<{ items: TenantApp[] }>('GET', `/api/admin/tenants/${id(tenantId)}/apps`, { signal })).items,

  /** A new app of the tenant; the answer carries its key, shown this once. */
  adminCreateApp: (tenantId: string, body: { name: string; allowedOrigins: string[] }) =>
    request<CreatedApp>('POST', `/api/admin/tenants/${id(tenantId)}/apps`, { body }),

  adminRevokeApp: async (tenantId: string, appId: string) =>
    (await request<{ app: TenantApp }>('DELETE', `/api/admin/tenants/${id(tenantId)}/apps/${id(appId)}`)).app,
  /** The organizer's tenant's client apps (GET /api/organizer/apps), revoked ones too. */
  organizerApps: async (signal?: AbortSignal) => (await request<{ items: TenantApp[] }>('GET', '/api/organizer/apps', { signal })).items,

  /** A new app of the organizer's tenant; the answer carries its key, shown this once. */
  organizerCreateApp: (body: { name: string; allowedOrigins: string[] }) => request<CreatedApp>('POST', '/api/organizer/apps', { body }),

  organizerRevokeApp: async (appId: string) => (await request<{ app: TenantApp }>('DELETE', `/api/organizer/apps/${id(appId)}`)).app,

  /** The organizer's tenant's webhook endpoints (never their secrets). */
  organizerListWebhooks: async (signal?: AbortSignal) => (await request<{ items: WebhookEndpoint[] }>('GET', '/api/organizer/webhooks', { signal })).items,

  /** A new endpoint and its signing secret, which the server shows only in this answer. */
  organizerCreateWebhook: (body: { url: string; description: string; eventTypes: WebhookEventType[] }) =>
    request<CreatedWebhookEndpoint>('POST', '/api/organizer/webhooks', { body }),

  organizerSetWebhookEnabled: async (endpointId: string, enabled: boolean) =>
    (await request<{ endpoint: WebhookEndpoint }>('PATCH', `/api/organizer/webhooks/${id(endpointId)}`, { body: { enabled } })).endpoint,

  organizerDeleteWebhook: (endpointId: string) => request<void>('DELETE', `/api/organizer/webhooks/${id(endpointId)}`),

  /** The endpoint's delivery log, newest first, each delivery with every attempt. */
  organizerWebhookDeliveries: async (endpointId: string, signal?: AbortSignal) =>
    (await request<{ items: WebhookDelivery[] }>('GET', `/api/organizer/webhooks/${id(endpointId)}/deliveries`, { signal })).items,

  /** Reservations for support, and the same filter as a Temporal Web UI link (null without a UI). */
  /** Support: any reservations by event, state and customer's email (exact), newest first, a page at a time. */
  supportListReservations: (
    filters: { eventId?: string; status?: ReservationStatus | ''; customerEmail?: string; page?: number; pageSize?: number },
    signal?: AbortSignal,
  ) => request<Page<SupportReservation> & { temporalUiUrl: string | null }>('GET', `/api/support/reservations${toQueryString(filters)}`, { signal }),

  /** More time on a customer's hold (the most one extension allows); recorded as this support login. */
  supportExtend: async (reservationId: string) =>
    (await request<{ reservation: Reservation }>('POST', `/api/support/reservations/${id(reservationId)}/extend`, { body: {} })).reservation,

  /** Support: cancels and refunds any confirmed booking, at any time. */
  supportCancelBooking: (reference: string, reason: string) =>
    request<BookingCancellationAnswer>('POST', `/api/support/bookings/${id(reference)}/cancel`, { body: { reason } }),

  /** Support: the event's bookings and attendees as a CSV file. */
  downloadAttendeesCsv: (eventId: string) => download(attendeesCsvPath(eventId)),

  supportCancel: (reservationId: string, reason: string) =>
    request<{ reservation?: SupportReservation }>('POST', `/api/support/reservations/${id(reservationId)}/cancel`, {
      body: { reason },
    }),
};

export const ticketsPdfPath = (reference: string) => `/api/bookings/${id(reference)}/tickets.pdf`;
export const calendarPath = (reference: string) => `/api/bookings/${id(reference)}/calendar.ics`;
export const attendeesCsvPath = (eventId: string) => `/api/support/events/${id(eventId)}/attendees.csv`;

/** A file from the API with the session's token, as a Blob; failures as ApiError like every other call. */
async function download(path: string, retried = false): Promise<Blob> {
  const token = await freshAccessToken();
  let response: Response;
  try {
    response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'Could not reach the server. Check your connection and try again.');
  }
  if (response.ok) return response.blob();
  if (response.status === 401 && token && !retried && (await freshAccessToken({ rejected: token }))) return download(path, true);
  if (response.status === 401 && token) onUnauthorized();
  throw toApiError(response, await readJson(response));
}

/**
 * The problems a VALIDATION_FAILED error names (`details.issues`), each with its path split
 * ("body.sections.0.name" → ["body", "sections", "0", "name"]; older shapes send an array).
 */
export function validationIssues(error: unknown): Array<{ path: string[]; message: string }> {
  if (!(error instanceof ApiError) || !Array.isArray(error.details.issues)) return [];
  return (error.details.issues as Array<{ path?: unknown; message?: unknown }>)
    .filter((issue) => typeof issue.message === 'string')
    .map((issue) => ({ path: Array.isArray(issue.path) ? issue.path.map(String) : String(issue.path ?? '').split('.'), message: issue.message as string }));
}

/**
 * A form's field errors from a VALIDATION_FAILED error of its body: the first message per field,
 * keyed by the path inside the body ("name", "sections.0.priceCents", "sections" for the whole list).
 */
export function bodyFieldErrors(error: unknown): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const { path, message } of validationIssues(error)) {
    const key = (path[0] === 'body' ? path.slice(1) : path).join('.');
    errors[key] ??= message;
  }
  return errors;
}

/** Human-readable text for any error thrown by the API layer (or anything else). */
export function errorMessage(error: unknown): string {
  return error instanceof Error && error.message ? asSentence(error.message) : 'Something went wrong.';
}

/** Server messages are lower-case fragments ("the hold has expired"); show them as sentences. */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  const capitalised = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** A fresh idempotency key; falls back to getRandomValues outside secure contexts. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
