import { createHash, randomUUID } from 'node:crypto';
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

/** A quantity claim that found too few free places without waiting (see createHold). */
class ShortClaim extends Error {}

/** The claimable predicate: free, or held by a hold whose own deadline has passed. */
const claimable = sql.fragment`(s.state = 'AVAILABLE' OR (s.state = 'HELD' AND s.hold_expires_at < now()))`;

/**
 * Creates the reservation and claims its seats in one transaction. Throws SeatTakenError
 * (409) naming the seats that were not claimable; nothing is written then.
 * A repeated idempotency key returns the existing reservation instead.
 */
export async function createHold(pool: DatabasePool, request: HoldRequest): Promise<Hold> {
  const reservationId = randomUUID();
  const fingerprint = requestFingerprint(request);
  const winner = await pool.transaction(async (tx) => {
    // a concurrent request of the same customer with the same key waits here for the first
    // one's commit, then inserts nothing and answers with the first one's reservation
    const inserted = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
      INSERT INTO reservations (id, customer_id, event_id, status, amount_cents, seat_count, hold_expires_at, idempotency_key, request_fingerprint)
      VALUES (${reservationId}, ${request.customerId}, ${request.eventId}, 'HELD', 0, 1,
              now() + make_interval(secs => ${request.holdSeconds}), ${request.idempotencyKey}, ${fingerprint})
      ON CONFLICT (customer_id, idempotency_key) DO NOTHING
      RETURNING id
    `);
    if (!inserted) {
      const earlier = await findByIdempotencyKey(tx, request.customerId, request.idempotencyKey);
      if (earlier.fingerprint !== null && earlier.fingerprint !== fingerprint) {
        throw new AppError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different hold request; use a new key', {
          header: 'Idempotency-Key', reservationId: earlier.id,
        });
      }
      return earlier.id;
    }
    const seatDeadline = sql.fragment`now() + make_interval(secs => ${request.holdSeconds + request.passiveGraceSeconds})`;
    const claim = (db: CommonQueryMethods, wanted: ReturnType<typeof sql.fragment>) => db.any(sql.type(claimedSeat)`
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
    let seats: readonly z.infer<typeof claimedSeat>[];
    if ('seatIds' in request) {
      seats = await claim(tx, sql.fragment`
        SELECT s.id FROM seats s
        WHERE s.event_id = ${request.eventId} AND s.id = ANY(${sql.array(request.seatIds, 'uuid')}) AND ${claimable}
        ORDER BY s.id
        FOR UPDATE`);
    } else {
      const places = (lock: ReturnType<typeof sql.fragment>) => sql.fragment`
        SELECT s.id FROM seats s
        WHERE s.event_id = ${request.eventId} AND s.section_id = ${request.sectionId} AND s.row_label IS NULL AND ${claimable}
        ORDER BY s.id
        LIMIT ${request.quantity}
        ${lock}`;
      // Fast path: skip places other buyers are claiming right now, so buyers of one section
      // do not queue behind each other. Skipped places may still come free (a competing claim
      // can roll back), so a short result is not yet a sold-out answer: undo it (the savepoint
      // releases its row locks) and wait for the in-flight claims instead. Both paths lock in
      // id order, so waiting claims cannot deadlock.
      const fast = await tx.transaction(async (sp) => {
        const got = await claim(sp, places(sql.fragment`FOR UPDATE SKIP LOCKED`));
        if (got.length < request.quantity) throw new ShortClaim();
        return got;
      }).catch((error: unknown) => {
        if (error instanceof ShortClaim) return null;
        throw error;
      });
      seats = fast ?? await claim(tx, places(sql.fragment`FOR UPDATE`));
    }
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

async function findByIdempotencyKey(db: CommonQueryMethods, customerId: string, key: string) {
  // the conflicting insert committed before ours went on (ON CONFLICT waits for it), so it is there
  return db.one(sql.type(z.object({ id: z.string(), fingerprint: z.string().nullable() }))`
    SELECT id, request_fingerprint AS fingerprint FROM reservations WHERE customer_id = ${customerId} AND idempotency_key = ${key}
  `);
}

/** What the hold asks for, independent of seat order; the hold length is not part of it. */
function requestFingerprint(request: HoldRequest): string {
  const asked = 'seatIds' in request
    ? { eventId: request.eventId, seatIds: [...request.seatIds].sort() }
    : { eventId: request.eventId, sectionId: request.sectionId, quantity: request.quantity };
  return createHash('sha256').update(JSON.stringify(asked)).digest('hex');
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

export class HoldNotExtendableError extends Error {
  constructor(reservationId: string) {
    super(`reservation ${reservationId} is no longer a live hold of all its seats`);
    this.name = 'HoldNotExtendableError';
  }
}

/**
 * Moves a live hold's deadline (the reservation's, and its seats' passive-expiry deadline
 * with the grace on top), in one transaction. Idempotent: the deadline is absolute, chosen by
 * the workflow. Throws HoldNotExtendableError when the hold is over or lost any seat, since
 * passive expiry may already have handed a seat to someone else.
 */
export async function extendHold(
  pool: DatabasePool,
  input: { reservationId: string; holdExpiresAt: string; passiveGraceSeconds: number },
): Promise<void> {
  await pool.transaction(async (tx) => {
    const reservation = await tx.maybeOne(sql.type(z.object({ customerId: z.string(), seatCount: z.number() }))`
      UPDATE reservations
      SET extension_count = extension_count + CASE WHEN hold_expires_at = ${input.holdExpiresAt}::timestamptz THEN 0 ELSE 1 END,
          hold_expires_at = ${input.holdExpiresAt}::timestamptz, updated_at = now()
      WHERE id = ${input.reservationId} AND status = 'HELD'
      RETURNING customer_id AS "customerId", seat_count AS "seatCount"
    `);
    if (!reservation) throw new HoldNotExtendableError(input.reservationId);
    const seats = await tx.anyFirst(sql.type(z.object({ id: z.string() }))`
      UPDATE seats
      SET hold_expires_at = ${input.holdExpiresAt}::timestamptz + make_interval(secs => ${input.passiveGraceSeconds}), updated_at = now()
      WHERE reservation_id = ${input.reservationId} AND state = 'HELD' AND hold_expires_at > now()
      RETURNING id
    `);
    if (seats.length !== reservation.seatCount) throw new HoldNotExtendableError(input.reservationId);
    await reservationUpdated(tx, {
      reservationId: input.reservationId,
      customerId: reservation.customerId,
      status: 'HELD',
      holdExpiresAt: input.holdExpiresAt,
    });
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
