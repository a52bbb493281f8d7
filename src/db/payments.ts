import { randomUUID } from 'node:crypto';
import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { z } from 'zod';
import type { PaymentStart, Settlement } from '../../workflows/messages.ts';
import { reservationUpdated } from './outbox.ts';
import { bookingReference } from './references.ts';
import { releaseReservation, releaseSeats } from './reservations.ts';
import { sql } from './sql.ts';
import { ReservationStatus } from '../contract/reservations.ts';

/**
 * Durable payment attempts (table payment_intents). The order of a checkout:
 *   1. beginPayment: in one transaction the reservation becomes PAYING and the attempt is
 *      written with the idempotency key the provider will see. Nothing has moved yet.
 *   2. the provider is charged under that key (an activity, outside any transaction);
 *   3. recordProviderOutcome: what the provider says of the key becomes the booking
 *      (SUCCEEDED), a return to HELD (DECLINED, VOIDED), or a refund due (REFUNDING) when the
 *      seats are no longer the reservation's; finishRefund ends the last as FAILED.
 * Every step is idempotent and conditional on the attempt still being where the step expects,
 * so a crash anywhere leaves an attempt that the reservation's workflow (nudged by the
 * reconciler) settles by asking the provider again. Compensation is driven by these rows,
 * never by a workflow's memory.
 */

export type ProviderOutcome =
  | { outcome: 'CHARGED' }
  | { outcome: 'DECLINED'; declineCode: string }
  | { outcome: 'NOT_CHARGED' };

const settlementRow = z.object({
  status: ReservationStatus,
  holdExpiresAt: z.string(),
  booking: z.object({ id: z.string(), reference: z.string(), amountCents: z.number() }).nullable(),
  payment: z.object({
    idempotencyKey: z.string(),
    status: z.enum(['PENDING', 'SUCCEEDED', 'DECLINED', 'VOIDED', 'REFUNDING', 'REFUNDED']),
    amountCents: z.number(),
    declineCode: z.string().nullable(),
  }).nullable(),
});

/** PostgreSQL's truth about a reservation and its latest payment attempt. */
export async function readSettlement(db: CommonQueryMethods, reservationId: string): Promise<Settlement> {
  return db.one(sql.type(settlementRow)`
    SELECT r.status, iso_utc(r.hold_expires_at) AS "holdExpiresAt",
      (SELECT jsonb_build_object('id', b.id, 'reference', b.reference, 'amountCents', b.amount_cents)
       FROM bookings b WHERE b.reservation_id = r.id) AS booking,
      (SELECT jsonb_build_object('idempotencyKey', p.idempotency_key, 'status', p.status, 'amountCents', p.amount_cents, 'declineCode', p.decline_code)
       FROM payment_intents p WHERE p.reservation_id = r.id ORDER BY p.attempt DESC LIMIT 1) AS payment
    FROM reservations r WHERE r.id = ${reservationId}
  `);
}

const openAttemptRow = z.object({ idempotencyKey: z.string(), status: z.enum(['PENDING', 'REFUNDING']), amountCents: z.number() });

/** The reservation's attempt that is not settled yet (PENDING, or REFUNDING), if any. */
export async function openAttempt(db: CommonQueryMethods, reservationId: string) {
  return db.maybeOne(sql.type(openAttemptRow)`
    SELECT idempotency_key AS "idempotencyKey", status, amount_cents AS "amountCents"
    FROM payment_intents WHERE reservation_id = ${reservationId} AND status IN ('PENDING', 'REFUNDING')
  `);
}

export interface PaymentTimings {
  /** How long the seats stay the reservation's while an attempt is open (passive expiry waits). */
  windowSeconds: number;
  /** When the reconciler first looks at an attempt that is still open, or settled but unacknowledged. */
  followUpSeconds: number;
  /** The passive-expiry grace the seats get back when an attempt ends without a booking. */
  passiveGraceSeconds: number;
}

/**
 * Step 1: opens an attempt, if the reservation is a live hold of all its seats. A reservation
 * already PAYING returns its open attempt (a retried step, or a checkout retried after a
 * crash pays under the same key). A hold that lost a seat to passive expiry ends EXPIRED here,
 * before anything is charged.
 */
export async function beginPayment(pool: DatabasePool, reservationId: string, timings: PaymentTimings): Promise<PaymentStart> {
  // one statement, one transaction (migrations/1734093000000: the lock, the checks and the writes)
  const opened = await pool.oneFirst(sql.type(z.object({ opened: z.object({ idempotencyKey: z.string(), amountCents: z.number() }).nullable() }))`
    SELECT begin_payment(${reservationId}, ${timings.windowSeconds}, ${timings.followUpSeconds}) AS opened
  `);
  if (opened) return { kind: 'OPEN', idempotencyKey: opened.idempotencyKey, amountCents: opened.amountCents };
  // not payable: a hold that lost its seats ends here (a no-op for anything else)
  await releaseReservation(pool, { reservationId, outcome: 'EXPIRED', actor: 'system', reason: 'the hold lost its seats before payment' });
  return { kind: 'SETTLED', settlement: await readSettlement(pool, reservationId) };
}

