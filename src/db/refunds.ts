import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { z } from 'zod';
import { BookingCancellation } from '../contract/bookings.ts';
import { ReservationStatus } from '../contract/reservations.ts';
import { reservationUpdated, seatsChanged } from './outbox.ts';
import { changedSeat } from './reservations.ts';
import { sql } from './sql.ts';
import { type Actor, recordAudit } from './audit.ts';

/**
 * Cancelling a confirmed booking, in two durable steps around the provider's refund (the same
 * shape as a checkout's payment attempt, src/db/payments.ts):
 *   1. openBookingRefund: one transaction locks the booking, checks the event's policy (for
 *      customers) and writes the refund record (booking_refunds: who, why, the charge's key).
 *      Nothing has moved yet. A second request finds the record: same outcome, nothing new.
 *   2. the provider refunds the charge under its key (an activity of workflows/booking-refund.ts);
 *   3. completeBookingRefund: one transaction frees the seats that still belong to the booking
 *      (version bump + outbox row, as releases do), deletes its booking_seats (so the seat can be
 *      sold again), cancels its tickets, and marks the reservation and the record REFUNDED.
 * Expected outcomes are returned, never thrown, inside the transactions.
 */

const cancellationColumns = sql.fragment`
  b.reference, f.booking_id AS "bookingId", f.reservation_id AS "reservationId", f.status, f.amount_cents AS "amountCents",
  f.requested_by AS "requestedBy", f.reason, iso_utc(f.requested_at) AS "requestedAt", iso_utc(f.completed_at) AS "completedAt"
`;

/** A booking's cancellation record, if it has one. */
export async function bookingCancellation(db: CommonQueryMethods, bookingId: string): Promise<BookingCancellation | null> {
  return db.maybeOne(sql.type(BookingCancellation)`
    SELECT ${cancellationColumns} FROM booking_refunds f JOIN bookings b ON b.id = f.booking_id WHERE f.booking_id = ${bookingId}
  `);
}

export type RefundOpening =
  | { outcome: 'OPENED' | 'EXISTING'; cancellation: BookingCancellation }
  | { outcome: 'NOT_FOUND' }
  | { outcome: 'NOT_REFUNDABLE'; status: ReservationStatus }
  /** The event's policy does not let customers cancel any more (or at all: `cutoffHours` null). */
  | { outcome: 'POLICY'; cutoffHours: number | null; deadline: string | null; startsAt: string }
  /** Some of the booking's tickets were transferred to other customers: only support may cancel it now. */
  | { outcome: 'TRANSFERRED_AWAY'; tickets: number };

const bookingRow = z.object({
  bookingId: z.string(), reservationId: z.string(), amountCents: z.number(), reservationStatus: ReservationStatus,
  startsAt: z.string(), cutoffHours: z.number().nullable(), deadline: z.string().nullable(), withinPolicy: z.boolean(), chargeKey: z.string().nullable(),
  transferredAway: z.number(), eventId: z.string(), tenantId: z.string().nullable(),
});

/**
 * Step 1: the durable record of a cancellation, written before any money moves. `customerId`
 * limits it to that customer's bookings (another's reads as NOT_FOUND); `enforcePolicy` applies
 * the event's cutoff (customers), support cancels at any time.
 */
