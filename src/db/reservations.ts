import { randomUUID } from 'node:crypto';
import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { sql } from './sql.ts';
import { z } from 'zod';
import { AppError, SeatTakenError } from '../errors.ts';
import { bookingReference } from './references.ts';
import { seatsChanged, reservationUpdated } from './outbox.ts';

/**
 * Seat ownership. PostgreSQL is the arbiter: a hold claims all its seats in one conditional
 * statement (all or none, the loser learns which seats were taken), and every later change
 * (release, sale) is conditional on the seat still belonging to the reservation.
 * Each change bumps the seat's version and writes an outbox row in the same transaction.
 */

export type ReleaseOutcome = 'EXPIRED' | 'CANCELLED' | 'FAILED';

const claimedSeat = z.object({
  id: z.string().uuid(),
  sectionId: z.string().uuid(),
  state: z.literal('HELD'),
  version: z.number().int(),
  priceCents: z.number().int(),
});

const changedSeat = z.object({
  id: z.string().uuid(),
  sectionId: z.string().uuid(),
  state: z.enum(['AVAILABLE', 'HELD', 'SOLD']),
  version: z.number().int(),
});

export type HoldRequest = {
  customerId: string;
  eventId: string;
  idempotencyKey: string;
  holdSeconds: number;
  /** Extra life of the seat rows past the workflow's deadline (passive expiry). */
  passiveGraceSeconds: number;
} & ({ seatIds: string[] } | { sectionId: string; quantity: number });

export type Hold = {
  reservationId: string;
  created: boolean;
};

/** The claimable predicate: free, or held by a hold whose own deadline has passed. */
const claimable = sql.fragment`(s.state = 'AVAILABLE' OR (s.state = 'HELD' AND s.hold_expires_at < now()))`;

/**
 * Creates the reservation and claims its seats in one transaction. Throws SeatTakenError
 * (409) naming the seats that were not claimable; nothing is written then.
 * A repeated idempotency key returns the existing reservation instead.
 */
