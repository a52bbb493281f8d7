import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { z } from 'zod';
import { StaffWaitlistEntry, type WaitlistRound } from '../contract/waitlist.ts';
import { reservationUpdated } from './outbox.ts';
import { claimHold, releaseReservation } from './reservations.ts';
import { tenantOf } from './events.ts';
import { sql } from './sql.ts';

/**
 * Waitlists of sold-out sections (migrations/1733900000000). Joining and leaving are one
 * transaction each; serving the line (`advanceWaitlist`) is the waitlist workflow's activity. An
 * offer is an ordinary hold made with `claim_hold` (the same statement every buyer's hold uses,
 * so PostgreSQL decides between the line and a live buyer, and a seat is never held twice) under
 * the Idempotency-Key `waitlist-offer:<entry id>`, in the transaction that marks the entry
 * OFFERED: the hold and the offer exist together or not at all.
 */

/** Seats of a section a hold could claim now: free, or held past their own deadline (passive expiry). */
const claimable = sql.fragment`(s.state = 'AVAILABLE' OR (s.state = 'HELD' AND s.hold_expires_at < now()))`;

/** An entry as its customer and staff read it; an offer whose hold ended reads as what it became. */
const entryColumns = sql.fragment`
  w.id, w.event_id AS "eventId", e.name AS "eventName", w.section_id AS "sectionId", sec.name AS "sectionName", w.quantity,
  CASE WHEN w.status = 'OFFERED' AND r.status IN ('CONFIRMED', 'REFUNDED') THEN 'BOOKED'
       WHEN w.status = 'OFFERED' AND r.status IN ('EXPIRED', 'CANCELLED', 'FAILED') THEN 'LAPSED'
       ELSE w.status END AS status,
  CASE WHEN w.status = 'WAITING' THEN (SELECT count(*)::int FROM waitlist_entries o WHERE o.section_id = w.section_id AND o.status = 'WAITING' AND o.seq <= w.seq) END AS position,
  iso_utc(w.created_at) AS "joinedAt", iso_utc(w.closed_at) AS "closedAt", w.close_reason AS "closeReason",
  CASE WHEN r.id IS NULL THEN NULL ELSE jsonb_build_object(
    'reservationId', r.id, 'status', reservation_view(r.id)->>'status', 'holdExpiresAt', iso_utc(r.hold_expires_at), 'amountCents', r.amount_cents,
    'seatLabels', COALESCE((SELECT jsonb_agg(s.label ORDER BY s.label) FROM reservation_seats rs JOIN seats s ON s.id = rs.seat_id WHERE rs.reservation_id = r.id), '[]'::jsonb)
  ) END AS offer,
  w.customer_id AS "customerId", c.email AS "customerEmail"`;
const entryFrom = sql.fragment`
  waitlist_entries w JOIN events e ON e.id = w.event_id JOIN sections sec ON sec.id = w.section_id
  JOIN customers c ON c.id = w.customer_id LEFT JOIN reservations r ON r.id = w.reservation_id`;

/** Asks the section's waitlist workflow to look at its line (the waker signals it: src/waitlist/waker.ts). */
async function requestWakeup(tx: CommonQueryMethods, eventId: string, sectionId: string): Promise<void> {
  await tx.query(sql.typeAlias('void')`
    INSERT INTO waitlist_wakeups (section_id, event_id) VALUES (${sectionId}, ${eventId})
    ON CONFLICT (section_id) DO UPDATE SET requested_at = clock_timestamp(), next_attempt_at = now()
  `);
}

const strip = ({ customerId: _c, customerEmail: _e, ...entry }: StaffWaitlistEntry) => entry;

export async function readEntry(db: CommonQueryMethods, entryId: string) {
  const row = await db.one(sql.type(StaffWaitlistEntry)`SELECT ${entryColumns} FROM ${entryFrom} WHERE w.id = ${entryId}`);
  return strip(row);
}

export type JoinOutcome =
  | { outcome: 'JOINED' | 'ALREADY_JOINED'; entryId: string }
  | { outcome: 'SECTION_NOT_FOUND' }
  | { outcome: 'NOT_ON_SALE'; status: string }
  | { outcome: 'SEATS_AVAILABLE'; available: number };

