import type { CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { Principal } from '../contract/accounts.ts';
import { type ActorKind, type AuditAction, AuditEntry, type AuditPage } from '../contract/audit.ts';
import { isoTimestamp, sql } from './sql.ts';

/**
 * The audit trail (`audit_log`, append-only: migrations/1733920000000). An entry is written in
 * the transaction of the change it records, so the two commit or roll back together; a change a
 * workflow carries out (cancelling a hold) is recorded when the API accepts the request. The
 * customers' hold and checkout path writes none.
 */

/** Who acts: an account (with the role it acts in) or a tenant's app. `label` is for people. */
export interface Actor {
  kind: ActorKind;
  id: string;
  label: string;
}

/** An account as an actor: in the role it has now, named by its email. */
export const accountActor = (principal: Principal): Actor => ({ kind: principal.role, id: principal.customerId, label: `${principal.role}:${principal.email}` });

export interface AuditRecord {
  action: AuditAction;
  tenantId?: string | null;
  eventId?: string | null;
  reservationId?: string | null;
  bookingId?: string | null;
  subjectId?: string | null;
  reason?: string | null;
  details?: Record<string, unknown>;
}

const uuidOrNull = (value: string | null | undefined) => sql.fragment`${value ?? null}::uuid`;

export async function recordAudit(db: CommonQueryMethods, actor: Actor, entry: AuditRecord): Promise<void> {
  await db.query(sql.typeAlias('void')`
    INSERT INTO audit_log (actor_kind, actor_id, actor, action, tenant_id, event_id, reservation_id, booking_id, subject_id, reason, details)
    VALUES (${actor.kind}, ${actor.id}, ${actor.label.slice(0, 300)}, ${entry.action}, ${uuidOrNull(entry.tenantId)}, ${uuidOrNull(entry.eventId)},
            ${uuidOrNull(entry.reservationId)}, ${uuidOrNull(entry.bookingId)}, ${uuidOrNull(entry.subjectId)}, ${entry.reason ?? null},
            ${sql.jsonb((entry.details ?? {}) as Parameters<typeof sql.jsonb>[0])})
  `);
}

/**
 * Records a request about a reservation (its event and tenant read in the same statement), for
 * changes a workflow carries out after the API accepted them.
 */
export async function recordReservationRequest(db: CommonQueryMethods, actor: Actor, action: AuditAction, reservationId: string, reason: string | null, details: Record<string, unknown> = {}) {
  await db.query(sql.typeAlias('void')`
    INSERT INTO audit_log (actor_kind, actor_id, actor, action, tenant_id, event_id, reservation_id, booking_id, reason, details)
    SELECT ${actor.kind}, ${actor.id}, ${actor.label.slice(0, 300)}, ${action}, e.tenant_id, r.event_id, r.id,
           (SELECT b.id FROM bookings b WHERE b.reservation_id = r.id), ${reason}, ${sql.jsonb(details as Parameters<typeof sql.jsonb>[0])}
    FROM reservations r JOIN events e ON e.id = r.event_id WHERE r.id = ${reservationId}
  `);
}

/** Records a ticket's admission at the door, with its event, booking and reservation (read in the same statement). */
export async function recordCheckin(db: CommonQueryMethods, actor: Actor, ticketId: string) {
  await db.query(sql.typeAlias('void')`
    INSERT INTO audit_log (actor_kind, actor_id, actor, action, tenant_id, event_id, reservation_id, booking_id, details)
    SELECT ${actor.kind}, ${actor.id}, ${actor.label.slice(0, 300)}, 'ticket.checked_in', e.tenant_id, t.event_id, b.reservation_id, b.id,
           jsonb_build_object('ticketId', t.id, 'reference', b.reference)
    FROM tickets t JOIN bookings b ON b.id = t.booking_id JOIN events e ON e.id = t.event_id WHERE t.id = ${ticketId}
  `);
}

const entryRow = AuditEntry.extend({ id: z.coerce.string(), at: isoTimestamp, details: z.record(z.string(), z.unknown()) });
const columns = sql.fragment`
  a.id, a.at, a.actor_kind AS "actorKind", a.actor_id AS "actorId", a.actor, a.action, a.tenant_id AS "tenantId", a.event_id AS "eventId",
  a.reservation_id AS "reservationId", a.booking_id AS "bookingId", a.subject_id AS "subjectId", a.reason, a.details`;

export interface AuditFilter {
  eventId?: string;
  reservationId?: string;
  bookingId?: string;
  actorId?: string;
  /** Only entries of this tenant (an organizer's or app's view). */
  tenantId?: string;
  before?: string;
  limit: number;
}

/** One page of entries matching every given filter, newest first (keyset pagination on the id). */
export async function listAudit(db: CommonQueryMethods, filter: AuditFilter): Promise<AuditPage> {
  const conditions = [sql.fragment`true`];
  if (filter.eventId) conditions.push(sql.fragment`a.event_id = ${filter.eventId}`);
  // a reservation's trail includes its booking's (refunds name both)
  if (filter.reservationId) conditions.push(sql.fragment`a.reservation_id = ${filter.reservationId}`);
  if (filter.bookingId) conditions.push(sql.fragment`a.booking_id = ${filter.bookingId}`);
  if (filter.actorId) conditions.push(sql.fragment`a.actor_id = ${filter.actorId}`);
  if (filter.tenantId) conditions.push(sql.fragment`a.tenant_id = ${filter.tenantId}`);
  if (filter.before) conditions.push(sql.fragment`a.id < ${filter.before}::bigint`);
  const rows = await db.any(sql.type(entryRow)`
    SELECT ${columns} FROM audit_log a WHERE ${sql.join(conditions, sql.fragment` AND `)}
    ORDER BY a.id DESC LIMIT ${filter.limit + 1}
  `);
  const items = rows.slice(0, filter.limit);
  return { items, nextBefore: rows.length > filter.limit ? items[items.length - 1].id : null };
}
