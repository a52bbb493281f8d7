import { randomUUID } from 'node:crypto';
import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { z } from 'zod';
import { type EventDraft, type EventEdit, EventStatus, type SectionSpec, Tenant, Venue } from '../contract/catalog.ts';
import { insertLayout, type TenantScope, tenantOf } from './events.ts';
import { type Actor, recordAudit } from './audit.ts';
import { sql } from './sql.ts';

/**
 * The catalog as tenants manage it: tenants (admins create them), their venues, and their events'
 * life (draft, edit, layout, publish, cancel, delete). Every statement of an organizer is scoped
 * to its tenant by `tenantOf(scope)`, read in the same statement: another tenant's event
 * is not found, exactly like one that does not exist. Expected refusals are returned as outcomes,
 * never thrown (slonik would destroy the pooled connection of a transaction that throws). Every
 * change writes its audit entry (src/db/audit.ts) in its own transaction.
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

/** A new DRAFT event at a venue of the organizer's tenant, with its layout. */
export async function createDraft(pool: DatabasePool, scope: TenantScope, draft: EventDraft, actor: Actor): Promise<{ outcome: 'CREATED'; eventId: string } | { outcome: 'VENUE_NOT_FOUND' }> {
  return pool.transaction(async (tx) => {
    const created = await tx.maybeOne(sql.type(z.object({ id: z.string(), tenantId: z.string() }))`
      INSERT INTO events (id, venue_id, tenant_id, name, description, starts_at, status, max_tickets_per_customer)
      SELECT ${randomUUID()}, v.id, v.tenant_id, ${draft.name}, ${draft.description}, ${draft.startsAt}, 'DRAFT', ${draft.maxTicketsPerCustomer}
      FROM venues v WHERE v.id = ${draft.venueId} AND v.tenant_id = ${tenantOf(scope)}
      RETURNING id, tenant_id AS "tenantId"
    `);
    if (!created) return { outcome: 'VENUE_NOT_FOUND' };
    const eventId = created.id;
    await insertLayout(tx, eventId, draft.sections);
    await recordAudit(tx, actor, { action: 'event.created', tenantId: created.tenantId, eventId, details: { name: draft.name, startsAt: draft.startsAt, venueId: draft.venueId } });
    return { outcome: 'CREATED', eventId };
  });
}

/** Changes an event's details; a cancelled event changes no more. */
export async function editEvent(pool: DatabasePool, scope: TenantScope, eventId: string, edit: EventEdit, actor: Actor):
  Promise<{ outcome: 'UPDATED' } | NotFound | { outcome: 'VENUE_NOT_FOUND' } | { outcome: 'CANCELLED' }> {
  return pool.transaction(async (tx) => {
    const event = await lockEvent(tx, scope, eventId);
    if (!event) return { outcome: 'NOT_FOUND' };
    if (event.status === 'CANCELLED') return { outcome: 'CANCELLED' };
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
    if (edit.maxTicketsPerCustomer !== undefined) changes.push(sql.fragment`max_tickets_per_customer = ${edit.maxTicketsPerCustomer}`);
    await tx.query(sql.typeAlias('void')`UPDATE events SET ${sql.join(changes, sql.fragment`, `)} WHERE id = ${eventId}`);
    await recordAudit(tx, actor, { action: 'event.edited', tenantId: event.tenantId, eventId, details: { changes: edit } });
    return { outcome: 'UPDATED' };
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

/** Puts a draft (or a closed event) on sale. An event that has started, or was cancelled, is not. */
export async function publishEvent(pool: DatabasePool, scope: TenantScope, eventId: string, actor: Actor):
  Promise<{ outcome: 'PUBLISHED' } | NotFound | { outcome: 'REFUSED'; status: EventStatus; started: boolean }> {
  return pool.transaction(async (tx) => {
    const event = await lockEvent(tx, scope, eventId);
    if (!event) return { outcome: 'NOT_FOUND' };
    const published = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
      UPDATE events SET status = 'ON_SALE', updated_at = now()
      WHERE id = ${eventId} AND status IN ('DRAFT', 'CLOSED', 'ON_SALE') AND starts_at > now()
      RETURNING id
    `);
    if (published) {
      await recordAudit(tx, actor, { action: 'event.published', tenantId: event.tenantId, eventId, details: { from: event.status } });
      return { outcome: 'PUBLISHED' };
    }
    return { outcome: 'REFUSED', status: event.status, started: event.status !== 'CANCELLED' };
  });
}

/**
 * Cancels an event. One with live holds or bookings is refused: its bookings must be refunded
 * first (the refund workflow is another piece of work). Cancelling a cancelled event is a no-op.
 */
export async function cancelEvent(pool: DatabasePool, scope: TenantScope, eventId: string, actor: Actor):
  Promise<{ outcome: 'CANCELLED' } | NotFound | { outcome: 'HAS_SALES'; sales: Sales }> {
  return pool.transaction(async (tx) => {
    const event = await lockEvent(tx, scope, eventId);
    if (!event) return { outcome: 'NOT_FOUND' };
    if (event.status === 'CANCELLED') return { outcome: 'CANCELLED' };
    const sales = await salesOf(tx, eventId);
    if (sales.liveHolds > 0 || sales.bookings > 0 || sales.heldSeats > 0 || sales.soldSeats > 0) return { outcome: 'HAS_SALES', sales };
    await tx.query(sql.typeAlias('void')`UPDATE events SET status = 'CANCELLED', updated_at = now() WHERE id = ${eventId}`);
    await recordAudit(tx, actor, { action: 'event.cancelled', tenantId: event.tenantId, eventId, details: { from: event.status } });
    return { outcome: 'CANCELLED' };
  });
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