/**
 * Puts the customer in the section's line, unless enough seats are free to buy now. A customer
 * already in line (waiting or offered) keeps their place. The join also asks the section's
 * workflow to look at the line: seats that came free while the customer was deciding are offered.
 */
export async function joinWaitlist(pool: DatabasePool, input: { entryId: string; customerId: string; eventId: string; sectionId: string; quantity: number }): Promise<JoinOutcome> {
  return pool.transaction(async (tx) => {
    const section = await tx.maybeOne(sql.type(z.object({ status: z.string(), available: z.number() }))`
      SELECT e.status, (SELECT count(*)::int FROM seats s WHERE s.section_id = sec.id AND ${claimable}) AS available
      FROM sections sec JOIN events e ON e.id = sec.event_id
      WHERE sec.id = ${input.sectionId} AND sec.event_id = ${input.eventId} AND e.status <> 'DRAFT'
    `);
    if (!section) return { outcome: 'SECTION_NOT_FOUND' };
    // a sold-out event is what a line is for (SOLD_OUT: every seat sold, the sale still open)
    if (section.status !== 'ON_SALE' && section.status !== 'SOLD_OUT') return { outcome: 'NOT_ON_SALE', status: section.status };
    const existing = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
      SELECT id FROM waitlist_entries WHERE section_id = ${input.sectionId} AND customer_id = ${input.customerId} AND status IN ('WAITING', 'OFFERED')
    `);
    if (existing) return { outcome: 'ALREADY_JOINED', entryId: existing };
    if (section.available >= input.quantity) return { outcome: 'SEATS_AVAILABLE', available: section.available };
    const joined = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
      INSERT INTO waitlist_entries (id, event_id, section_id, customer_id, quantity)
      VALUES (${input.entryId}, ${input.eventId}, ${input.sectionId}, ${input.customerId}, ${input.quantity})
      ON CONFLICT (section_id, customer_id) WHERE status IN ('WAITING', 'OFFERED') DO NOTHING
      RETURNING id
    `);
    if (!joined) {
      // a twin request of the same customer joined first
      const twin = await tx.oneFirst(sql.type(z.object({ id: z.string() }))`
        SELECT id FROM waitlist_entries WHERE section_id = ${input.sectionId} AND customer_id = ${input.customerId} AND status IN ('WAITING', 'OFFERED')
      `);
      return { outcome: 'ALREADY_JOINED', entryId: twin };
    }
    await requestWakeup(tx, input.eventId, input.sectionId);
    return { outcome: 'JOINED', entryId: joined };
  });
}

/**
 * Takes the customer out of the section's line. Answers the entry's id and, when it held an
 * offer still open, the offer's reservation (the caller cancels that hold: the seats go on).
 */
export async function leaveWaitlist(pool: DatabasePool, input: { customerId: string; eventId: string; sectionId: string }): Promise<{ entryId: string; openOffer: string | null } | null> {
  return pool.transaction(async (tx) => {
    // locked first: an offer being made for this entry commits before we read it (and its hold is cancelled)
    const left = await tx.maybeOne(sql.type(z.object({ entryId: z.string(), reservationId: z.string().nullable() }))`
      SELECT id AS "entryId", reservation_id AS "reservationId" FROM waitlist_entries
      WHERE section_id = ${input.sectionId} AND event_id = ${input.eventId} AND customer_id = ${input.customerId} AND status IN ('WAITING', 'OFFERED')
      FOR UPDATE
    `);
    if (!left) return null;
    await tx.query(sql.typeAlias('void')`
      UPDATE waitlist_entries SET status = 'LEFT', closed_at = now(), close_reason = 'left the waitlist' WHERE id = ${left.entryId}
    `);
    const live = left.reservationId !== null && (await tx.oneFirst(sql.type(z.object({ live: z.boolean() }))`
      SELECT status IN ('HELD', 'PAYING') AS live FROM reservations WHERE id = ${left.reservationId}
    `));
    // whoever is behind may now be served (the head of the line may have been waiting for more seats)
    await requestWakeup(tx, input.eventId, input.sectionId);
    return { entryId: left.entryId, openOffer: live ? left.reservationId : null };
  });
}

