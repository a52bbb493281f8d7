import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createEvent } from '../../src/db/events.ts';
import { claimHold, createClaimBatcher, type ClaimOutcome, type HoldRequest } from '../../src/db/reservations.ts';
import { sql } from '../../src/db/sql.ts';
import { holdClaimsTotal } from '../../src/metrics.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * Holds claimed in batches (createClaimBatcher, `claim_holds` of migrations/1733650000000),
 * against PostgreSQL: each request gets the answer it would get alone, whatever it shares a
 * statement with, and a claim that would wait for a lock inside a batch is made again alone.
 */
let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('claim_batches'); });
afterAll(async () => { await db?.drop(); });

async function customers(n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  await db.pool.query(sql.typeAlias('void')`
    INSERT INTO customers (id, email, name, password_hash)
    SELECT id, id::text || '@batch.test', 'Batch Buyer', 'no-login' FROM ${sql.unnest(ids.map((id) => [id]), ['uuid'])} AS t(id)
  `);
  return ids;
}

async function sale() {
  const { eventId, sectionIds } = await createEvent(db.pool, {
    venueName: 'Batch Hall', name: `Batch ${randomUUID()}`, startsAt: new Date(Date.now() + 86_400_000),
    sections: [
      { name: 'Floor', kind: 'GA', priceCents: 2500, capacity: 40 },
      { name: 'Stalls', kind: 'RESERVED', priceCents: 4000, rows: 2, seatsPerRow: 10 },
    ],
  });
  const seatIds = await db.pool.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM seats WHERE section_id = ${sectionIds[1]} ORDER BY row_label, seat_number
  `);
  return { eventId, floor: sectionIds[0], seatIds: [...seatIds] };
}

const request = (customerId: string, eventId: string, asked: { seatIds: string[] } | { sectionId: string; quantity: number }, key: string = randomUUID()): HoldRequest =>
  ({ customerId, eventId, idempotencyKey: key, holdSeconds: 600, passiveGraceSeconds: 1, ...asked });

/** PostgreSQL's truth of an event: which reservation holds each seat, and every live reservation's seat count. */
async function truth(eventId: string) {
  const seats = await db.pool.any(sql.type(z.object({ id: z.string(), reservationId: z.string().nullable() }))`
    SELECT id, reservation_id AS "reservationId" FROM seats WHERE event_id = ${eventId} AND state = 'HELD'
  `);
  const reservations = await db.pool.any(sql.type(z.object({ id: z.string(), seatCount: z.number(), owned: z.number() }))`
    SELECT r.id, r.seat_count AS "seatCount", (SELECT count(*) FROM seats s WHERE s.reservation_id = r.id AND s.state = 'HELD') AS owned
    FROM reservations r WHERE r.event_id = ${eventId} AND r.status = 'HELD'
  `);
  return { seats, reservations };
}

const claims = async () => Object.fromEntries((await holdClaimsTotal.get()).values.map((v) => [String(v.labels.path), v.value])) as Record<string, number | undefined>;
const grew = (before: Record<string, number | undefined>, after: Record<string, number | undefined>, path: string) => (after[path] ?? 0) - (before[path] ?? 0);

describe('holds claimed in batches', () => {
  test('200 concurrent holds of 1 to 3 places of a 40-place section: the places go exactly once, all or none per hold, through batched statements', async () => {
    const { eventId, floor } = await sale();
    const buyers = await customers(200);
    const claim = createClaimBatcher(db.pool, { maxBatch: 50, inFlight: 2 });
    const before = await claims();
    const asked = buyers.map((customerId, i) => request(customerId, eventId, { sectionId: floor, quantity: 1 + (i % 3) }));
    const answers = await Promise.all(asked.map((r) => claim(r)));
    const after = await claims();

    expect(grew(before, after, 'batched')).toBeGreaterThan(100);
    const won = answers.flatMap((a, i) => (a.outcome === 'CREATED' ? [{ a, quantity: (asked[i] as { quantity: number }).quantity }] : []));
    const refused = answers.flatMap((a, i) => (a.outcome === 'SEAT_TAKEN' ? [{ a, quantity: (asked[i] as { quantity: number }).quantity }] : []));
    expect(won.length + refused.length).toBe(200);
    for (const { a, quantity } of won) if (a.outcome === 'CREATED') expect(a.reservation.seats).toHaveLength(quantity);
    const placesWon = won.reduce((sum, w) => sum + w.quantity, 0);
    // the section is sold out (no refusal asked for fewer places than were left) and nothing is held twice
    expect(placesWon).toBeLessThanOrEqual(40);
    expect(placesWon).toBeGreaterThanOrEqual(38);
    const { seats, reservations } = await truth(eventId);
    expect(seats).toHaveLength(placesWon);
    expect(reservations).toHaveLength(won.length);
    for (const r of reservations) expect(r.owned).toBe(r.seatCount);
    // a refusal says how many places it found, always fewer than it asked for
    for (const { a, quantity } of refused) if (a.outcome === 'SEAT_TAKEN') expect(a.available ?? 0).toBeLessThan(quantity);
  });

  test('overlapping reserved-seat holds in one batch: each seat goes to one hold, a loser names the seats it lost, a twin Idempotency-Key gets its hold back', async () => {
    const { eventId, seatIds } = await sale();
    const [a, b, c, d] = await customers(4);
    const claim = createClaimBatcher(db.pool, { maxBatch: 50, inFlight: 1 });
    const twinKey = randomUUID();
    const before = await claims();
    // the first goes alone at once; the other five wait for it and go as one batch
    const answers = await Promise.all([
      claim(request(a, eventId, { seatIds: seatIds.slice(10, 12) })),
      claim(request(b, eventId, { seatIds: seatIds.slice(0, 3) })),
      claim(request(c, eventId, { seatIds: seatIds.slice(2, 5) })),
      claim(request(d, eventId, { seatIds: seatIds.slice(5, 7) }, twinKey)),
      claim(request(d, eventId, { seatIds: seatIds.slice(5, 7) }, twinKey)),
      claim(request(c, eventId, { seatIds: seatIds.slice(11, 13) })),
    ]);
    const after = await claims();
    expect(grew(before, after, 'batched')).toBe(5);

    expect(answers.map((x) => x.outcome)).toEqual(['CREATED', 'CREATED', 'SEAT_TAKEN', 'CREATED', 'REPLAYED', 'SEAT_TAKEN']);
    const lost = (x: ClaimOutcome) => (x.outcome === 'SEAT_TAKEN' ? x.seatIds : undefined);
    expect(lost(answers[2])).toEqual([seatIds[2]]);
    expect(lost(answers[5])).toEqual([seatIds[11]]);
    const id = (x: ClaimOutcome) => (x.outcome === 'CREATED' || x.outcome === 'REPLAYED' ? x.reservation.id : undefined);
    expect(id(answers[4])).toBe(id(answers[3]));
    const { seats, reservations } = await truth(eventId);
    expect(seats.map((s) => s.id).sort()).toEqual([...seatIds.slice(0, 3), ...seatIds.slice(5, 7), ...seatIds.slice(10, 12)].sort());
    expect(reservations).toHaveLength(3);
  });

  test('a claim that would wait for a lock is made again alone and waits there, while the rest of its batch is answered at once', async () => {
    const { eventId, seatIds } = await sale();
    const [a, b, c] = await customers(3);
    const claim = createClaimBatcher(db.pool, { maxBatch: 50, inFlight: 1 });
    const before = await claims();
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => { locked = resolve; });
    // another transaction (a release, say) has locked seat 15 and keeps it until told
    const blocker = db.pool.transaction(async (tx) => {
      await tx.query(sql.typeAlias('void')`SELECT FROM seats WHERE id = ${seatIds[15]} FOR UPDATE`);
      locked();
      await released;
    });
    await lockTaken;

    const first = claim(request(a, eventId, { seatIds: [seatIds[19]] }));
    const waiter = claim(request(b, eventId, { seatIds: [seatIds[14], seatIds[15]] }));
    const other = claim(request(c, eventId, { seatIds: [seatIds[16]] }));
    let waiterAnswered = false;
    void waiter.then(() => { waiterAnswered = true; });
    expect((await first).outcome).toBe('CREATED');
    expect((await other).outcome).toBe('CREATED');
    expect(waiterAnswered).toBe(false);
    // nothing of the waiting claim was written while it waited (its subtransaction rolled back)
    expect((await truth(eventId)).seats.map((s) => s.id).sort()).toEqual([seatIds[16], seatIds[19]].sort());

    release();
    await blocker;
    const late = await waiter;
    expect(late.outcome).toBe('CREATED');
    const after = await claims();
    expect(grew(before, after, 'retried')).toBe(1);
    expect((await truth(eventId)).seats).toHaveLength(4);
  });

  test('a request PostgreSQL cannot take (a NUL in its key) fails alone: the batch it was in still answers everyone else', async () => {
    const { eventId, floor } = await sale();
    const [a, b, c, d] = await customers(4);
    const claim = createClaimBatcher(db.pool, { maxBatch: 50, inFlight: 1 });
    const results = await Promise.allSettled([
      claim(request(a, eventId, { sectionId: floor, quantity: 1 })),
      claim(request(b, eventId, { sectionId: floor, quantity: 2 })),
      claim(request(c, eventId, { sectionId: floor, quantity: 1 }, 'bad\u0000key')),
      claim(request(d, eventId, { sectionId: floor, quantity: 1 })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    for (const r of results) if (r.status === 'fulfilled') expect(r.value.outcome).toBe('CREATED');
    const { seats, reservations } = await truth(eventId);
    expect(seats).toHaveLength(4);
    expect(reservations).toHaveLength(3);
  });

  test('a batch answers exactly what the claims alone answer for the same requests', async () => {
    // the same refusals, in a batch and alone: unknown event, unknown seats, a reserved section asked as GA, the key reused
    const { eventId, floor, seatIds } = await sale();
    const [a] = await customers(1);
    const reserved = (await db.pool.oneFirst(sql.type(z.object({ id: z.string() }))`SELECT section_id AS id FROM seats WHERE id = ${seatIds[0]}`));
    const key = randomUUID();
    await claimHold(db.pool, request(a, eventId, { sectionId: floor, quantity: 1 }, key));
    const asked = [
      request(a, randomUUID(), { sectionId: floor, quantity: 1 }),
      request(a, eventId, { seatIds: [randomUUID()] }),
      request(a, eventId, { sectionId: reserved, quantity: 1 }),
      request(a, eventId, { sectionId: floor, quantity: 2 }, key),
      request(randomUUID(), eventId, { sectionId: floor, quantity: 1 }),
    ];
    const claim = createClaimBatcher(db.pool, { maxBatch: 50, inFlight: 1 });
    const [, ...batched] = await Promise.all([claim(request(a, eventId, { seatIds: [seatIds[0]] })), ...asked.map((r) => claim(r))]);
    const alone = await Promise.all(asked.map((r) => claimHold(db.pool, r)));
    expect(batched.map((x) => x.outcome)).toEqual(['EVENT_NOT_FOUND', 'UNKNOWN_SEATS', 'SECTION_INVALID', 'KEY_REUSED', 'CUSTOMER_UNKNOWN']);
    expect(batched).toEqual(alone);
  });
});
