import { randomUUID } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { reservationUpdated, seatsChanged } from './outbox.ts';
import { bookingReference } from './references.ts';
import { changedSeat } from './reservations.ts';
import { sql } from './sql.ts';

/**
 * The payment steps of the first version of the reservation workflow (workflows/legacy/),
 * kept for its workflows still running when the durable payments (payments.ts) were
 * deployed. New workflows never call these. Remove them with the legacy workflow, once no
 * workflow started before `Patches.durablePayments` is running.
 */

/**
 * Marks a hold PAYING while its charge runs, and only if it is still a live hold of all its
 * seats (passive expiry may have handed one to someone else): returns false then, and
 * nothing may be charged. Idempotent.
 */
export async function markPaying(pool: DatabasePool, reservationId: string): Promise<boolean> {
  return pool.transaction(async (tx) => {
    const reservation = await tx.maybeOne(sql.type(z.object({ customerId: z.string(), status: z.string(), seatCount: z.number() }))`
      SELECT customer_id AS "customerId", status, seat_count AS "seatCount" FROM reservations
      WHERE id = ${reservationId} AND status IN ('HELD', 'PAYING')
      FOR UPDATE
    `);
    if (!reservation) return false;
    const live = await tx.oneFirst(sql.type(z.object({ count: z.number() }))`
      SELECT count(*) FROM seats WHERE reservation_id = ${reservationId} AND state = 'HELD' AND hold_expires_at > now()
    `);
    if (live !== reservation.seatCount) return false;
    if (reservation.status === 'PAYING') return true;
    await tx.query(sql.typeAlias('void')`UPDATE reservations SET status = 'PAYING', updated_at = now() WHERE id = ${reservationId}`);
    await reservationUpdated(tx, { reservationId, customerId: reservation.customerId, status: 'PAYING' });
    return true;
  });
}

/** A payment that did not go through: the hold is HELD again (if it is still PAYING). */
export async function markPaymentAbandoned(pool: DatabasePool, reservationId: string): Promise<void> {
  await pool.transaction(async (tx) => {
    const customerId = await tx.maybeOneFirst(sql.type(z.object({ customerId: z.string() }))`
      UPDATE reservations SET status = 'HELD', updated_at = now() WHERE id = ${reservationId} AND status = 'PAYING'
      RETURNING customer_id AS "customerId"
    `);
    if (customerId) await reservationUpdated(tx, { reservationId, customerId, status: 'HELD' });
  });
}

export type ConfirmedBooking = { id: string; reference: string; amountCents: number };

export class SeatsLostError extends Error {
  readonly reservationId: string;
  constructor(reservationId: string) {
    super(`reservation ${reservationId} no longer holds all of its seats`);
    this.reservationId = reservationId;
    this.name = 'SeatsLostError';
  }
}

/**
 * Turns a paid hold into a booking in one transaction: seats SOLD, booking with a short
 * reference, reservation CONFIRMED. Idempotent (a retry returns the same booking). Throws
 * SeatsLostError when the hold no longer owns all its seats (it passively expired).
 */
export async function confirmReservation(pool: DatabasePool, reservationId: string): Promise<ConfirmedBooking> {
  const bookingShape = z.object({ id: z.string(), reference: z.string(), amountCents: z.number().int() });
  const booking = await pool.transaction(async (tx) => {
    const previous = await tx.maybeOne(sql.type(bookingShape)`
      SELECT id, reference, amount_cents AS "amountCents" FROM bookings WHERE reservation_id = ${reservationId}
    `);
    if (previous) return previous;
    const reservation = await tx.maybeOne(sql.type(z.object({ eventId: z.string(), customerId: z.string(), amountCents: z.number(), seatCount: z.number() }))`
      SELECT event_id AS "eventId", customer_id AS "customerId", amount_cents AS "amountCents", seat_count AS "seatCount"
      FROM reservations WHERE id = ${reservationId} AND status IN ('HELD', 'PAYING')
      FOR UPDATE
    `);
    if (!reservation) return null;
    const owned = await tx.anyFirst(sql.type(z.object({ id: z.string() }))`
      SELECT id FROM seats WHERE reservation_id = ${reservationId} AND state = 'HELD' ORDER BY id FOR UPDATE
    `);
    if (owned.length !== reservation.seatCount) return null;
    const seats = await tx.any(sql.type(changedSeat)`
      UPDATE seats s
      SET state = 'SOLD', hold_expires_at = NULL, version = s.version + 1, updated_at = now()
      WHERE s.reservation_id = ${reservationId} AND s.state = 'HELD'
      RETURNING s.id, s.section_id AS "sectionId", s.state, s.version
    `);
    const booking = await tx.one(sql.type(bookingShape)`
      INSERT INTO bookings (id, reference, reservation_id, customer_id, event_id, amount_cents)
      VALUES (${randomUUID()}, ${bookingReference()}, ${reservationId}, ${reservation.customerId}, ${reservation.eventId}, ${reservation.amountCents})
      RETURNING id, reference, amount_cents AS "amountCents"
    `);
    await tx.query(sql.typeAlias('void')`
      INSERT INTO booking_seats (booking_id, seat_id)
      SELECT ${booking.id}, * FROM ${sql.unnest(seats.map((s) => [s.id]), ['uuid'])}
    `);
    await tx.query(sql.typeAlias('void')`
      UPDATE reservations SET status = 'CONFIRMED', updated_at = now() WHERE id = ${reservationId}
    `);
    await seatsChanged(tx, reservation.eventId, seats);
    await reservationUpdated(tx, {
      reservationId,
      customerId: reservation.customerId,
      status: 'CONFIRMED',
      bookingReference: booking.reference,
    });
    return booking;
  });
  if (!booking) throw new SeatsLostError(reservationId);
  return booking;
}