/** The customer's entries, the live ones first, then the latest closed ones (at most 50). */
export async function customerEntries(db: CommonQueryMethods, customerId: string) {
  const rows = await db.any(sql.type(StaffWaitlistEntry)`
    SELECT ${entryColumns} FROM ${entryFrom}
    WHERE w.customer_id = ${customerId}
    ORDER BY (w.status IN ('WAITING', 'OFFERED')) DESC, w.created_at DESC LIMIT 50
  `);
  return rows.map(strip);
}

/**
 * An event's lines for staff, in order (section, then join order): every event for support and
 * admins, only their tenant's for an organizer (another's reads as missing: null).
 */
export async function eventWaitlist(db: CommonQueryMethods, eventId: string, audience: { organizerId: string } | { staff: true }) {
  const scope = 'organizerId' in audience ? sql.fragment`e.tenant_id = ${tenantOf({ organizerId: audience.organizerId })}` : sql.fragment`TRUE`;
  const found = await db.maybeOneFirst(sql.type(z.object({ id: z.string() }))`SELECT id FROM events e WHERE e.id = ${eventId} AND ${scope}`);
  if (!found) return null;
  return db.any(sql.type(StaffWaitlistEntry)`
    SELECT ${entryColumns} FROM ${entryFrom}
    WHERE w.event_id = ${eventId}
    ORDER BY sec.sort_order, sec.name, w.seq LIMIT 2000
  `);
}

/** Sections with someone in line (waiting, or holding an offer) among those where seats came free: their workflows are woken. */
export async function wakeWaitlistsOf(pool: DatabasePool, sectionIds: readonly string[]): Promise<number> {
  if (sectionIds.length === 0) return 0;
  const woken = await pool.anyFirst(sql.type(z.object({ sectionId: z.string() }))`
    INSERT INTO waitlist_wakeups (section_id, event_id)
    SELECT DISTINCT w.section_id, w.event_id FROM waitlist_entries w
    WHERE w.section_id = ANY(${sql.array([...sectionIds], 'uuid')}) AND w.status IN ('WAITING', 'OFFERED')
    ON CONFLICT (section_id) DO UPDATE SET requested_at = clock_timestamp(), next_attempt_at = now()
    RETURNING section_id AS "sectionId"
  `);
  return woken.length;
}

const dueWakeup = z.object({ sectionId: z.string(), eventId: z.string(), requestedAt: z.string(), attempts: z.number() });
export type DueWakeup = z.infer<typeof dueWakeup>;

/** Leases due wakeups for `leaseSeconds` (shared by every waker: SKIP LOCKED). */
export async function leaseWakeups(pool: DatabasePool, limit: number, leaseSeconds: number): Promise<DueWakeup[]> {
  return [...await pool.any(sql.type(dueWakeup)`
    UPDATE waitlist_wakeups ww SET next_attempt_at = now() + make_interval(secs => ${leaseSeconds}), attempts = ww.attempts + 1
    WHERE ww.section_id IN (
      SELECT section_id FROM waitlist_wakeups WHERE next_attempt_at <= now() ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING ww.section_id AS "sectionId", ww.event_id AS "eventId", ww.requested_at::text AS "requestedAt", ww.attempts
  `)];
}

/** Deletes a wakeup once its workflow was signalled, unless it was requested again meanwhile. */
export async function completeWakeup(pool: DatabasePool, wakeup: DueWakeup): Promise<void> {
  await pool.query(sql.typeAlias('void')`
    DELETE FROM waitlist_wakeups WHERE section_id = ${wakeup.sectionId} AND requested_at = ${wakeup.requestedAt}::timestamptz
  `);
}

/** A wakeup whose signal failed: tried again after a backoff. */
export async function postponeWakeup(pool: DatabasePool, wakeup: DueWakeup, delaySeconds: number): Promise<void> {
  await pool.query(sql.typeAlias('void')`
    UPDATE waitlist_wakeups SET next_attempt_at = now() + make_interval(secs => ${delaySeconds})
    WHERE section_id = ${wakeup.sectionId} AND requested_at = ${wakeup.requestedAt}::timestamptz
  `);
}

// ------------------------------------------------------------------ serving the line

