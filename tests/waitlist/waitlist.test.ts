import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import type { WaitlistEntry } from '../../src/contract/waitlist.ts';
import { waitlistWorkflowId } from '../../workflows/waitlist-messages.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow } from '../helpers/queries.ts';

/**
 * Waitlists against the real engine (PostgreSQL, the Temporal dev server, the outbox relay): join
 * order, an offer that expires passing to the next in line, concurrent joins, leaving, an offer
 * checked out into a booking, and no seat ever held by two live reservations, even when a live
 * buyer races the waitlist for the seats that came back.
 */
let engine: TestEngine;
const OFFER_SECONDS = 4;
type Customer = Awaited<ReturnType<TestEngine['register']>>;

beforeAll(async () => {
  engine = await startTestEngine('waitlist', { WAITLIST_OFFER_SECONDS: String(OFFER_SECONDS), RATE_LIMIT_HOLDS_PER_MINUTE: '0' }, { realtime: true });
});
afterAll(async () => { await engine?.close(); });

/** An event with a small reserved section (2 seats) and a small general-admission one (2 places). */
async function smallEvent() {
  const event = await engine.createEvent({
    sections: [
      { name: 'Stalls', kind: 'RESERVED', priceCents: 5000, rows: 1, seatsPerRow: 2 },
      { name: 'Floor', kind: 'GA', priceCents: 2000, capacity: 2 },
    ],
  });
  return { eventId: event.eventId, stalls: event.sectionIds[0], floor: event.sectionIds[1], seatIds: event.seatIds };
}
const hold = (who: Customer, body: Record<string, unknown>) => engine.request('POST', '/api/reservations', { token: who.token, body });
const join = (who: Customer, eventId: string, sectionId: string, quantity = 1) =>
  engine.request('POST', `/api/events/${eventId}/sections/${sectionId}/waitlist`, { token: who.token, body: { quantity } });
const leave = (who: Customer, eventId: string, sectionId: string) => engine.request('DELETE', `/api/events/${eventId}/sections/${sectionId}/waitlist`, { token: who.token });
const cancel = (who: Customer, reservationId: string) => engine.request('POST', `/api/reservations/${reservationId}/cancel`, { token: who.token, body: {} });
async function entryOf(who: Customer, sectionId: string): Promise<WaitlistEntry> {
  const res = await engine.request('GET', '/api/waitlist', { token: who.token });
  expect(res.status).toBe(200);
  return (res.body.items as WaitlistEntry[]).find((e) => e.sectionId === sectionId)!;
}
const waitForEntry = (who: Customer, sectionId: string, status: WaitlistEntry['status'], timeoutMs = 15_000) =>
  eventually(async () => {
    const entry = await entryOf(who, sectionId);
    return entry?.status === status ? entry : undefined;
  }, timeoutMs, `an entry ${status}`, 50);

/** Seats held or sold by two live reservations at once (must always be none). */
const doublyHeld = () => engine.db.pool.anyFirst(sql.type(z.object({ seatId: z.string() }))`
  SELECT rs.seat_id AS "seatId" FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id
  WHERE r.status IN ('HELD', 'PAYING', 'CONFIRMED')
  GROUP BY rs.seat_id HAVING count(*) > 1
`);
/** Every seat of a section agrees with the reservation that owns it. */
const seatsOf = (sectionId: string) => engine.db.pool.any(sql.type(z.object({ state: z.string(), reservationId: z.string().nullable(), customerId: z.string().nullable() }))`
  SELECT s.state, s.reservation_id AS "reservationId", r.customer_id AS "customerId"
  FROM seats s LEFT JOIN reservations r ON r.id = s.reservation_id WHERE s.section_id = ${sectionId} ORDER BY s.id
`);

