import { randomUUID } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { createEvent } from '../../src/db/events.ts';
import { beginPayment, readSettlement, recordProviderOutcome } from '../../src/db/payments.ts';
import { claimHold } from '../../src/db/reservations.ts';
import { sql } from '../../src/db/sql.ts';

/** Reads of the database's truth that tests assert on. */
export const seatRows = (pool: DatabasePool, seatIds: readonly string[]) =>
  pool.any(sql.type(z.object({ id: z.string(), state: z.string(), reservationId: z.string().nullable(), version: z.number() }))`
    SELECT id, state, reservation_id AS "reservationId", version FROM seats WHERE id = ANY(${sql.array([...seatIds], 'uuid')}) ORDER BY id
  `);

export const chargeRows = (pool: DatabasePool, reservationId: string) =>
  pool.any(sql.type(z.object({ status: z.string(), amountCents: z.number(), declineCode: z.string().nullable(), refunded: z.boolean() }))`
    SELECT c.status, c.amount_cents AS "amountCents", c.decline_code AS "declineCode",
           EXISTS (SELECT 1 FROM payment_refunds r WHERE r.charge_id = c.id) AS refunded
    FROM payment_charges c WHERE c.reservation_id = ${reservationId} ORDER BY c.created_at
  `);

export const reservationRow = (pool: DatabasePool, reservationId: string) =>
  pool.one(sql.type(z.object({ status: z.string(), cancelledBy: z.string().nullable(), cancelReason: z.string().nullable(), failureReason: z.string().nullable() }))`
    SELECT status, cancelled_by AS "cancelledBy", cancel_reason AS "cancelReason", failure_reason AS "failureReason"
    FROM reservations WHERE id = ${reservationId}
  `);

/**
 * Sells a hold the way a successful checkout does, without a provider or a workflow: the
 * attempt is opened (PAYING), then settled as charged (CONFIRMED, seats SOLD, a booking).
 */
export async function sellHold(pool: DatabasePool, reservationId: string) {
  const timings = { windowSeconds: 120, followUpSeconds: 600, passiveGraceSeconds: 1 };
  const attempt = await beginPayment(pool, reservationId, timings);
  if (attempt.kind !== 'OPEN') throw new Error(`reservation ${reservationId} cannot be paid: ${attempt.settlement.status}`);
  await recordProviderOutcome(pool, attempt.idempotencyKey, { outcome: 'CHARGED' }, timings);
  const { booking } = await readSettlement(pool, reservationId);
  if (!booking) throw new Error(`reservation ${reservationId} was not confirmed`);
  return booking;
}

/** Makes a seeded event (engine.createEvent) one of the tenant's, with its venue, in `status` (e.g. DRAFT). */
export async function giveEventToTenant(pool: DatabasePool, eventId: string, tenantId: string, status = 'ON_SALE'): Promise<void> {
  await pool.transaction(async (tx) => {
    await tx.query(sql.typeAlias('void')`UPDATE venues SET tenant_id = ${tenantId} WHERE id = (SELECT venue_id FROM events WHERE id = ${eventId})`);
    await tx.query(sql.typeAlias('void')`UPDATE events SET tenant_id = ${tenantId}, status = ${status} WHERE id = ${eventId}`);
  });
}

/** A live GA hold of `seats` places at 25.00 each, made straight in PostgreSQL (a new event and customer): for tests of the payment steps. */
export async function gaHold(pool: DatabasePool, seats: number, label: string) {
  const { eventId, sectionIds } = await createEvent(pool, {
    venueName: `${label} Hall`, name: `${label} ${randomUUID()}`, startsAt: new Date(Date.now() + 86_400_000),
    sections: [{ name: 'Floor', kind: 'GA', priceCents: 2500, capacity: 10 }],
  });
  const customerId = randomUUID();
  await pool.query(sql.typeAlias('void')`INSERT INTO customers (id, email, name, password_hash) VALUES (${customerId}, ${`${customerId}@${label.toLowerCase()}.test`}, 'Payer', 'no-login')`);
  const claimed = await claimHold(pool, { customerId, eventId, sectionId: sectionIds[0], quantity: seats, idempotencyKey: randomUUID(), holdSeconds: 600, passiveGraceSeconds: 1 });
  if (claimed.outcome !== 'CREATED') throw new Error(claimed.outcome);
  return { reservationId: claimed.reservation.id, customerId, eventId };
}