export async function openBookingRefund(pool: DatabasePool, input: {
  reference: string; customerId?: string; actor: string; reason: string; enforcePolicy: boolean; followUpSeconds: number;
  /** Who asked, for the audit trail (an entry in this transaction when the refund is opened). */
  audit?: Actor;
}): Promise<RefundOpening> {
  return pool.transaction(async (tx): Promise<RefundOpening> => {
    const booking = await tx.maybeOne(sql.type(bookingRow)`
      SELECT b.id AS "bookingId", b.reservation_id AS "reservationId", b.amount_cents AS "amountCents", r.status AS "reservationStatus",
             b.event_id AS "eventId", e.tenant_id AS "tenantId",
             iso_utc(e.starts_at) AS "startsAt", e.refund_cutoff_hours AS "cutoffHours",
             iso_utc(e.starts_at - make_interval(hours => e.refund_cutoff_hours)) AS deadline,
             COALESCE(now() < e.starts_at - make_interval(hours => e.refund_cutoff_hours), false) AS "withinPolicy",
             COALESCE(
               (SELECT p.idempotency_key FROM payment_intents p WHERE p.reservation_id = r.id AND p.status = 'SUCCEEDED'),
               (SELECT c.idempotency_key FROM payment_charges c WHERE c.reservation_id = r.id AND c.status = 'SUCCEEDED')
             ) AS "chargeKey",
             (SELECT count(*) FROM tickets t WHERE t.booking_id = b.id AND t.holder_id IS NOT NULL
                AND t.holder_id <> b.customer_id AND t.state IN ('VALID', 'CHECKED_IN'))::int AS "transferredAway"
      FROM bookings b JOIN reservations r ON r.id = b.reservation_id JOIN events e ON e.id = b.event_id
      WHERE b.reference = ${input.reference} AND (${input.customerId ?? null}::uuid IS NULL OR b.customer_id = ${input.customerId ?? null}::uuid)
      FOR UPDATE OF b
    `);
    if (!booking) return { outcome: 'NOT_FOUND' };
    const earlier = await bookingCancellation(tx, booking.bookingId);
    if (earlier) return { outcome: 'EXISTING', cancellation: earlier };
    if (booking.reservationStatus !== 'CONFIRMED' || (booking.amountCents > 0 && !booking.chargeKey)) {
      return { outcome: 'NOT_REFUNDABLE', status: booking.reservationStatus };
    }
    if (input.enforcePolicy && !booking.withinPolicy) {
      return { outcome: 'POLICY', cutoffHours: booking.cutoffHours, deadline: booking.deadline, startsAt: booking.startsAt };
    }
    // the customer cannot take back tickets they gave away (support can, and cancels those too)
    if (input.enforcePolicy && booking.transferredAway > 0) return { outcome: 'TRANSFERRED_AWAY', tickets: booking.transferredAway };
    await tx.query(sql.typeAlias('void')`
      INSERT INTO booking_refunds (booking_id, reservation_id, charge_key, amount_cents, requested_by, reason, check_after)
      VALUES (${booking.bookingId}, ${booking.reservationId}, ${booking.amountCents > 0 ? booking.chargeKey : null}, ${booking.amountCents},
              ${input.actor}, ${input.reason}, now() + make_interval(secs => ${input.followUpSeconds}))
    `);
    if (input.audit) {
      await recordAudit(tx, input.audit, {
        action: 'booking.refund_requested', bookingId: booking.bookingId, reservationId: booking.reservationId, reason: input.reason,
        eventId: booking.eventId, tenantId: booking.tenantId, details: { amountCents: booking.amountCents, asOwner: input.enforcePolicy },
      });
    }
    return { outcome: 'OPENED', cancellation: (await bookingCancellation(tx, booking.bookingId))! };
  });
}

const refundRecordRow = z.object({
  bookingId: z.string(), status: z.enum(['REQUESTED', 'REFUNDED']), chargeKey: z.string().nullable(), amountCents: z.number(),
  requestedBy: z.string(), reason: z.string(),
});

/** What the refund workflow needs to ask the provider (a missing record is a data error: the API writes it first). */
export async function refundRecord(db: CommonQueryMethods, bookingId: string) {
  return db.one(sql.type(refundRecordRow)`
    SELECT booking_id AS "bookingId", status, charge_key AS "chargeKey", amount_cents AS "amountCents", requested_by AS "requestedBy", reason
    FROM booking_refunds WHERE booking_id = ${bookingId}
  `);
}

/**
 * Step 3, after the provider refunded: frees the booking's seats (only those still its own),
 * cancels its tickets, marks the reservation and the record REFUNDED, and writes the outbox rows
 * (seat map, the customer's reservation update). Idempotent: a REFUNDED record is left alone.
 */
