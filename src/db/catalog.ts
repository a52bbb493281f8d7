import { randomUUID } from 'node:crypto';
import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { z } from 'zod';
import { type EventDraft, type EventEdit, EventStatus, type FeaturedEvent, type SectionSpec, saleWindowIssues, Tenant, Venue } from '../contract/catalog.ts';
import { venueTemplates } from './venues.ts';
import { insertLayout, type TenantScope, tenantOf } from './events.ts';
import { type Actor, recordAudit } from './audit.ts';
import { isoTimestamp, sql } from './sql.ts';

/**
 * The catalog as tenants manage it: tenants (admins create them), their venues, and their events'
 * life (draft, edit, layout, publish, cancel, delete). Every statement of an organizer (or a tenant's app) is scoped
 * to its tenant by `tenantOf(scope)`, read in the same statement: another tenant's event
 * is not found, exactly like one that does not exist. Expected refusals are returned as outcomes,
 * never thrown (slonik would destroy the pooled connection of a transaction that throws).
 */

// ---------------------------------------------------------------- tenants and venues

/** A new tenant, or null when the name is taken (case-insensitively): an outcome, not a unique violation. */
export async function createTenant(db: CommonQueryMethods, name: string): Promise<Tenant | null> {
  return db.maybeOne(sql.type(Tenant)`INSERT INTO tenants (id, name) VALUES (${randomUUID()}, ${name}) ON CONFLICT DO NOTHING RETURNING id, name`);
}

export async function findTenant(db: CommonQueryMethods, tenantId: string): Promise<Tenant | null> {
  return db.maybeOne(sql.type(Tenant)`SELECT id, name FROM tenants WHERE id = ${tenantId}`);
}

export async function listTenants(db: CommonQueryMethods): Promise<Tenant[]> {
  return [...(await db.any(sql.type(Tenant)`SELECT id, name FROM tenants ORDER BY lower(name)`))];
}

/** A venue of the organizer's tenant; null when the caller is no organizer (any more). */
export async function createVenue(db: CommonQueryMethods, scope: TenantScope, name: string): Promise<z.infer<typeof Venue> | null> {
  return db.maybeOne(sql.type(Venue)`
    INSERT INTO venues (id, name, tenant_id) SELECT ${randomUUID()}, ${name}, tenant FROM (SELECT ${tenantOf(scope)} AS tenant) t WHERE tenant IS NOT NULL
    RETURNING id, name
  `);
}

export async function listVenues(db: CommonQueryMethods, scope: TenantScope) {
  return [...(await db.any(sql.type(Venue)`SELECT id, name FROM venues WHERE tenant_id = ${tenantOf(scope)} ORDER BY lower(name), id`))];
}

// ---------------------------------------------------------------- events

export type NotFound = { outcome: 'NOT_FOUND' };
type Locked = { id: string; status: EventStatus; tenantId: string };

/** Locks the event of the organizer's tenant (FOR UPDATE): every change of one event is decided one at a time. */
async function lockEvent(tx: CommonQueryMethods, scope: TenantScope, eventId: string): Promise<Locked | null> {
  return tx.maybeOne(sql.type(z.object({ id: z.string(), status: EventStatus, tenantId: z.string() }))`
    SELECT id, status, tenant_id AS "tenantId" FROM events WHERE id = ${eventId} AND tenant_id = ${tenantOf(scope)} FOR UPDATE
  `);
}

/**
 * What the event has sold or holds, after locking every seat of it (in id order, as claims lock
 * them): a claim in flight commits first and is counted; a later one waits for this transaction.
 */
async function salesOf(tx: CommonQueryMethods, eventId: string) {
  await tx.query(sql.typeAlias('void')`SELECT FROM seats WHERE event_id = ${eventId} ORDER BY id FOR UPDATE`);
  return tx.one(sql.type(z.object({ heldSeats: z.number(), soldSeats: z.number(), liveHolds: z.number(), bookings: z.number(), reservations: z.number() }))`
    SELECT (SELECT count(*) FROM seats WHERE event_id = ${eventId} AND state = 'HELD') AS "heldSeats",
           (SELECT count(*) FROM seats WHERE event_id = ${eventId} AND state = 'SOLD') AS "soldSeats",
           count(*) FILTER (WHERE r.status IN ('HELD', 'PAYING')) AS "liveHolds",
           count(*) FILTER (WHERE r.status = 'CONFIRMED') AS bookings,
           count(*) AS reservations
    FROM reservations r WHERE r.event_id = ${eventId}
  `);
}
export type Sales = Awaited<ReturnType<typeof salesOf>>;

