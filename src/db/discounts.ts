import { randomUUID } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { type AppliedDiscount, DISCOUNT_REFUSALS, DiscountCode, discountOf, type NewDiscountCode } from '../contract/discounts.ts';
import { sql } from './sql.ts';
import { type Actor, recordAudit } from './audit.ts';

/**
 * Discount codes (migrations/1733660000000). A use is a reservation carrying the code that is
 * live (HELD before its deadline, PAYING) or CONFIRMED, counted when the code is applied, under
 * the code's row lock: concurrent checkouts with one code are decided one after the other, and a
 * hold that ends gives its use back with nothing to undo. Outcomes are returned, never thrown
 * inside a transaction (slonik destroys the connection of a transaction that throws).
 */

const codeColumns = sql.fragment`
  d.id, d.event_id AS "eventId", d.code, d.kind, d.value,
  iso_utc(d.valid_from) AS "validFrom", iso_utc(d.valid_until) AS "validUntil", d.max_uses AS "maxUses",
  (SELECT count(*) FROM reservations r WHERE r.discount_code_id = d.id
     AND (r.status IN ('PAYING', 'CONFIRMED') OR (r.status = 'HELD' AND r.hold_expires_at > now())))::int AS uses,
  d.created_by AS "createdBy"
`;

/** A code with what stands in its way now (its window, its uses), if anything. */
const codeNow = DiscountCode.extend({ refusal: z.enum(DISCOUNT_REFUSALS).nullable() });
const codeNowColumns = sql.fragment`${codeColumns},
  CASE WHEN d.valid_from IS NOT NULL AND now() < d.valid_from THEN 'NOT_YET_VALID'
       WHEN d.valid_until IS NOT NULL AND now() >= d.valid_until THEN 'EXPIRED' END AS refusal`;

export type CreateOutcome = { outcome: 'CREATED'; code: DiscountCode } | { outcome: 'DUPLICATE' } | { outcome: 'EVENT_NOT_FOUND' };

/** A new code of the event, recorded as created by `actor` (in the audit trail too, in the same transaction). */
export async function createDiscountCode(pool: DatabasePool, eventId: string, input: NewDiscountCode, actor: Actor): Promise<CreateOutcome> {
  return pool.transaction(async (tx) => {
    const event = await tx.maybeOne(sql.type(z.object({ id: z.string(), tenantId: z.string().nullable() }))`SELECT id, tenant_id AS "tenantId" FROM events WHERE id = ${eventId} FOR SHARE`);
    if (!event) return { outcome: 'EVENT_NOT_FOUND' as const };
    const id = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
      INSERT INTO discount_codes (id, event_id, code, kind, value, valid_from, valid_until, max_uses, created_by)
      VALUES (${randomUUID()}, ${eventId}, ${input.code}, ${input.kind}, ${input.value},
              ${input.validFrom ?? null}::timestamptz, ${input.validUntil ?? null}::timestamptz, ${input.maxUses ?? null}, ${actor.label})
      ON CONFLICT (event_id, code) DO NOTHING
      RETURNING id
    `);
    if (!id) return { outcome: 'DUPLICATE' as const };
    const code = await tx.one(sql.type(DiscountCode)`SELECT ${codeColumns} FROM discount_codes d WHERE d.id = ${id}`);
    await recordAudit(tx, actor, { action: 'discount_code.created', tenantId: event.tenantId, eventId, details: { code: code.code, kind: code.kind, value: code.value, maxUses: code.maxUses } });
    return { outcome: 'CREATED' as const, code };
  });
}

/** The event's codes with their uses now; null when there is no such event. */
export async function listDiscountCodes(pool: DatabasePool, eventId: string): Promise<readonly DiscountCode[] | null> {
  const event = await pool.maybeOneFirst(sql.type(z.object({ id: z.string() }))`SELECT id FROM events WHERE id = ${eventId}`);
  if (!event) return null;
  return pool.any(sql.type(DiscountCode)`SELECT ${codeColumns} FROM discount_codes d WHERE d.event_id = ${eventId} ORDER BY d.created_at, d.code`);
}

/** The code of the event, with what stands in its way now; null when the event has no such code. */
export async function findDiscountCode(pool: DatabasePool, eventId: string, code: string) {
  const found = await pool.maybeOne(sql.type(codeNow)`SELECT ${codeNowColumns} FROM discount_codes d WHERE d.event_id = ${eventId} AND d.code = ${code}`);
  if (!found) return null;
  return { ...found, refusal: found.refusal ?? (found.maxUses !== null && found.uses >= found.maxUses ? 'USED_UP' as const : null) };
}

export type ApplyOutcome =
  | { outcome: 'APPLIED'; discount: AppliedDiscount }
  | { outcome: 'NOT_HELD'; status: string }
  | { outcome: 'UNKNOWN_CODE' }
  | { outcome: 'REFUSED'; refusal: (typeof DISCOUNT_REFUSALS)[number] };

/**
 * Records the code and its discount on a live hold (HELD, before its deadline), if the code is
 * the reservation's event's, in its window, and not used up by other reservations. Applying
 * the code the hold already carries answers the same again; another code replaces it (the old
 * one's use is given back by the count itself).
 */
export async function applyDiscountCode(pool: DatabasePool, input: { reservationId: string; code: string }): Promise<ApplyOutcome> {
  return pool.transaction(async (tx): Promise<ApplyOutcome> => {
    const reservation = await tx.maybeOne(sql.type(z.object({ status: z.string(), live: z.boolean(), eventId: z.string(), amountCents: z.number(), codeId: z.string().nullable() }))`
      SELECT status, hold_expires_at > now() AS live, event_id AS "eventId", amount_cents AS "amountCents", discount_code_id AS "codeId"
      FROM reservations WHERE id = ${input.reservationId}
      FOR UPDATE
    `);
    if (!reservation) return { outcome: 'NOT_HELD', status: 'UNKNOWN' };
    if (reservation.status !== 'HELD' || !reservation.live) return { outcome: 'NOT_HELD', status: reservation.status === 'HELD' ? 'EXPIRED' : reservation.status };
    // the code's row lock: this code's uses are counted and taken one checkout at a time. The count
    // is a statement of its own, after the lock: a statement that waited for a lock still reads
    // with the snapshot it started with, and would miss the uses committed while it waited.
    const locked = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
      SELECT id FROM discount_codes WHERE event_id = ${reservation.eventId} AND code = ${input.code} FOR UPDATE
    `);
    if (!locked) return { outcome: 'UNKNOWN_CODE' };
    const code = await tx.one(sql.type(codeNow)`SELECT ${codeNowColumns} FROM discount_codes d WHERE d.id = ${locked}`);
    if (code.refusal) return { outcome: 'REFUSED', refusal: code.refusal };
    const mine = reservation.codeId === code.id;
    if (!mine && code.maxUses !== null && code.uses >= code.maxUses) return { outcome: 'REFUSED', refusal: 'USED_UP' };
    const discountCents = discountOf(code, reservation.amountCents);
    await tx.query(sql.typeAlias('void')`
      UPDATE reservations SET discount_code_id = ${code.id}, discount_cents = ${discountCents}, updated_at = now() WHERE id = ${input.reservationId}
    `);
    return { outcome: 'APPLIED', discount: { code: code.code, discountCents, amountDueCents: reservation.amountCents - discountCents } };
  });
}
