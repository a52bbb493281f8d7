import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { createCustomer } from '../../src/db/customers.ts';
import { createEvent, type EventSpec } from '../../src/db/events.ts';
import { createHold, releaseReservation } from '../../src/db/reservations.ts';
import { sql } from '../../src/db/sql.ts';
import { advanceWaitlist, completeWakeup, customerEntries, joinWaitlist, leaseWakeups, wakeWaitlistsOf } from '../../src/db/waitlist.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * The waitlist's data layer against a real PostgreSQL, without Temporal: a round of
 * `advanceWaitlist` (the workflow's activity) serves the line in join order, offers holds made
 * by claim_hold, passes an expired offer on, and never holds a seat twice, even when two rounds
 * of one section run at once.
 */
let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('waitlist_line'); });
afterAll(async () => { await db?.drop(); });

const customer = async () => (await createCustomer(db.pool, { email: `line-${randomUUID()}@example.com`, name: 'Line', passwordHash: 'x' }))!.id;
async function gaEvent(capacity: number, spec: Partial<EventSpec> = {}) {
  const { eventId, sectionIds } = await createEvent(db.pool, {
    venueName: 'Line Hall', name: `Line ${randomUUID().slice(0, 6)}`, startsAt: new Date(Date.now() + 86_400_000),
    sections: [{ name: 'Floor', kind: 'GA', priceCents: 1000, capacity }], ...spec,
  });
  return { eventId, sectionId: sectionIds[0] };
}
const holdAll = async (eventId: string, sectionId: string, quantity: number) =>
  (await createHold(db.pool, { customerId: await customer(), eventId, sectionId, quantity, idempotencyKey: randomUUID(), holdSeconds: 600, passiveGraceSeconds: 1 })).reservationId;
const joinAs = async (customerId: string, eventId: string, sectionId: string, quantity: number) => {
  const joined = await joinWaitlist(db.pool, { entryId: randomUUID(), customerId, eventId, sectionId, quantity });
  expect(joined.outcome).toBe('JOINED');
};
const round = (eventId: string, sectionId: string, offerSeconds = 600) => advanceWaitlist(db.pool, { eventId, sectionId, offerSeconds, passiveGraceSeconds: 0 });
const statusOf = async (customerId: string, sectionId: string) => (await customerEntries(db.pool, customerId)).find((e) => e.sectionId === sectionId)!;
const doublyHeld = () => db.pool.anyFirst(sql.type(z.object({ seatId: z.string() }))`
  SELECT rs.seat_id AS "seatId" FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id
  WHERE r.status IN ('HELD', 'PAYING', 'CONFIRMED') GROUP BY rs.seat_id HAVING count(*) > 1
`);

test('the line is served in join order, and stops at the first customer who cannot be served', async () => {
  const { eventId, sectionId } = await gaEvent(3);
  const held = await holdAll(eventId, sectionId, 3);
  const [big, small] = [await customer(), await customer()];
  await joinAs(big, eventId, sectionId, 2);
  await joinAs(small, eventId, sectionId, 1);
  expect((await round(eventId, sectionId)).offered).toEqual([]);

  // one place back: the head wants two, so nobody behind it is served first
  await db.pool.query(sql.typeAlias('void')`UPDATE seats SET state = 'AVAILABLE', reservation_id = NULL, hold_expires_at = NULL
    WHERE id = (SELECT id FROM seats WHERE reservation_id = ${held} ORDER BY id LIMIT 1)`);
  expect((await round(eventId, sectionId)).offered).toEqual([]);
  expect((await statusOf(small, sectionId)).position).toBe(2);

  await releaseReservation(db.pool, { reservationId: held, outcome: 'CANCELLED' });
  const served = await round(eventId, sectionId);
  expect(served.offered).toHaveLength(2);
  expect(served.openOffers).toBe(2);
  expect(await statusOf(big, sectionId)).toMatchObject({ status: 'OFFERED', offer: { status: 'HELD', seatLabels: expect.any(Array) } });
  expect((await statusOf(big, sectionId)).offer!.seatLabels).toHaveLength(2);
  expect((await statusOf(small, sectionId)).offer!.seatLabels).toHaveLength(1);
  expect(served.nextCheckAt).not.toBeNull();
  expect(await doublyHeld()).toEqual([]);
});