/**
 * A new DRAFT event at a venue of the organizer's tenant, with its layout: the one given, or a copy
 * of the venue's section templates (NO_TEMPLATES when it has none).
 */
export async function createDraft(pool: DatabasePool, scope: TenantScope, draft: EventDraft, actor: Actor):
  Promise<{ outcome: 'CREATED'; eventId: string } | { outcome: 'VENUE_NOT_FOUND' } | { outcome: 'NO_TEMPLATES' }> {
  return pool.transaction(async (tx) => {
    const created = await tx.maybeOne(sql.type(z.object({ id: z.string(), tenantId: z.string() }))`
      INSERT INTO events (id, venue_id, tenant_id, name, description, starts_at, sales_start_at, sales_end_at, status, max_tickets_per_customer, image_url)
      SELECT ${randomUUID()}, v.id, v.tenant_id, ${draft.name}, ${draft.description}, ${draft.startsAt}, ${draft.salesStartAt}, ${draft.salesEndAt},
             'DRAFT', ${draft.maxTicketsPerCustomer}, ${draft.imageUrl}
      FROM venues v WHERE v.id = ${draft.venueId} AND v.tenant_id = ${tenantOf(scope)}
      RETURNING id, tenant_id AS "tenantId"
    `);
    if (!created) return { outcome: 'VENUE_NOT_FOUND' };
    const eventId = created.id;
    const sections = draft.sections ?? (await venueTemplates(tx, draft.venueId));
    if (sections.length === 0) {
      // nothing to lay out: undo the event (an outcome, not a throw, so the connection stays)
      await tx.query(sql.typeAlias('void')`DELETE FROM events WHERE id = ${eventId}`);
      return { outcome: 'NO_TEMPLATES' };
    }
    await insertLayout(tx, eventId, sections);
    await recordAudit(tx, actor, { action: 'event.created', tenantId: created.tenantId, eventId, details: { name: draft.name, startsAt: draft.startsAt, venueId: draft.venueId } });
    return { outcome: 'CREATED', eventId };
  });
}

/**
 * Changes an event's details; a cancelled or completed event changes no more. `rescheduled` says the
 * start or the sale window changed (the API then tells the event's workflow, which moves its timers).
 */
