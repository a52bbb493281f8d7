import { randomUUID } from 'node:crypto';
import { bookSeats, startTestEngine, type TestEngine } from '../helpers/engine.ts';

/**
 * Support finds reservations (issue 10): the event by name (the catalog search), a customer by
 * email (exact, case-insensitive), a page at a time with the filter's total; bad query
 * parameters are a 400 in the error shape.
 */
let engine: TestEngine;
type Account = Awaited<ReturnType<TestEngine['register']>>;
let support: Account;
let alice: Account;
let bob: Account;
const tag = randomUUID().slice(0, 8);
let moonlight: { eventId: string; seatIds: string[] };
let harbour: { eventId: string; seatIds: string[] };
type Row = { id: string; customerId: string; customerEmail: string; eventId: string; status: string; createdAt: string; booking: { reference: string } | null };
type Page = { items: Row[]; page: number; pageSize: number; total: number; temporalUiUrl: string | null };

const as = (caller: Account | undefined, path: string) => engine.request('GET', path, { token: caller?.token });
const list = async (query: string): Promise<Page> => {
  const res = await as(support, `/api/support/reservations?${query}`);
  expect(res.status).toBe(200);
  return res.body as Page;
};
const hold = async (customer: Account, eventId: string, seatId: string) => {
  const res = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: [seatId] } });
  expect(res.status).toBe(201);
  return res.body.reservation.id as string;
};

beforeAll(async () => {
  engine = await startTestEngine('support-search', { RATE_LIMIT_HOLDS_PER_MINUTE: '0' });
  [support, alice, bob] = [await engine.register('support'), await engine.register(), await engine.register()];
  moonlight = await engine.createEvent({ name: `Moonlight Sonata Night ${tag}` });
  harbour = await engine.createEvent({ name: `Harbour Jazz ${tag}` });
  // oldest first: alice books in Moonlight, holds in Harbour, holds in Moonlight; bob holds in Moonlight
  await bookSeats(engine, alice, moonlight.eventId, [moonlight.seatIds[0]]);
  await hold(alice, harbour.eventId, harbour.seatIds[0]);
  await hold(alice, moonlight.eventId, moonlight.seatIds[1]);
  await hold(bob, moonlight.eventId, moonlight.seatIds[2]);
});
afterAll(async () => { await engine?.close(); });

describe('support finds reservations', () => {
  test('by event name: the catalog search finds the event, and its reservations (only its own) follow', async () => {
    const found = await engine.request('GET', `/api/events?q=${encodeURIComponent(`sonata night ${tag}`)}`, { token: support.token });
    expect(found.status).toBe(200);
    const names = (found.body.items as Array<{ id: string; name: string }>);
    expect(names.map((e) => e.id)).toEqual([moonlight.eventId]);

    const page = await list(`eventId=${names[0].id}`);
    expect(page.total).toBe(3);
    expect(page.items).toHaveLength(3);
    expect(new Set(page.items.map((r) => r.eventId))).toEqual(new Set([moonlight.eventId]));
    expect(page.items.map((r) => r.customerId).sort()).toEqual([alice.customerId, alice.customerId, bob.customerId].sort());
  });

  test("by email, exact and case-insensitive: that customer's reservations and bookings, no one else's", async () => {
    const page = await list(`customerEmail=${encodeURIComponent(`  ${alice.email.toUpperCase()} `)}`);
    expect(page.total).toBe(3);
    expect(page.items.map((r) => r.customerId)).toEqual([alice.customerId, alice.customerId, alice.customerId]);
    expect(page.items.map((r) => r.customerEmail.toLowerCase())).not.toContain(bob.email.toLowerCase());
    // the booking is among them, with its reference
    const booked = page.items.filter((r) => r.status === 'CONFIRMED');
    expect(booked).toHaveLength(1);
    expect(booked[0].booking?.reference).toEqual(expect.any(String));
    expect(new Set(page.items.map((r) => r.eventId))).toEqual(new Set([moonlight.eventId, harbour.eventId]));

    // with the event and the state too
    const held = await list(`customerEmail=${encodeURIComponent(alice.email)}&eventId=${moonlight.eventId}&status=HELD`);
    expect(held.total).toBe(1);
    expect(held.items.map((r) => [r.customerId, r.eventId, r.status])).toEqual([[alice.customerId, moonlight.eventId, 'HELD']]);

    // a prefix is no match, and an unknown address finds nothing (not an error)
    expect((await list(`customerEmail=${encodeURIComponent(alice.email.slice(0, -1))}`)).total).toBe(0);
    const nobody = await list(`customerEmail=${encodeURIComponent(`nobody-${tag}@example.com`)}`);
    expect(nobody).toMatchObject({ items: [], total: 0, page: 1 });
  });

  test('pages: newest first, no reservation twice or missing, the same total on every page', async () => {
    const all = await list(`eventId=${moonlight.eventId}`);
    // without page and pageSize: the first 200, as before paging
    expect(all).toMatchObject({ page: 1, pageSize: 200, total: 3 });
    const created = all.items.map((r) => Date.parse(r.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(all.items.map((r) => r.customerId)).toEqual([bob.customerId, alice.customerId, alice.customerId]);

    const first = await list(`eventId=${moonlight.eventId}&page=1&pageSize=2`);
    const second = await list(`eventId=${moonlight.eventId}&page=2&pageSize=2`);
    expect(first).toMatchObject({ page: 1, pageSize: 2, total: 3 });
    expect(second).toMatchObject({ page: 2, pageSize: 2, total: 3 });
    expect(first.items).toHaveLength(2);
    expect(second.items).toHaveLength(1);
    expect([...first.items, ...second.items].map((r) => r.id)).toEqual(all.items.map((r) => r.id));

    // past the end: no items, the total still there
    expect(await list(`eventId=${moonlight.eventId}&page=3&pageSize=2`)).toMatchObject({ items: [], total: 3, page: 3 });
    // every reservation in the database, paged one by one, in one order
    const everything = await list('pageSize=200');
    const oneByOne: string[] = [];
    for (let page = 1; page <= everything.total; page += 1) oneByOne.push(...(await list(`page=${page}&pageSize=1`)).items.map((r) => r.id));
    expect(oneByOne).toEqual(everything.items.map((r) => r.id));
  });

  test.each([
    ['customerEmail', 'customerEmail=not-an-email'],
    ['customerEmail', `customerEmail=${'a'.repeat(250)}%40example.com`],
    ['customerEmail', 'customerEmail=a%00b%40example.com'],
    ['page', 'page=0'],
    ['page', 'page=-1'],
    ['page', 'page=1.5'],
    ['page', 'page=abc'],
    ['pageSize', 'pageSize=0'],
    ['pageSize', 'pageSize=201'],
    ['pageSize', 'pageSize=1e2'],
    ['pageSize', 'pageSize='],
    ['eventId', 'eventId=moonlight'],
    ['status', 'status=LOST'],
  ])('a bad %s (%s) is a 400 in the error shape naming it', async (param, query) => {
    const res = await as(support, `/api/support/reservations?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.message).toContain(param);
  });

  test('only support and admin may search by email; customers are refused, even for their own address', async () => {
    const query = `customerEmail=${encodeURIComponent(alice.email)}&page=1&pageSize=5`;
    expect((await as(undefined, `/api/support/reservations?${query}`)).status).toBe(401);
    expect((await as(alice, `/api/support/reservations?${query}`)).status).toBe(403);
    expect((await as(bob, `/api/support/reservations?customerEmail=${encodeURIComponent(alice.email)}`)).status).toBe(403);
  });
});