describe('joining a waitlist', () => {
  test('a section with free seats is refused; a sold-out one is joined once per customer, in join order', async () => {
    const { eventId, stalls, seatIds } = await smallEvent();
    const [buyer, first, second] = [await engine.register(), await engine.register(), await engine.register()];
    const early = await join(first, eventId, stalls);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('SEATS_AVAILABLE');

    expect((await hold(buyer, { eventId, seatIds })).status).toBe(201);
    const joined = await join(first, eventId, stalls);
    expect(joined.status).toBe(201);
    expect(joined.body.entry).toMatchObject({ status: 'WAITING', position: 1, quantity: 1, sectionName: 'Stalls', offer: null });
    expect((await join(second, eventId, stalls)).body.entry.position).toBe(2);
    const again = await join(first, eventId, stalls, 2);
    expect(again.status).toBe(200);
    expect(again.body.entry.id).toBe(joined.body.entry.id);

    const unknown = await join(first, eventId, '7d9e6f1a-3b2c-4d5e-8f90-123456789abc');
    expect(unknown.status).toBe(404);
    const support = await engine.register('support');
    const line = await engine.request('GET', `/api/support/events/${eventId}/waitlist`, { token: support.token });
    expect(line.status).toBe(200);
    expect(line.body.items.map((e: { customerEmail: string; position: number }) => [e.customerEmail, e.position])).toEqual([[first.email, 1], [second.email, 2]]);
  });

  test('concurrent joins: each customer gets one place, and one customer joining many times at once gets one entry', async () => {
    const { eventId, floor } = await smallEvent();
    const buyer = await engine.register();
    expect((await hold(buyer, { eventId, sectionId: floor, quantity: 2 })).status).toBe(201);
    const customers = await Promise.all(Array.from({ length: 8 }, () => engine.register()));
    const answers = await Promise.all(customers.map((c) => join(c, eventId, floor)));
    expect(answers.map((a) => a.status)).toEqual(customers.map(() => 201));
    // once every join has committed, the places are 1 to 8, in join order
    const support = await engine.register('support');
    const line = (await engine.request('GET', `/api/support/events/${eventId}/waitlist`, { token: support.token })).body.items as Array<{ customerId: string; position: number }>;
    expect(line.map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(line.map((e) => e.customerId))).toEqual(new Set(customers.map((c) => c.customerId)));
    for (const c of customers) expect((await entryOf(c, floor)).position).toBe(line.findIndex((e) => e.customerId === c.customerId) + 1);

    const eager = await engine.register();
    const repeats = await Promise.all(Array.from({ length: 6 }, () => join(eager, eventId, floor)));
    expect(repeats.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(repeats.map((r) => r.body.entry.id)).size).toBe(1);
    const rows = await engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM waitlist_entries WHERE section_id = ${floor} AND customer_id = ${eager.customerId}
    `);
    expect(rows).toBe(1);
  });
});

describe('offers', () => {
  test('seats that come back are offered to the first in line as a hold; an expired offer passes to the next; a paid one is a booking', async () => {
    const { eventId, stalls, seatIds } = await smallEvent();
    const [buyer, first, second] = [await engine.register(), await engine.register(), await engine.register()];
    const held = await hold(buyer, { eventId, seatIds });
    expect(held.status).toBe(201);
    expect((await join(first, eventId, stalls, 2)).status).toBe(201);
    expect((await join(second, eventId, stalls, 2)).status).toBe(201);

    // the hold is cancelled: its seats go to the first in line, as a hold of theirs
    expect((await cancel(buyer, held.body.reservation.id)).status).toBe(202);
    const offered = await waitForEntry(first, stalls, 'OFFERED');
    expect(offered.offer).toMatchObject({ status: 'HELD', seatLabels: expect.any(Array) });
    expect(offered.offer!.seatLabels).toHaveLength(2);
    expect((await seatsOf(stalls)).every((s) => s.state === 'HELD' && s.customerId === first.customerId)).toBe(true);
    expect((await entryOf(second, stalls)).position).toBe(1);
    const deadline = Date.parse(offered.offer!.holdExpiresAt);
    expect(deadline - Date.now()).toBeLessThanOrEqual(OFFER_SECONDS * 1000);
    // the offer is an ordinary reservation of the customer's, with its own workflow
    const mine = await engine.request('GET', `/api/reservations/${offered.offer!.reservationId}`, { token: first.token });
    expect(mine.body).toMatchObject({ status: 'HELD', customerId: first.customerId });
    await engine.workflowOf(offered.offer!.reservationId);

    // not paid by its deadline: the offer lapses and passes on, at once
    const passed = await waitForEntry(second, stalls, 'OFFERED', OFFER_SECONDS * 1000 + 10_000);
    expect(Date.now() - deadline).toBeLessThan(5_000);
    expect((await entryOf(first, stalls)).status).toBe('LAPSED');
    expect((await reservationRow(engine.db.pool, offered.offer!.reservationId)).status).toBe('EXPIRED');
    expect((await seatsOf(stalls)).every((s) => s.state === 'HELD' && s.customerId === second.customerId)).toBe(true);
    expect(await doublyHeld()).toEqual([]);

    // the second checks it out like any hold: a booking, and the entry BOOKED
    const paid = await engine.request('POST', `/api/reservations/${passed.offer!.reservationId}/checkout`, { token: second.token, body: { card: { number: '4242424242424242' } } });
    expect(paid.status).toBe(200);
    expect(paid.body.booking.reference).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect((await seatsOf(stalls)).every((s) => s.state === 'SOLD' && s.customerId === second.customerId)).toBe(true);
    await waitForEntry(second, stalls, 'BOOKED');
    // the line's workflow finishes once no offer is open
    await eventually(async () => (await engine.client.workflow.getHandle(waitlistWorkflowId(eventId, stalls)).describe()).status.name === 'COMPLETED', 15_000, 'the waitlist workflow to complete');
    await eventually(async () => (await engine.db.pool.oneFirst(sql.type(z.object({ status: z.string() }))`
      SELECT status FROM waitlist_entries WHERE customer_id = ${second.customerId} AND section_id = ${stalls}`)) === 'BOOKED', 5_000, 'the entry row BOOKED');
  });

  test('leaving: a waiting customer leaves the line; leaving with an open offer cancels its hold and the seats pass on', async () => {
    const { eventId, floor } = await smallEvent();
    const [buyer, quitter, first, second] = [await engine.register(), await engine.register(), await engine.register(), await engine.register()];
    const held = await hold(buyer, { eventId, sectionId: floor, quantity: 2 });
    expect(held.status).toBe(201);
    for (const c of [quitter, first, second]) expect((await join(c, eventId, floor, 2)).status).toBe(201);
    const left = await leave(quitter, eventId, floor);
    expect(left.status).toBe(200);
    expect(left.body.entry).toMatchObject({ status: 'LEFT', position: null });
    expect((await leave(quitter, eventId, floor)).status).toBe(404);
    expect((await entryOf(first, floor)).position).toBe(1);

    expect((await cancel(buyer, held.body.reservation.id)).status).toBe(202);
    const offered = await waitForEntry(first, floor, 'OFFERED');
    expect((await leave(first, eventId, floor)).body.entry.status).toBe('LEFT');
    await eventually(async () => (await reservationRow(engine.db.pool, offered.offer!.reservationId)).status === 'CANCELLED', 10_000, 'the declined offer cancelled');
    const next = await waitForEntry(second, floor, 'OFFERED');
    expect(next.offer!.seatLabels).toHaveLength(2);
    expect((await entryOf(quitter, floor)).status).toBe('LEFT');
    expect(await doublyHeld()).toEqual([]);
  });

  test('a live buyer racing the waitlist for seats that came back: PostgreSQL gives each seat to one of them', async () => {
    const { eventId, floor } = await smallEvent();
    const [buyer, waiting] = [await engine.register(), await engine.register()];
    const rivals = await Promise.all(Array.from({ length: 6 }, () => engine.register()));
    const held = await hold(buyer, { eventId, sectionId: floor, quantity: 2 });
    expect((await join(waiting, eventId, floor, 1)).status).toBe(201);
    // the seats come back while six live buyers try to hold one place each
    const [, ...attempts] = await Promise.all([cancel(buyer, held.body.reservation.id), ...rivals.map(async (r) => {
      for (let i = 0; i < 100; i++) {
        const res = await hold(r, { eventId, sectionId: floor, quantity: 1 });
        if (res.status === 201) return res;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return null;
    })]);
    await eventually(async () => (await seatsOf(floor)).every((s) => s.state === 'HELD'), 10_000, 'both places held again');
    const owners = (await seatsOf(floor)).map((s) => s.reservationId);
    expect(new Set(owners).size).toBe(2);
    expect(await doublyHeld()).toEqual([]);
    const rivalsWon = attempts.filter(Boolean).length;
    const entry = await entryOf(waiting, floor);
    // two places, each given once: to a rival or to the line
    expect(rivalsWon + (entry.status === 'OFFERED' ? 1 : 0)).toBe(2);
  });
});

/**
 * The waitlist workflow's recorded histories replay against today's code: a change that breaks
 * them must be guarded with `patched()`. `RECORD_WORKFLOW_HISTORIES=1 npm test -- tests/waitlist/waitlist.test.ts`
 * records the path below when it has no recording yet.
 */
describe('the waitlist workflow across deploys', () => {
  const FIXTURES = new URL('../fixtures/waitlist-histories/', import.meta.url);
  const bundle = () => ({ workflowBundle: { codePath: process.env.TEMPORAL_WORKFLOW_BUNDLE! } });

  test('replays deterministically: a run of today (offer, expiry passed on, booking), and every recorded history', async () => {
    const { eventId, floor } = await smallEvent();
    const [buyer, first, second] = [await engine.register(), await engine.register(), await engine.register()];
    const held = await hold(buyer, { eventId, sectionId: floor, quantity: 1 });
    expect((await hold(buyer, { eventId, sectionId: floor, quantity: 1 })).status).toBe(201);
    expect((await join(first, eventId, floor)).status).toBe(201);
    expect((await join(second, eventId, floor)).status).toBe(201);
    expect((await cancel(buyer, held.body.reservation.id)).status).toBe(202);
    await waitForEntry(first, floor, 'OFFERED');
    const passed = await waitForEntry(second, floor, 'OFFERED', OFFER_SECONDS * 1000 + 10_000);
    const paid = await engine.request('POST', `/api/reservations/${passed.offer!.reservationId}/checkout`, { token: second.token, body: { card: { number: '4242424242424242' } } });
    expect(paid.status).toBe(200);
    const handle = engine.client.workflow.getHandle(waitlistWorkflowId(eventId, floor));
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 15_000, 'the waitlist workflow to complete');
    const history = await handle.fetchHistory();
    await Worker.runReplayHistory(bundle(), history, handle.workflowId);

    const file = new URL('v1-offer-expired-passed-on-booked.json', FIXTURES);
    if (process.env.RECORD_WORKFLOW_HISTORIES === '1' && !existsSync(file)) {
      mkdirSync(FIXTURES, { recursive: true });
      writeFileSync(file, `${JSON.stringify(history, null, 1)}\n`);
    }
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(['v1-offer-expired-passed-on-booked.json']);
    for (const name of files) {
      const recorded = temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>);
      await Worker.runReplayHistory(bundle(), recorded, name);
    }
  });
});