export async function editEvent(pool: DatabasePool, scope: TenantScope, eventId: string, edit: EventEdit, actor: Actor):
  Promise<{ outcome: 'UPDATED'; rescheduled: boolean; status: EventStatus } | NotFound | { outcome: 'VENUE_NOT_FOUND' } | { outcome: 'CANCELLED' | 'COMPLETED' }
    | { outcome: 'INVALID_WINDOW'; issues: { path: string; message: string }[] }> {
  return pool.transaction(async (tx) => {
    const event = await lockEvent(tx, scope, eventId);
    if (!event) return { outcome: 'NOT_FOUND' };
    if (event.status === 'CANCELLED' || event.status === 'COMPLETED') return { outcome: event.status };
    const rescheduled = edit.startsAt !== undefined || edit.salesStartAt !== undefined || edit.salesEndAt !== undefined;
    if (rescheduled) {
      // the window as it will be, checked whole (the body alone may name only one of its ends)
      const now = await tx.one(sql.type(z.object({ startsAt: z.string(), salesStartAt: z.string().nullable(), salesEndAt: z.string().nullable() }))`
        SELECT to_json(starts_at) #>> '{}' AS "startsAt", to_json(sales_start_at) #>> '{}' AS "salesStartAt", to_json(sales_end_at) #>> '{}' AS "salesEndAt"
        FROM events WHERE id = ${eventId}
      `);
      const issues = saleWindowIssues({
        startsAt: edit.startsAt ?? now.startsAt,
        salesStartAt: edit.salesStartAt === undefined ? now.salesStartAt : edit.salesStartAt,
        salesEndAt: edit.salesEndAt === undefined ? now.salesEndAt : edit.salesEndAt,
      });
      if (issues.length > 0) return { outcome: 'INVALID_WINDOW', issues };
    }
    if (edit.venueId !== undefined) {
      const ours = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
        SELECT id FROM venues WHERE id = ${edit.venueId} AND tenant_id = ${tenantOf(scope)}
      `);
      if (!ours) return { outcome: 'VENUE_NOT_FOUND' };
    }
    const changes = [sql.fragment`updated_at = now()`];
    if (edit.venueId !== undefined) changes.push(sql.fragment`venue_id = ${edit.venueId}`);
    if (edit.name !== undefined) changes.push(sql.fragment`name = ${edit.name}`);
    if (edit.description !== undefined) changes.push(sql.fragment`description = ${edit.description}`);
    if (edit.startsAt !== undefined) changes.push(sql.fragment`starts_at = ${edit.startsAt}`);
    if (edit.salesStartAt !== undefined) changes.push(sql.fragment`sales_start_at = ${edit.salesStartAt}`);
    if (edit.salesEndAt !== undefined) changes.push(sql.fragment`sales_end_at = ${edit.salesEndAt}`);
    if (edit.maxTicketsPerCustomer !== undefined) changes.push(sql.fragment`max_tickets_per_customer = ${edit.maxTicketsPerCustomer}`);
    if (edit.imageUrl !== undefined) changes.push(sql.fragment`image_url = ${edit.imageUrl}`);
    await tx.query(sql.typeAlias('void')`UPDATE events SET ${sql.join(changes, sql.fragment`, `)} WHERE id = ${eventId}`);
    await recordAudit(tx, actor, { action: 'event.edited', tenantId: event.tenantId, eventId, details: { changes: edit } });
    return { outcome: 'UPDATED', rescheduled, status: event.status };
  });
}

/**
 * Replaces the layout (sections, seats, prices). Refused while any seat is held or sold, and once
 * the event has had reservations at all (their history names its seats).
 */
export async function replaceLayout(pool: DatabasePool, scope: TenantScope, eventId: string, sections: SectionSpec[], actor: Actor):
  Promise<{ outcome: 'REPLACED' } | NotFound | { outcome: 'CANCELLED' } | { outcome: 'LOCKED'; sales: Sales }> {
  return pool.transaction(async (tx) => {
    const event = await lockEvent(tx, scope, eventId);
    if (!event) return { outcome: 'NOT_FOUND' };
    if (event.status === 'CANCELLED') return { outcome: 'CANCELLED' };
    const sales = await salesOf(tx, eventId);
    if (sales.reservations > 0 || sales.heldSeats > 0 || sales.soldSeats > 0) return { outcome: 'LOCKED', sales };
    await tx.query(sql.typeAlias('void')`DELETE FROM sections WHERE event_id = ${eventId}`);
    await insertLayout(tx, eventId, sections);
    await tx.query(sql.typeAlias('void')`UPDATE events SET updated_at = now() WHERE id = ${eventId}`);
    await recordAudit(tx, actor, { action: 'event.layout_replaced', tenantId: event.tenantId, eventId, details: { sections: sections.map((section) => section.name) } });
    return { outcome: 'REPLACED' };
  });
}

/**
 * Publishes a draft: UPCOMING until its sale window opens, ON_SALE within it. A closed event (its
 * sales ended) is reopened until it starts (its sale end is cleared). Publishing a published event
 * changes nothing. An event that has started, was cancelled or is over is refused. The API then
 * starts (or finds) the event's workflow, which moves it from there.
 */
export async function publishEvent(pool: DatabasePool, scope: TenantScope, eventId: string, actor: Actor):
  Promise<{ outcome: 'PUBLISHED'; status: EventStatus } | NotFound | { outcome: 'REFUSED'; status: EventStatus; started: boolean }> {
  return pool.transaction(async (tx) => {
    const event = await lockEvent(tx, scope, eventId);
    if (!event) return { outcome: 'NOT_FOUND' };
    const published = await tx.maybeOneFirst(sql.type(z.object({ status: EventStatus }))`
      UPDATE events SET
        sales_end_at = CASE WHEN status = 'CLOSED' THEN NULL ELSE sales_end_at END,
        status = CASE
          WHEN status IN ('UPCOMING', 'ON_SALE', 'SOLD_OUT') THEN status
          WHEN status = 'CLOSED' THEN 'ON_SALE'
          WHEN sales_start_at > now() THEN 'UPCOMING'
          WHEN sales_end_at <= now() THEN 'CLOSED'
          ELSE 'ON_SALE' END,
        updated_at = now()
      WHERE id = ${eventId} AND status IN ('DRAFT', 'UPCOMING', 'ON_SALE', 'SOLD_OUT', 'CLOSED') AND starts_at > now()
      RETURNING status
    `);
    if (published) {
      await recordAudit(tx, actor, { action: 'event.published', tenantId: event.tenantId, eventId, details: { from: event.status, to: published } });
      return { outcome: 'PUBLISHED', status: published };
    }
    return { outcome: 'REFUSED', status: event.status, started: event.status !== 'CANCELLED' };
  });
}

/** A live hold of a cancelled event, with what its workflow is started from (Signal-with-Start). */
export const LiveHold = z.object({
  id: z.string(), eventId: z.string(), customerId: z.string(), seatCount: z.number(), amountCents: z.number(),
  holdExpiresAt: z.string(), status: z.enum(['HELD', 'PAYING']),
});
export type LiveHold = z.infer<typeof LiveHold>;
const CancelledEvent = z.object({ cancelledAt: z.string(), cancelledBy: z.string(), reason: z.string() });

/**
 * Cancels an event, whatever it sold: one transaction marks it CANCELLED (claim_hold then refuses
 * every new hold) with who and why, and answers what is left to undo: its live holds (HELD, PAYING)
 * and its CONFIRMED bookings. The caller signals the holds' workflows and refunds the bookings
 * through their refund workflows (src/events/lifecycle.ts). The event's row lock (FOR UPDATE) waits for
 * the claims in flight, which hold it FOR KEY SHARE (migrations/1734090000000), and the claims that
 * arrive meanwhile wait and are refused: every hold made before is listed, none lands after. The
 * event's seats are locked too, in id order as claims lock them. Cancelling it again
 * marks nothing and lists what is still left (so a repeated cancel finishes an interrupted one).
 * A COMPLETED event is not cancelled.
 */
export async function cancelEvent(pool: DatabasePool, scope: TenantScope, eventId: string, cancel: { actor: Actor; reason: string }):
  Promise<{ outcome: 'CANCELLED'; cancellation: z.infer<typeof CancelledEvent>; holds: LiveHold[]; bookings: string[] } | NotFound | { outcome: 'COMPLETED' }> {
  return pool.transaction(async (tx) => {
    const event = await lockEvent(tx, scope, eventId);
    if (!event) return { outcome: 'NOT_FOUND' };
    if (event.status === 'COMPLETED') return { outcome: 'COMPLETED' };
    await tx.query(sql.typeAlias('void')`SELECT FROM seats WHERE event_id = ${eventId} ORDER BY id FOR UPDATE`);
    const cancellation = await tx.one(sql.type(CancelledEvent)`
      UPDATE events SET
        status = 'CANCELLED', updated_at = now(),
        cancelled_at = COALESCE(cancelled_at, now()),
        cancelled_by = COALESCE(cancelled_by, ${cancel.actor.label}),
        cancel_reason = COALESCE(cancel_reason, ${cancel.reason})
      WHERE id = ${eventId}
      RETURNING to_json(cancelled_at) #>> '{}' AS "cancelledAt", cancelled_by AS "cancelledBy", cancel_reason AS reason
    `);
    // a repeated cancel (finishing an interrupted one) is recorded too: who asked again, and why
    await recordAudit(tx, cancel.actor, { action: 'event.cancelled', tenantId: event.tenantId, eventId, reason: cancel.reason, details: { from: event.status } });
    return { outcome: 'CANCELLED', cancellation, ...(await leftToUndo(tx, eventId)) };
  });
}

/** Cancelled events that still have live holds or confirmed bookings, with who cancelled them and why. */
export async function unfinishedCancellations(db: CommonQueryMethods, limit: number) {
  return [...(await db.any(sql.type(z.object({ eventId: z.string(), cancelledBy: z.string(), reason: z.string() }))`
    SELECT e.id AS "eventId", COALESCE(e.cancelled_by, 'system') AS "cancelledBy", COALESCE(e.cancel_reason, 'the event was cancelled') AS reason
    FROM events e
    WHERE e.status = 'CANCELLED'
      AND EXISTS (SELECT 1 FROM reservations r WHERE r.event_id = e.id AND r.status IN ('HELD', 'PAYING', 'CONFIRMED'))
    ORDER BY e.cancelled_at NULLS FIRST, e.id
    LIMIT ${limit}
  `))];
}

/** A cancelled event's live holds and confirmed bookings (references), still to be cancelled and refunded. */
export async function leftToUndo(db: CommonQueryMethods, eventId: string): Promise<{ holds: LiveHold[]; bookings: string[] }> {
  const holds = await db.any(sql.type(LiveHold)`
    SELECT r.id, r.event_id AS "eventId", r.customer_id AS "customerId", r.amount_cents AS "amountCents",
           to_json(r.hold_expires_at) #>> '{}' AS "holdExpiresAt", r.status,
           (SELECT count(*) FROM reservation_seats rs WHERE rs.reservation_id = r.id)::int AS "seatCount"
    FROM reservations r WHERE r.event_id = ${eventId} AND r.status IN ('HELD', 'PAYING')
    ORDER BY r.created_at, r.id
  `);
  const bookings = await db.anyFirst(sql.type(z.object({ reference: z.string() }))`
    SELECT b.reference FROM bookings b JOIN reservations r ON r.id = b.reservation_id
    WHERE r.event_id = ${eventId} AND r.status = 'CONFIRMED'
    ORDER BY b.created_at, b.id
  `);
  return { holds: [...holds], bookings: [...bookings] };
}

/** Deletes an event that never had a reservation (with its layout); one with any is only cancelled. */
export async function deleteEvent(pool: DatabasePool, scope: TenantScope, eventId: string, actor: Actor):
  Promise<{ outcome: 'DELETED' } | NotFound | { outcome: 'HAS_SALES'; sales: Sales }> {
  return pool.transaction(async (tx) => {
    const event = await lockEvent(tx, scope, eventId);
    if (!event) return { outcome: 'NOT_FOUND' };
    const sales = await salesOf(tx, eventId);
    if (sales.reservations > 0 || sales.heldSeats > 0 || sales.soldSeats > 0) return { outcome: 'HAS_SALES', sales };
    await tx.query(sql.typeAlias('void')`DELETE FROM events WHERE id = ${eventId}`);
    await recordAudit(tx, actor, { action: 'event.deleted', tenantId: event.tenantId, eventId, details: { from: event.status } });
    return { outcome: 'DELETED' };
  });
}

/** The statuses an event may be featured in: published and not over (customers see drafts never, and nothing is featured after it ended). */
const FEATURABLE = ['UPCOMING', 'ON_SALE', 'SOLD_OUT', 'CLOSED'] as const satisfies readonly EventStatus[];

const featuredRow = z.object({ eventId: z.string(), position: z.number(), featuredAt: isoTimestamp, featuredBy: z.string() });

/**
 * An admin features an event at a position (or moves it), recorded in the audit trail in the same
 * transaction. Drafts and events that are over cannot be featured (INVALID_STATE).
 */
export async function featureEvent(pool: DatabasePool, eventId: string, position: number, actor: Actor):
  Promise<{ outcome: 'FEATURED'; featured: FeaturedEvent } | NotFound | { outcome: 'INVALID_STATE'; status: EventStatus }> {
  return pool.transaction(async (tx) => {
    const event = await tx.maybeOne(sql.type(z.object({ status: EventStatus, tenantId: z.string().nullable() }))`
      SELECT status, tenant_id AS "tenantId" FROM events WHERE id = ${eventId}
    `);
    if (!event) return { outcome: 'NOT_FOUND' };
    if (!(FEATURABLE as readonly string[]).includes(event.status)) return { outcome: 'INVALID_STATE', status: event.status };
    const featured = await tx.one(sql.type(featuredRow)`
      INSERT INTO featured_events (event_id, position, featured_by) VALUES (${eventId}, ${position}, ${actor.id})
      ON CONFLICT (event_id) DO UPDATE SET position = EXCLUDED.position, featured_by = EXCLUDED.featured_by, featured_at = now()
      RETURNING event_id AS "eventId", position, featured_at AS "featuredAt", featured_by AS "featuredBy"
    `);
    await recordAudit(tx, actor, { action: 'event.featured', tenantId: event.tenantId, eventId, details: { position } });
    return { outcome: 'FEATURED', featured };
  });
}

/** An admin takes an event out of the featured ones (NOT_FOUND when it was not featured), recorded in the audit trail. */
export async function unfeatureEvent(pool: DatabasePool, eventId: string, actor: Actor): Promise<{ outcome: 'UNFEATURED'; featured: FeaturedEvent } | NotFound> {
  return pool.transaction(async (tx) => {
    const removed = await tx.maybeOne(sql.type(featuredRow.extend({ tenantId: z.string().nullable() }))`
      DELETE FROM featured_events f USING events e WHERE f.event_id = ${eventId} AND e.id = f.event_id
      RETURNING f.event_id AS "eventId", f.position, f.featured_at AS "featuredAt", f.featured_by AS "featuredBy", e.tenant_id AS "tenantId"
    `);
    if (!removed) return { outcome: 'NOT_FOUND' };
    const { tenantId, ...featured } = removed;
    await recordAudit(tx, actor, { action: 'event.unfeatured', tenantId, eventId, details: { position: featured.position } });
    return { outcome: 'UNFEATURED', featured };
  });
}
