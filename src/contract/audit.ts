import { z } from 'zod';
import { queryInt } from '../api/schemas.ts';

/**
 * The audit trail as it crosses a boundary: PostgreSQL's append-only `audit_log` (src/db/audit.ts),
 * the API (GET /api/support/audit, GET /api/organizer/events/:eventId/audit) and the web client
 * (support page, admin page; types only).
 */
export const AUDIT_ACTIONS = [
  'event.created', 'event.edited', 'event.layout_replaced', 'event.published', 'event.cancelled', 'event.deleted',
  'event.featured', 'event.unfeatured',
  'discount_code.created',
  'reservation.cancel_requested', 'reservation.extend_requested',
  'booking.refund_requested',
  'ticket.checked_in',
  'role.granted', 'role.revoked',
  'tenant.created',
  'app.created', 'app.revoked',
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditAction>;

/** Who acted: an account (by its role when it acted) or a tenant's app key. */
export const ACTOR_KINDS = ['customer', 'organizer', 'support', 'admin', 'app'] as const;
export const ActorKind = z.enum(ACTOR_KINDS);
export type ActorKind = z.infer<typeof ActorKind>;

export const AuditEntry = z.object({
  id: z.string().meta({ description: 'Increasing: later entries have larger ids (a cursor for `before`)' }),
  at: z.string(),
  actorKind: ActorKind,
  actorId: z.string(),
  actor: z.string().meta({ description: 'Who, for people: `support:ana@example.com`, `app:Box office (bk_…)`' }),
  action: AuditAction,
  tenantId: z.string().nullable(),
  eventId: z.string().nullable(),
  reservationId: z.string().nullable(),
  bookingId: z.string().nullable(),
  subjectId: z.string().nullable().meta({ description: 'The account a role was granted to or revoked from, or the app' }),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** One page, newest first; `nextBefore` asks for the next (older) page, null on the last. */
export const AuditPage = z.object({ items: z.array(AuditEntry), nextBefore: z.string().nullable() });
export type AuditPage = z.infer<typeof AuditPage>;

const cursor = z.string().regex(/^[1-9][0-9]{0,17}$/, 'an entry id from an earlier page').optional()
  .meta({ description: 'Entries older than this id (the `nextBefore` of the previous page)' });
const limit = queryInt({ min: 1, max: 200 }).default(50);

/** Staff's search: by event, reservation, booking or actor (at least one). */
export const AuditQuery = z.object({
  eventId: z.string().uuid().optional(),
  reservationId: z.string().uuid().optional(),
  bookingId: z.string().uuid().optional(),
  actorId: z.string().uuid().optional().meta({ description: 'An account id or an app id' }),
  before: cursor,
  limit,
}).refine((q) => q.eventId || q.reservationId || q.bookingId || q.actorId, { message: 'give eventId, reservationId, bookingId or actorId', path: ['eventId'] });
export type AuditQuery = z.infer<typeof AuditQuery>;

/** An organizer's (or app's) view of one event's trail. */
export const EventAuditQuery = z.object({ before: cursor, limit });
