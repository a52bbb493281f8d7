import { createHash, randomUUID } from 'node:crypto';
import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { z } from 'zod';
import { SeatTakenError } from '../errors.ts';
import { holdClaimBatchSize, holdClaimsTotal } from '../metrics.ts';
import { reservationUpdated, seatsChanged } from './outbox.ts';
import { reservationView } from './reservation-reads.ts';
import { sql } from './sql.ts';

/**
 * Seat ownership. PostgreSQL is the arbiter: a hold claims all its seats in one statement
 * (`claim_hold`, migrations/1733000000000: all or none, the loser learns which seats were
 * taken), and every later change (release, sale) is conditional on the seat still belonging
 * to the reservation. Each change bumps the seat's version and writes an outbox row in the
 * same transaction. Expected outcomes are returned, never thrown inside a transaction: slonik
 * destroys the pooled connection of a callback or query that throws.
 */

export type ReleaseOutcome = 'EXPIRED' | 'CANCELLED' | 'FAILED';

export const changedSeat = z.object({
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

/** What `claim_hold` answers; every case but CREATED and REPLAYED is a refusal with nothing written. */
export const claimOutcome = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('CREATED'), reservation: reservationView }),
  z.object({ outcome: z.literal('REPLAYED'), reservation: reservationView }),
  z.object({ outcome: z.literal('KEY_REUSED'), reservationId: z.string() }),
  z.object({ outcome: z.literal('SEAT_TAKEN'), seatIds: z.array(z.string()).optional(), requested: z.number().optional(), available: z.number().optional() }),
  z.object({ outcome: z.literal('UNKNOWN_SEATS'), seatIds: z.array(z.string()) }),
  z.object({ outcome: z.literal('SECTION_INVALID'), reason: z.enum(['UNKNOWN', 'RESERVED']) }),
  z.object({ outcome: z.literal('EVENT_NOT_FOUND') }),
  z.object({ outcome: z.literal('NOT_ON_SALE'), status: z.string() }),
  z.object({ outcome: z.literal('CUSTOMER_UNKNOWN') }),
  /** The event's per-customer limit: seats already in the customer's live holds (held) and bookings (booked). */
  z.object({ outcome: z.literal('TICKET_LIMIT_REACHED'), limit: z.number(), held: z.number(), booked: z.number(), requested: z.number() }),
]);
export type ClaimOutcome = z.infer<typeof claimOutcome>;
const claimRow = z.object({ result: claimOutcome });

/** The arguments of `claim_hold` (and of one claim in `claim_holds`) for a request. */
function claimArguments(request: HoldRequest) {
  const reserved = 'seatIds' in request;
  return {
    id: randomUUID(),
    customerId: request.customerId,
    eventId: request.eventId,
    seatIds: reserved ? request.seatIds : null,
    sectionId: reserved ? null : request.sectionId,
    quantity: reserved ? null : request.quantity,
    key: request.idempotencyKey,
    fingerprint: requestFingerprint(request),
    holdSeconds: request.holdSeconds,
    graceSeconds: request.passiveGraceSeconds,
  };
}

/**
 * The hold, in one round trip: `claim_hold` checks the key, the event, the customer and the
 * seats, and claims them all or none, with the reservation, its outbox row and the request to
 * start its workflow (the starters in the worker role start it, after the customer's answer).
 */
export async function claimHold(db: CommonQueryMethods, request: HoldRequest): Promise<ClaimOutcome> {
  const a = claimArguments(request);
  return db.oneFirst(sql.type(claimRow)`
    SELECT claim_hold(
      ${a.id}, ${a.customerId}, ${a.eventId}, ${a.seatIds ? sql.array(a.seatIds, 'uuid') : null}::uuid[],
      ${a.sectionId}::uuid, ${a.quantity}::int, ${a.key}, ${a.fingerprint}, ${a.holdSeconds}, ${a.graceSeconds}
    ) AS result
  `);
}

const batchRow = z.object({ result: z.array(z.union([claimOutcome, z.object({ outcome: z.literal('RETRY'), sqlstate: z.string() })])) });