export async function createHold(pool: DatabasePool, request: HoldRequest): Promise<Hold> {
  const reservationId = randomUUID();
  const winner = await pool.transaction(async (tx) => {
    // a concurrent request of the same customer with the same key waits here for the first
    // one's commit, then inserts nothing and answers with the first one's reservation
    const inserted = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
      INSERT INTO reservations (id, customer_id, event_id, status, amount_cents, seat_count, hold_expires_at, idempotency_key)
      VALUES (${reservationId}, ${request.customerId}, ${request.eventId}, 'HELD', 0, 1,
              now() + make_interval(secs => ${request.holdSeconds}), ${request.idempotencyKey})
      ON CONFLICT (customer_id, idempotency_key) DO NOTHING
      RETURNING id
    `);
    if (!inserted) return findByIdempotencyKey(tx, request.customerId, request.idempotencyKey);
    const seatDeadline = sql.fragment`now() + make_interval(secs => ${request.holdSeconds + request.passiveGraceSeconds})`;
    const wanted =
      'seatIds' in request
        ? sql.fragment`
            SELECT s.id FROM seats s
            WHERE s.event_id = ${request.eventId} AND s.id = ANY(${sql.array(request.seatIds, 'uuid')}) AND ${claimable}
            ORDER BY s.id
            FOR UPDATE`
        : sql.fragment`
            SELECT s.id FROM seats s
            WHERE s.event_id = ${request.eventId} AND s.section_id = ${request.sectionId} AND s.row_label IS NULL AND ${claimable}
            ORDER BY s.id
            LIMIT ${request.quantity}
            FOR UPDATE SKIP LOCKED`;
    const seats = await tx.any(sql.type(claimedSeat)`
      WITH wanted AS (${wanted}),
      claimed AS (
        UPDATE seats s
        SET state = 'HELD', reservation_id = ${reservationId}, hold_expires_at = ${seatDeadline},
            version = s.version + 1, updated_at = now()
        FROM wanted WHERE s.id = wanted.id
        RETURNING s.id, s.section_id, s.state, s.version
      )
      SELECT c.id, c.section_id AS "sectionId", c.state, c.version, sec.price_cents AS "priceCents"
      FROM claimed c JOIN sections sec ON sec.id = c.section_id
    `);
    const wantedCount = 'seatIds' in request ? request.seatIds.length : request.quantity;
    if (seats.length < wantedCount) {
      if ('seatIds' in request) {
        const got = new Set(seats.map((s) => s.id));
        throw new SeatTakenError(request.seatIds.filter((id) => !got.has(id)));
      }
      throw new AppError(409, 'SEAT_TAKEN', `only ${seats.length} places are left in this section`, {
        sectionId: request.sectionId,
        requested: request.quantity,
        available: seats.length,
        seatIds: [],
      });
    }
    const amount = seats.reduce((sum, s) => sum + s.priceCents, 0);
    await tx.query(sql.typeAlias('void')`
      UPDATE reservations SET amount_cents = ${amount}, seat_count = ${seats.length} WHERE id = ${reservationId}
    `);
    await tx.query(sql.typeAlias('void')`
      INSERT INTO reservation_seats (reservation_id, seat_id, price_cents)
      SELECT ${reservationId}, * FROM ${sql.unnest(seats.map((s) => [s.id, s.priceCents]), ['uuid', 'int4'])}
    `);
    await seatsChanged(tx, request.eventId, seats);
    return null;
  });
  if (winner) return { reservationId: winner, created: false };
  return { reservationId, created: true };
}

async function findByIdempotencyKey(db: CommonQueryMethods, customerId: string, key: string): Promise<string | null> {
  return db.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM reservations WHERE customer_id = ${customerId} AND idempotency_key = ${key}
  `);
}

/**
 * Releases whatever seats the reservation still holds and ends it with the given outcome.
 * Idempotent, and conditional on ownership: seats that passive expiry gave to someone else
 * are not touched. Returns the seats released.
 */
export async function releaseReservation(
  pool: DatabasePool,
  input: { reservationId: string; outcome: ReleaseOutcome; actor?: string; reason?: string },
): Promise<number> {
  return pool.transaction(async (tx) => {
    const reservation = await tx.maybeOne(sql.type(z.object({ eventId: z.string(), customerId: z.string(), status: z.string() }))`
      UPDATE reservations
      SET status = ${input.outcome}, cancelled_by = ${input.actor ?? null}, updated_at = now(),
          cancel_reason = CASE WHEN ${input.outcome} = 'CANCELLED' THEN ${input.reason ?? null} ELSE cancel_reason END,
          failure_reason = CASE WHEN ${input.outcome} = 'FAILED' THEN ${input.reason ?? null} ELSE failure_reason END
      WHERE id = ${input.reservationId} AND status IN ('HELD', 'PAYING')
      RETURNING event_id AS "eventId", customer_id AS "customerId", status
    `);
    if (!reservation) return 0;
    const seats = await tx.any(sql.type(changedSeat)`
      UPDATE seats s
      SET state = 'AVAILABLE', reservation_id = NULL, hold_expires_at = NULL, version = s.version + 1, updated_at = now()
      WHERE s.reservation_id = ${input.reservationId} AND s.state = 'HELD'
      RETURNING s.id, s.section_id AS "sectionId", s.state, s.version
    `);
    await seatsChanged(tx, reservation.eventId, seats);
    await reservationUpdated(tx, {
      reservationId: input.reservationId,
      customerId: reservation.customerId,
      status: input.outcome,
      actor: input.actor ?? null,
      reason: input.reason ?? null,
    });
    return seats.length;
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
  return pool.transaction(async (tx) => {
    const previous = await tx.maybeOne(sql.type(bookingShape)`
      SELECT id, reference, amount_cents AS "amountCents" FROM bookings WHERE reservation_id = ${reservationId}
    `);
    if (previous) return previous;
    const reservation = await tx.maybeOne(sql.type(z.object({ eventId: z.string(), customerId: z.string(), amountCents: z.number(), seatCount: z.number() }))`
      SELECT event_id AS "eventId", customer_id AS "customerId", amount_cents AS "amountCents", seat_count AS "seatCount"
      FROM reservations WHERE id = ${reservationId} AND status IN ('HELD', 'PAYING')
      FOR UPDATE
    `);
    if (!reservation) throw new SeatsLostError(reservationId);
    const seats = await tx.any(sql.type(changedSeat)`
      UPDATE seats s
      SET state = 'SOLD', hold_expires_at = NULL, version = s.version + 1, updated_at = now()
      WHERE s.reservation_id = ${reservationId} AND s.state = 'HELD'
      RETURNING s.id, s.section_id AS "sectionId", s.state, s.version
    `);
    if (seats.length !== reservation.seatCount) throw new SeatsLostError(reservationId);
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
}
