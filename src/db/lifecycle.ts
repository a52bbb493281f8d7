import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { EventStatus } from '../contract/catalog.ts';
import type { EventSchedule, EventSync, EventSyncRequest } from '../../workflows/event-lifecycle-messages.ts';
import { sql } from './sql.ts';

/**
 * The event workflow's one side effect (workflows/event-lifecycle.ts): bring the event's status
 * column, the truth claim_hold reads, to the phase the workflow's timers say, and answer the row's
 * facts, which the workflow adopts. During the sale, ON_SALE or SOLD_OUT follows the inventory:
 * SOLD_OUT once every seat is sold, ON_SALE again when one is not (a refund). Writes are
 * compare-and-set on the status (no lock is taken while nothing changes, so claims never wait for
 * this check), and a status the workflow does not own (DRAFT, CANCELLED, COMPLETED) is never moved.
 */

const Facts = z.object({
  status: EventStatus,
  startsAt: z.string(),
  salesStartAt: z.string().nullable(),
  salesEndAt: z.string().nullable(),
  unsold: z.boolean(),
});

const sameSchedule = (a: EventSchedule, b: EventSchedule) => {
  const ms = (value: string | null) => (value === null ? null : Date.parse(value));
  return ms(a.startsAt) === ms(b.startsAt) && ms(a.salesStartAt) === ms(b.salesStartAt) && ms(a.salesEndAt) === ms(b.salesEndAt);
};

export async function syncEventStatus(pool: DatabasePool, input: EventSyncRequest): Promise<EventSync> {
  for (let attempt = 0; ; attempt++) {
    const facts = await pool.maybeOne(sql.type(Facts)`
      SELECT status, to_json(starts_at) #>> '{}' AS "startsAt",
             to_json(sales_start_at) #>> '{}' AS "salesStartAt", to_json(sales_end_at) #>> '{}' AS "salesEndAt",
             EXISTS (SELECT 1 FROM seats s WHERE s.event_id = e.id AND s.state <> 'SOLD') AS unsold
      FROM events e WHERE id = ${input.eventId}
    `);
    if (!facts) return { status: 'DELETED', schedule: null };
    const schedule: EventSchedule = { startsAt: facts.startsAt, salesStartAt: facts.salesStartAt, salesEndAt: facts.salesEndAt };
    const owned = facts.status !== 'DRAFT' && facts.status !== 'CANCELLED' && facts.status !== 'COMPLETED';
    // a phase computed from another schedule than the row's is not applied: the workflow recomputes
    if (!owned || input.phase === null || !input.schedule || !sameSchedule(input.schedule, schedule)) return { status: facts.status, schedule };
    const wanted = input.phase === 'ON_SALE' ? (facts.unsold ? 'ON_SALE' : 'SOLD_OUT') : input.phase;
    if (wanted === facts.status) return { status: facts.status, schedule };
    const moved = await pool.maybeOneFirst(sql.type(z.object({ status: EventStatus }))`
      UPDATE events SET status = ${wanted}, updated_at = now() WHERE id = ${input.eventId} AND status = ${facts.status} RETURNING status
    `);
    if (moved) return { status: moved, schedule };
    if (attempt >= 5) return { status: facts.status, schedule }; // changing under us again and again: the workflow comes back
  }
}

/** Published events whose workflow was never started (seeded, published before the lifecycle existed, or a crash after publishing). */
export async function unstartedEvents(pool: DatabasePool, limit: number): Promise<string[]> {
  return [...(await pool.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM events
    WHERE lifecycle_started_at IS NULL AND status IN ('UPCOMING', 'ON_SALE', 'SOLD_OUT', 'CLOSED')
    ORDER BY id LIMIT ${limit}
  `))];
}

export async function markLifecycleStarted(pool: DatabasePool, eventId: string): Promise<void> {
  await pool.query(sql.typeAlias('void')`UPDATE events SET lifecycle_started_at = now() WHERE id = ${eventId} AND lifecycle_started_at IS NULL`);
}