export interface ClaimBatching {
  /** Most claims in one statement (1: every hold is claimed alone, as `claimHold`). At most 60. */
  maxBatch: number;
  /** Claim statements running at once; requests that arrive meanwhile wait and go in the next batch. */
  inFlight: number;
}

/**
 * Holds claimed in batches, as PostgreSQL commits in groups: while `inFlight` claim statements
 * run, the requests that arrive wait, and the next free slot sends all of them (up to
 * `maxBatch`) as one `claim_holds` statement: one round trip, one transaction and one commit for
 * the batch. At low load every hold goes alone, as soon as it arrives, exactly as `claimHold`.
 * A claim the batch could not decide without waiting for a lock (`RETRY`, see
 * migrations/1733650000000) is made again alone, where waiting is safe; so is every claim of a
 * batch whose statement failed. Each request gets the answer `claimHold` would have given it.
 */
export function createClaimBatcher(pool: DatabasePool, { maxBatch, inFlight }: ClaimBatching) {
  type Waiting = { request: HoldRequest; resolve: (outcome: ClaimOutcome) => void; reject: (error: unknown) => void };
  const waiting: Waiting[] = [];
  let running = 0;
  const alone = (w: Waiting, path: 'alone' | 'retried') => {
    holdClaimsTotal.inc({ path });
    return claimHold(pool, w.request).then(w.resolve, w.reject);
  };

  async function send(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return alone(batch[0], 'alone');
    holdClaimsTotal.inc({ path: 'batched' }, batch.length);
    holdClaimBatchSize.observe(batch.length);
    let answers: z.infer<typeof batchRow>['result'] | null = null;
    try {
      answers = await pool.oneFirst(sql.type(batchRow)`SELECT claim_holds(${sql.jsonb(batch.map((w) => claimArguments(w.request)))}) AS result`);
    } catch {
      // the statement itself failed (a lost connection, say): each claim goes alone and reports its own error
    }
    batch.forEach((w, i) => {
      const answer = answers?.[i];
      if (!answer || answer.outcome === 'RETRY') void alone(w, 'retried');
      else w.resolve(answer);
    });
  }

  function pump(): void {
    while (running < inFlight && waiting.length > 0) {
      running += 1;
      void send(waiting.splice(0, maxBatch)).finally(() => {
        running -= 1;
        pump();
      });
    }
  }

  return function claim(request: HoldRequest): Promise<ClaimOutcome> {
    if (maxBatch <= 1) {
      holdClaimsTotal.inc({ path: 'alone' });
      return claimHold(pool, request);
    }
    return new Promise((resolve, reject) => {
      waiting.push({ request, resolve, reject });
      pump();
    });
  };
}

/** A hold, or SeatTakenError: for seeds, tests and benchmarks that hold seats without HTTP. */
export async function createHold(db: CommonQueryMethods, request: HoldRequest): Promise<{ reservationId: string; created: boolean }> {
  const result = await claimHold(db, request);
  if (result.outcome === 'CREATED' || result.outcome === 'REPLAYED') {
    return { reservationId: result.reservation.id, created: result.outcome === 'CREATED' };
  }
  throw new SeatTakenError('seatIds' in result ? result.seatIds ?? [] : [], `the hold was refused: ${result.outcome}`);
}

/** What the hold asks for, independent of seat order; the hold length is not part of it. */
function requestFingerprint(request: HoldRequest): string {
  const asked = 'seatIds' in request
    ? { eventId: request.eventId, seatIds: [...request.seatIds].sort() }
    : { eventId: request.eventId, sectionId: request.sectionId, quantity: request.quantity };
  return createHash('sha256').update(JSON.stringify(asked)).digest('hex');
}

/** Frees whatever seats the reservation still holds (seats passive expiry gave away are not touched). */
export async function releaseSeats(tx: CommonQueryMethods, reservationId: string, eventId: string): Promise<number> {
  const seats = await tx.any(sql.type(changedSeat)`
    UPDATE seats s
    SET state = 'AVAILABLE', reservation_id = NULL, hold_expires_at = NULL, version = s.version + 1, updated_at = now()
    WHERE s.reservation_id = ${reservationId} AND s.state = 'HELD'
    RETURNING s.id, s.section_id AS "sectionId", s.state, s.version
  `);
  await seatsChanged(tx, eventId, seats);
  return seats.length;
}