test('an offer past its deadline is ended by the round and passed to the next in line', async () => {
  const { eventId, sectionId } = await gaEvent(1);
  const held = await holdAll(eventId, sectionId, 1);
  const [first, second] = [await customer(), await customer()];
  await joinAs(first, eventId, sectionId, 1);
  await joinAs(second, eventId, sectionId, 1);
  await releaseReservation(db.pool, { reservationId: held, outcome: 'EXPIRED' });
  const [offer] = (await round(eventId, sectionId, 1)).offered;
  await sleep(1_200);
  const next = await round(eventId, sectionId, 1);
  expect(next).toMatchObject({ lapsed: 1, openOffers: 1 });
  expect((await statusOf(first, sectionId)).status).toBe('LAPSED');
  expect((await statusOf(second, sectionId)).status).toBe('OFFERED');
  const expired = await db.pool.oneFirst(sql.type(z.object({ status: z.string() }))`SELECT status FROM reservations WHERE id = ${offer}`);
  expect(expired).toBe('EXPIRED');
});

test("an offer the event's ticket limit forbids lapses, and the next in line is served", async () => {
  const { eventId, sectionId } = await gaEvent(2, { maxTicketsPerCustomer: 1 });
  const held = await holdAll(eventId, sectionId, 1);
  await holdAll(eventId, sectionId, 1);
  const [greedy, modest] = [await customer(), await customer()];
  // two places asked for, where the event allows one per customer
  await joinAs(greedy, eventId, sectionId, 2);
  await joinAs(modest, eventId, sectionId, 1);
  await releaseReservation(db.pool, { reservationId: held, outcome: 'CANCELLED' });
  // one place free and the head wants two: order is kept, nobody is served
  expect((await round(eventId, sectionId)).offered).toHaveLength(0);
  await db.pool.query(sql.typeAlias('void')`UPDATE seats SET state = 'AVAILABLE', reservation_id = NULL, hold_expires_at = NULL WHERE section_id = ${sectionId}`);
  const again = await round(eventId, sectionId);
  expect(await statusOf(greedy, sectionId)).toMatchObject({ status: 'LAPSED', closeReason: expect.stringContaining('ticket limit') });
  expect(again.offered).toHaveLength(1);
  expect((await statusOf(modest, sectionId)).status).toBe('OFFERED');
});

test('two rounds of one section at once never hold a seat twice nor offer an entry twice', async () => {
  const { eventId, sectionId } = await gaEvent(6);
  const held = await holdAll(eventId, sectionId, 6);
  const line = await Promise.all(Array.from({ length: 8 }, () => customer()));
  for (const c of line) await joinAs(c, eventId, sectionId, 1);
  await releaseReservation(db.pool, { reservationId: held, outcome: 'CANCELLED' });
  const rounds = await Promise.all([round(eventId, sectionId), round(eventId, sectionId), round(eventId, sectionId)]);
  expect(rounds.flatMap((r) => r.offered)).toHaveLength(6);
  expect(await doublyHeld()).toEqual([]);
  const offered = await Promise.all(line.map((c) => statusOf(c, sectionId)));
  // the first six in join order, each once
  expect(offered.map((e) => e.status)).toEqual(['OFFERED', 'OFFERED', 'OFFERED', 'OFFERED', 'OFFERED', 'OFFERED', 'WAITING', 'WAITING']);
  expect(offered.slice(6).map((e) => e.position)).toEqual([1, 2]);
});

test('released seats wake only sections with someone in line; a wakeup requested again while it was signalled stays', async () => {
  const quiet = await gaEvent(1);
  const busy = await gaEvent(1);
  await holdAll(busy.eventId, busy.sectionId, 1);
  await joinAs(await customer(), busy.eventId, busy.sectionId, 1);
  await db.pool.query(sql.typeAlias('void')`DELETE FROM waitlist_wakeups`);
  expect(await wakeWaitlistsOf(db.pool, [quiet.sectionId, busy.sectionId])).toBe(1);
  const [leased] = await leaseWakeups(db.pool, 10, 30);
  expect(leased.sectionId).toBe(busy.sectionId);
  expect(await leaseWakeups(db.pool, 10, 30)).toEqual([]); // leased
  const rows = () => db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM waitlist_wakeups`);
  // requested again while its workflow was being signalled: the row stays for another signal
  await wakeWaitlistsOf(db.pool, [busy.sectionId]);
  await completeWakeup(db.pool, leased);
  expect(await rows()).toBe(1);
  const [again] = await leaseWakeups(db.pool, 10, 30);
  await completeWakeup(db.pool, again);
  expect(await rows()).toBe(0);
});