/** An attempt whose charge must be refunded: an open attempt (above) in REFUNDING. */
const refundDueRow = openAttemptRow.extend({ status: z.literal('REFUNDING') });

/**
 * Step 3: turns what the provider says of an attempt's key into PostgreSQL's state, once
 * (a settled attempt is left alone). Charged: the booking, if the reservation still owns all
 * its seats, else a refund due. Declined or never charged: back to HELD, nothing kept.
 * One statement, one transaction (migrations/1734095000000: the locks, the checks and the writes).
 */
export async function recordProviderOutcome(
  pool: DatabasePool, idempotencyKey: string, provider: ProviderOutcome, timings: PaymentTimings,
): Promise<z.infer<typeof refundDueRow> | null> {
  return pool.oneFirst(sql.type(z.object({ refundDue: refundDueRow.nullable() }))`
    SELECT record_provider_outcome(
      ${idempotencyKey}, ${provider.outcome}, ${provider.outcome === 'DECLINED' ? provider.declineCode : null},
      ${timings.passiveGraceSeconds}, ${timings.followUpSeconds}, ${randomUUID()}, ${bookingReference()}
    ) AS "refundDue"
  `);
}

const lockedAttempt = z.object({ status: z.string(), reservationId: z.string(), eventId: z.string(), customerId: z.string() });

/** The attempt and its reservation, locked for the rest of the transaction. */
const lockAttempt = (tx: CommonQueryMethods, idempotencyKey: string) => tx.maybeOne(sql.type(lockedAttempt)`
  SELECT p.status, p.reservation_id AS "reservationId", r.event_id AS "eventId", r.customer_id AS "customerId"
  FROM payment_intents p JOIN reservations r ON r.id = p.reservation_id
  WHERE p.idempotency_key = ${idempotencyKey}
  FOR UPDATE
`);

/** After the provider refunded a REFUNDING attempt: the reservation ends FAILED and frees its seats. */
export async function finishRefund(pool: DatabasePool, idempotencyKey: string, reason: string, timings: PaymentTimings): Promise<void> {
  await pool.transaction(async (tx) => {
    const attempt = await lockAttempt(tx, idempotencyKey);
    if (!attempt || attempt.status !== 'REFUNDING') return;
    await tx.query(sql.typeAlias('void')`
      UPDATE payment_intents SET status = 'REFUNDED', check_after = now() + make_interval(secs => ${timings.followUpSeconds})
      WHERE idempotency_key = ${idempotencyKey}
    `);
    await tx.query(sql.typeAlias('void')`
      UPDATE reservations SET status = 'FAILED', failure_reason = ${reason}, cancelled_by = 'system', updated_at = now()
      WHERE id = ${attempt.reservationId}
    `);
    await releaseSeats(tx, attempt.reservationId, attempt.eventId);
    await reservationUpdated(tx, { reservationId: attempt.reservationId, customerId: attempt.customerId, status: 'FAILED', actor: 'system', reason });
  });
}

/**
 * The reservation's workflow has recorded the outcome of its settled attempts (the caller saw
 * the workflow's answer): the reconciler need not nudge it about them.
 */
export async function acknowledgeSettledAttempts(db: CommonQueryMethods, reservationId: string): Promise<void> {
  await db.query(sql.typeAlias('void')`
    UPDATE payment_intents SET acknowledged_at = now()
    WHERE reservation_id = ${reservationId} AND acknowledged_at IS NULL AND status NOT IN ('PENDING', 'REFUNDING')
  `);
}

/**
 * Attempts due a follow-up (open past their time, or settled without the workflow's
 * acknowledgement), leased to this caller for `leaseSeconds` so concurrent reconcilers split
 * the work. Returns their reservations.
 */
export async function leaseFollowUps(pool: DatabasePool, limit: number, leaseSeconds: number) {
  return pool.any(sql.type(z.object({ idempotencyKey: z.string(), reservationId: z.string(), status: z.string() }))`
    UPDATE payment_intents p SET check_after = now() + make_interval(secs => ${leaseSeconds})
    WHERE p.idempotency_key IN (
      SELECT idempotency_key FROM payment_intents
      WHERE acknowledged_at IS NULL AND check_after <= now()
      ORDER BY check_after LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING p.idempotency_key AS "idempotencyKey", p.reservation_id AS "reservationId", p.status
  `);
}

/** The reservation's workflow is gone (completed), so it has nothing left to learn. */
export async function acknowledgeAttempt(db: CommonQueryMethods, idempotencyKey: string): Promise<void> {
  await db.query(sql.typeAlias('void')`
    UPDATE payment_intents SET acknowledged_at = now()
    WHERE idempotency_key = ${idempotencyKey} AND acknowledged_at IS NULL AND status NOT IN ('PENDING', 'REFUNDING')
  `);
}