/**
 * Ends a live hold with the given outcome and releases its seats. Idempotent. A reservation
 * with a payment attempt still open is not live: that attempt is settled first (payments.ts).
 * With `onlyIfDue`, an expiry waits for PostgreSQL's own deadline (an extension may have
 * moved it). Returns false when nothing was ended.
 */
export async function releaseReservation(
  pool: DatabasePool,
  input: { reservationId: string; outcome: ReleaseOutcome; actor?: string; reason?: string; onlyIfDue?: boolean },
): Promise<boolean> {
  return pool.transaction(async (tx) => {
    const reservation = await tx.maybeOne(sql.type(z.object({ eventId: z.string(), customerId: z.string() }))`
      UPDATE reservations r
      SET status = ${input.outcome}, cancelled_by = ${input.actor ?? null}, updated_at = now(),
          cancel_reason = CASE WHEN ${input.outcome} = 'CANCELLED' THEN ${input.reason ?? null} ELSE cancel_reason END,
          failure_reason = CASE WHEN ${input.outcome} = 'FAILED' THEN ${input.reason ?? null} ELSE failure_reason END
      WHERE r.id = ${input.reservationId} AND r.status IN ('HELD', 'PAYING')
        AND NOT EXISTS (SELECT 1 FROM payment_intents p WHERE p.reservation_id = r.id AND p.status IN ('PENDING', 'REFUNDING'))
        AND (${input.onlyIfDue ?? false} = false OR ${input.outcome} <> 'EXPIRED' OR r.hold_expires_at <= now())
      RETURNING event_id AS "eventId", customer_id AS "customerId"
    `);
    if (!reservation) return false;
    await releaseSeats(tx, input.reservationId, reservation.eventId);
    await reservationUpdated(tx, {
      reservationId: input.reservationId,
      customerId: reservation.customerId,
      status: input.outcome,
      actor: input.actor ?? null,
      reason: input.reason ?? null,
    });
    return true;
  });
}

/**
 * Moves a live hold's deadline (the reservation's, and its seats' passive-expiry deadline
 * with the grace on top), in one transaction. Idempotent: the deadline is absolute, chosen by
 * the workflow. Returns false, changing nothing, when the hold is over or lost any seat (passive
 * expiry may already have handed one to someone else).
 */
export async function extendHold(
  pool: DatabasePool,
  input: { reservationId: string; holdExpiresAt: string; passiveGraceSeconds: number; actor?: string },
): Promise<boolean> {
  return pool.transaction(async (tx) => {
    const reservation = await tx.maybeOne(sql.type(z.object({ customerId: z.string(), seatCount: z.number(), liveSeats: z.number() }))`
      SELECT r.customer_id AS "customerId", r.seat_count AS "seatCount",
             (SELECT count(*) FROM seats s WHERE s.reservation_id = r.id AND s.state = 'HELD' AND s.hold_expires_at > now()) AS "liveSeats"
      FROM reservations r WHERE r.id = ${input.reservationId} AND r.status = 'HELD'
      FOR UPDATE OF r
    `);
    if (!reservation || reservation.liveSeats !== reservation.seatCount) return false;
    await tx.query(sql.typeAlias('void')`
      UPDATE reservations
      SET extension_count = extension_count + CASE WHEN hold_expires_at = ${input.holdExpiresAt}::timestamptz THEN 0 ELSE 1 END,
          hold_expires_at = ${input.holdExpiresAt}::timestamptz, updated_at = now()
      WHERE id = ${input.reservationId}
    `);
    await tx.query(sql.typeAlias('void')`
      UPDATE seats
      SET hold_expires_at = ${input.holdExpiresAt}::timestamptz + make_interval(secs => ${input.passiveGraceSeconds}), updated_at = now()
      WHERE reservation_id = ${input.reservationId} AND state = 'HELD'
    `);
    await reservationUpdated(tx, {
      reservationId: input.reservationId,
      customerId: reservation.customerId,
      status: 'HELD',
      holdExpiresAt: input.holdExpiresAt,
      actor: input.actor ?? null,
    });
    return true;
  });
}