const waitingEntry = z.object({ id: z.string(), customerId: z.string(), quantity: z.number().int(), kind: z.enum(['RESERVED', 'GA']) });
const openOffer = z.object({ entryId: z.string(), reservationId: z.string(), status: z.string(), holdExpiresAt: z.number(), due: z.boolean() });
/** How many times an offer of reserved seats is tried again when a live buyer took a chosen seat first. */
const RESERVED_PICK_ATTEMPTS = 3;
/** When an offer past its deadline cannot be ended yet (its payment is being settled), look again this much later. */
const RECHECK_MS = 2_000;

async function closeOffer(db: CommonQueryMethods, entryId: string, status: 'BOOKED' | 'LAPSED', reason: string): Promise<void> {
  await db.query(sql.typeAlias('void')`
    UPDATE waitlist_entries SET status = ${status}, closed_at = now(), close_reason = ${reason} WHERE id = ${entryId} AND status = 'OFFERED'
  `);
}

type OfferOutcome = 'OFFERED' | 'SKIPPED' | 'STOP';

/** One offer, in one transaction: the hold (claim_hold, as every buyer's) and the entry OFFERED, or nothing. */
async function offerTo(pool: DatabasePool, entry: z.infer<typeof waitingEntry>, input: { eventId: string; sectionId: string; offerSeconds: number; passiveGraceSeconds: number }): Promise<{ outcome: OfferOutcome; reservationId?: string }> {
  for (let attempt = 1; attempt <= RESERVED_PICK_ATTEMPTS; attempt++) {
    const answer = await pool.transaction(async (tx): Promise<{ outcome: OfferOutcome | 'RETRY'; reservationId?: string }> => {
      // the entry is locked while its offer is made: a leave waits for it, and then cancels the hold
      const still = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
        SELECT id FROM waitlist_entries WHERE id = ${entry.id} AND status = 'WAITING' FOR UPDATE
      `);
      if (!still) return { outcome: 'SKIPPED' };
      let seats: { seatIds: string[] } | { sectionId: string; quantity: number };
      if (entry.kind === 'RESERVED') {
        // the free seats of the section in row order (no locks here: claim_hold locks and decides)
        const seatIds = await tx.anyFirst(sql.type(z.object({ id: z.string() }))`
          SELECT s.id FROM seats s WHERE s.section_id = ${input.sectionId} AND s.row_label IS NOT NULL AND ${claimable}
          ORDER BY s.row_label, s.seat_number LIMIT ${entry.quantity}
        `);
        if (seatIds.length < entry.quantity) return { outcome: 'STOP' };
        seats = { seatIds: [...seatIds] };
      } else {
        seats = { sectionId: input.sectionId, quantity: entry.quantity };
      }
      const claimed = await claimHold(tx, {
        customerId: entry.customerId, eventId: input.eventId, ...seats,
        idempotencyKey: `waitlist-offer:${entry.id}`, holdSeconds: input.offerSeconds, passiveGraceSeconds: input.passiveGraceSeconds,
      });
      let reservationId: string;
      switch (claimed.outcome) {
        case 'CREATED':
        case 'REPLAYED':
          reservationId = claimed.reservation.id;
          break;
        case 'KEY_REUSED':
          reservationId = claimed.reservationId;
          break;
        case 'SEAT_TAKEN':
          // a live buyer (or another hold) got there first: PostgreSQL decided, nothing was written
          return { outcome: entry.kind === 'RESERVED' ? 'RETRY' : 'STOP' };
        case 'TICKET_LIMIT_REACHED':
        case 'CUSTOMER_UNKNOWN':
          await tx.query(sql.typeAlias('void')`
            UPDATE waitlist_entries SET status = 'LAPSED', closed_at = now(),
              close_reason = ${claimed.outcome === 'TICKET_LIMIT_REACHED' ? "the offer would exceed the event's ticket limit for this customer" : 'the account no longer exists'}
            WHERE id = ${entry.id}
          `);
          return { outcome: 'SKIPPED' };
        default:
          // the event is no longer on sale, or the section changed: nobody can be offered now
          return { outcome: 'STOP' };
      }
      await tx.query(sql.typeAlias('void')`
        UPDATE waitlist_entries SET status = 'OFFERED', reservation_id = ${reservationId}, offered_at = now() WHERE id = ${entry.id}
      `);
      await reservationUpdated(tx, { reservationId, customerId: entry.customerId, status: 'HELD', actor: 'waitlist', reason: 'seats offered from the waitlist' });
      return { outcome: 'OFFERED', reservationId };
    });
    if (answer.outcome !== 'RETRY') return answer as { outcome: OfferOutcome; reservationId?: string };
  }
  return { outcome: 'STOP' };
}

/**
 * One round of a section's waitlist (the waitlist workflow's activity; idempotent):
 * 1. offers whose hold ended are closed: BOOKED when paid, LAPSED otherwise; an offer past its
 *    deadline is ended here and now (`releaseReservation`, as the hold's own timer would: whichever
 *    comes first, the other changes nothing), so its seats pass on at once;
 * 2. the line is served in join order: while enough seats are free for the first one waiting, they
 *    are offered as a hold; the line stops at the first customer who cannot be served (order is kept).
 * Answers what it did and when to look again (the earliest deadline of an open offer).
 */
export async function advanceWaitlist(pool: DatabasePool, input: { eventId: string; sectionId: string; offerSeconds: number; passiveGraceSeconds: number }): Promise<WaitlistRound> {
  const round: WaitlistRound = { offered: [], lapsed: 0, booked: 0, openOffers: 0, waiting: 0, nextCheckAt: null };
  const offers = () => pool.any(sql.type(openOffer)`
    SELECT w.id AS "entryId", r.id AS "reservationId", r.status, r.hold_expires_at AS "holdExpiresAt", r.hold_expires_at <= now() AS due
    FROM waitlist_entries w JOIN reservations r ON r.id = w.reservation_id
    WHERE w.section_id = ${input.sectionId} AND w.status = 'OFFERED'
  `);
  for (const offer of await offers()) {
    if (offer.status === 'HELD' && offer.due) {
      await releaseReservation(pool, { reservationId: offer.reservationId, outcome: 'EXPIRED', actor: 'waitlist', reason: 'the waitlist offer expired', onlyIfDue: true });
    }
  }
  let nextCheck = Number.POSITIVE_INFINITY;
  for (const offer of await offers()) {
    if (offer.status === 'CONFIRMED' || offer.status === 'REFUNDED') {
      await closeOffer(pool, offer.entryId, 'BOOKED', 'the offer was booked');
      round.booked++;
    } else if (offer.status === 'EXPIRED' || offer.status === 'CANCELLED' || offer.status === 'FAILED') {
      await closeOffer(pool, offer.entryId, 'LAPSED', offer.status === 'EXPIRED' ? 'the offer expired' : `the offer's hold was ${offer.status.toLowerCase()}`);
      round.lapsed++;
    } else {
      round.openOffers++;
      // a payment in flight past the deadline settles first: look again shortly
      nextCheck = Math.min(nextCheck, offer.due ? Date.now() + RECHECK_MS : offer.holdExpiresAt);
    }
  }

  const line = await pool.any(sql.type(waitingEntry)`
    SELECT w.id, w.customer_id AS "customerId", w.quantity, sec.kind
    FROM waitlist_entries w JOIN sections sec ON sec.id = w.section_id
    WHERE w.section_id = ${input.sectionId} AND w.status = 'WAITING' ORDER BY w.seq LIMIT 200
  `);
  let served = 0;
  for (const entry of line) {
    const free = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM seats s WHERE s.section_id = ${input.sectionId} AND ${claimable}
    `);
    if (free < entry.quantity) break;
    const { outcome, reservationId } = await offerTo(pool, entry, input);
    if (outcome === 'STOP') break;
    served++;
    if (outcome === 'OFFERED' && reservationId) {
      round.offered.push(reservationId);
      round.openOffers++;
      const deadline = await pool.oneFirst(sql.type(z.object({ at: z.number() }))`SELECT hold_expires_at AS at FROM reservations WHERE id = ${reservationId}`);
      nextCheck = Math.min(nextCheck, deadline);
    }
  }
  round.waiting = line.length - served;
  round.nextCheckAt = Number.isFinite(nextCheck) ? new Date(nextCheck).toISOString() : null;
  return round;
}