export async function completeBookingRefund(pool: DatabasePool, bookingId: string): Promise<BookingCancellation> {
  await pool.transaction(async (tx) => {
    const record = await tx.one(sql.type(z.object({
      status: z.string(), reservationId: z.string(), eventId: z.string(), customerId: z.string(), reference: z.string(), requestedBy: z.string(), reason: z.string(),
    }))`
      SELECT f.status, f.reservation_id AS "reservationId", b.event_id AS "eventId", b.customer_id AS "customerId", b.reference,
             f.requested_by AS "requestedBy", f.reason
      FROM booking_refunds f JOIN bookings b ON b.id = f.booking_id
      WHERE f.booking_id = ${bookingId}
      FOR UPDATE OF f
    `);
    if (record.status === 'REFUNDED') return;
    const seats = await tx.any(sql.type(changedSeat)`
      UPDATE seats s
      SET state = 'AVAILABLE', reservation_id = NULL, hold_expires_at = NULL, version = s.version + 1, updated_at = now()
      WHERE s.reservation_id = ${record.reservationId} AND s.state = 'SOLD'
      RETURNING s.id, s.section_id AS "sectionId", s.state, s.version
    `);
    // a seat is in at most one live booking (booking_seats' key): this one lets go of its seats
    await tx.query(sql.typeAlias('void')`DELETE FROM booking_seats WHERE booking_id = ${bookingId}`);
    await tx.query(sql.typeAlias('void')`
      UPDATE tickets SET state = 'CANCELLED', cancelled_at = now() WHERE booking_id = ${bookingId} AND state IN ('VALID', 'CHECKED_IN')
    `);
    await tx.query(sql.typeAlias('void')`
      UPDATE reservations SET status = 'REFUNDED', cancelled_by = ${record.requestedBy}, cancel_reason = ${record.reason}, updated_at = now()
      WHERE id = ${record.reservationId}
    `);
    await tx.query(sql.typeAlias('void')`
      UPDATE booking_refunds SET status = 'REFUNDED', completed_at = now() WHERE booking_id = ${bookingId}
    `);
    // a sold-out event has a seat to sell again: back ON_SALE in the same commit, so no claim (a
    // customer's, a waitlist offer's) is refused for SOLD_OUT meanwhile; its workflow adopts the row
    // (workflows/event-lifecycle.ts: SOLD_OUT means every seat sold)
    if (seats.length > 0) {
      await tx.query(sql.typeAlias('void')`UPDATE events SET status = 'ON_SALE', updated_at = now() WHERE id = ${record.eventId} AND status = 'SOLD_OUT'`);
    }
    await seatsChanged(tx, record.eventId, seats);
    await reservationUpdated(tx, {
      reservationId: record.reservationId, customerId: record.customerId, status: 'REFUNDED',
      actor: record.requestedBy, reason: record.reason, bookingReference: record.reference,
    });
  });
  return (await bookingCancellation(pool, bookingId))!;
}

/**
 * REQUESTED refunds past their follow-up time, leased to this caller for `leaseSeconds` (the
 * reconciler makes sure their workflow runs: a crash between a record's commit and its
 * workflow's start leaves one behind). Returns their bookings.
 */
export async function leaseUnfinishedRefunds(pool: DatabasePool, limit: number, leaseSeconds: number) {
  return pool.anyFirst(sql.type(z.object({ bookingId: z.string() }))`
    UPDATE booking_refunds f SET check_after = now() + make_interval(secs => ${leaseSeconds})
    WHERE f.booking_id IN (
      SELECT booking_id FROM booking_refunds WHERE status = 'REQUESTED' AND check_after <= now()
      ORDER BY check_after LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING f.booking_id AS "bookingId"
  `);
}

/** What the refund workflow is started with and found by (its search attributes). */
export async function refundStartFacts(db: CommonQueryMethods, bookingId: string) {
  return db.one(sql.type(z.object({ eventId: z.string(), customerId: z.string(), amountCents: z.number() }))`
    SELECT b.event_id AS "eventId", b.customer_id AS "customerId", f.amount_cents AS "amountCents"
    FROM booking_refunds f JOIN bookings b ON b.id = f.booking_id WHERE f.booking_id = ${bookingId}
  `);
}
