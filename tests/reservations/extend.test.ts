import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { extendUpdate, reservationWorkflowId, statusQuery } from '../../workflows/messages.ts';
import { HoldDeadlineKey } from '../../workflows/search-attributes.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow, seatRows } from '../helpers/queries.ts';

let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('extend', { HOLD_EXTENSIONS: '1', HOLD_EXTENSION_MAX_SECONDS: '60' }); });
afterAll(async () => { await engine?.close(); });

async function hold(holdSeconds: number) {
  const { eventId, seatIds } = await engine.createEvent();
  const customer = await engine.register();
  const seats = seatIds.slice(0, 2);
  const res = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: seats, holdSeconds } });
  expect(res.status).toBe(201);
  return { customer, seats, reservation: res.body.reservation as { id: string; holdExpiresAt: string } };
}
const extend = (token: string, id: string, body: unknown = {}) =>
  engine.request('POST', `/api/reservations/${id}/extend`, { token, body });

const seatDeadlines = (seatIds: string[]) => engine.db.pool.anyFirst(sql.type(z.object({ at: z.number() }))`
  SELECT hold_expires_at AS at FROM seats WHERE id = ANY(${sql.array(seatIds, 'uuid')})
`);

describe('extending a hold', () => {
  test('an extension moves the deadline of the workflow, the reservation and its seats, and the hold outlives its first deadline', async () => {
    const { customer, seats, reservation } = await hold(3);
    const firstDeadline = Date.parse(reservation.holdExpiresAt);
    const res = await extend(customer.token, reservation.id, { seconds: 4 });
    expect(res.status).toBe(200);
    const newDeadline = Date.parse(res.body.reservation.holdExpiresAt);
    expect(res.body.reservation).toMatchObject({ extensionCount: 1, extensions: { remaining: 0, maxSeconds: 60 } });
    expect(newDeadline).toBe(firstDeadline + 4000);

    const handle = engine.client.workflow.getHandle(reservationWorkflowId(reservation.id));
    expect(await handle.query(statusQuery)).toMatchObject({ state: 'HELD', extensionsUsed: 1, holdExpiresAt: new Date(newDeadline).toISOString() });
    expect((await handle.describe()).typedSearchAttributes.get(HoldDeadlineKey)?.getTime()).toBe(newDeadline);
    // the seats keep the passive-expiry grace (1 s in tests) past the new deadline
    expect(await seatDeadlines(seats)).toEqual([newDeadline + 1000, newDeadline + 1000]);
    // the customer's other tabs learn the new deadline through the outbox
    const pushed = await engine.db.pool.anyFirst(sql.type(z.object({ at: z.string().nullable() }))`
      SELECT payload->>'holdExpiresAt' AS at FROM outbox WHERE topic = 'reservation.updated' AND payload->>'reservationId' = ${reservation.id}
    `);
    expect(pushed).toEqual([new Date(newDeadline).toISOString()]);

    // past the first deadline the hold is still live
    await new Promise((resolve) => setTimeout(resolve, firstDeadline - Date.now() + 700));
    expect((await reservationRow(engine.db.pool, reservation.id)).status).toBe('HELD');
    expect((await seatRows(engine.db.pool, seats)).map((s) => s.state)).toEqual(['HELD', 'HELD']);

    // and the timer ends it at the new one
    await eventually(async () => (await reservationRow(engine.db.pool, reservation.id)).status === 'EXPIRED', 10_000, 'expiry at the new deadline');
    expect(Date.now()).toBeGreaterThanOrEqual(newDeadline);
    expect((await seatRows(engine.db.pool, seats)).map((s) => s.state)).toEqual(['AVAILABLE', 'AVAILABLE']);
  });

  test('support may extend any customer\'s hold, and the update the customer sees names support as the actor', async () => {
    const { customer, reservation } = await hold(120);
    const support = await engine.register('support');
    const me = await engine.request('GET', '/api/me', { token: support.token });
    const res = await engine.request('POST', `/api/support/reservations/${reservation.id}/extend`, { token: support.token, body: { seconds: 30 } });
    expect(res.status).toBe(200);
    expect(Date.parse(res.body.reservation.holdExpiresAt)).toBe(Date.parse(reservation.holdExpiresAt) + 30_000);
    const actors = await engine.db.pool.anyFirst(sql.type(z.object({ actor: z.string().nullable() }))`
      SELECT payload->>'actor' AS actor FROM outbox WHERE topic = 'reservation.updated' AND payload->>'reservationId' = ${reservation.id}
    `);
    expect(actors).toEqual([`support:${me.body.customer.email}`]);
    // a customer cannot use the support route
    expect((await engine.request('POST', `/api/support/reservations/${reservation.id}/extend`, { token: customer.token, body: {} })).status).toBe(403);
    // the limit (1 extension) counts support's extension too
    expect((await extend(customer.token, reservation.id)).body.error?.code).toBe('HOLD_EXTENSION_REFUSED');
  });

  test('extensions are limited in number and length, and only the owner or support may extend', async () => {
    const { customer, reservation } = await hold(120);
    expect(reservation).toMatchObject({ extensionCount: 0, extensions: { remaining: 1, maxSeconds: 60 } });
    const tooLong = await extend(customer.token, reservation.id, { seconds: 61 });
    expect(tooLong.status).toBe(409);
    expect(tooLong.body.error).toMatchObject({ code: 'HOLD_EXTENSION_REFUSED', message: 'an extension is 1 to 60 seconds' });
    const bad = await extend(customer.token, reservation.id, { seconds: 'soon' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');

    const stranger = await engine.register();
    expect((await extend(stranger.token, reservation.id)).status).toBe(404);

    const first = await extend(customer.token, reservation.id);
    expect(first.status).toBe(200);
    expect(Date.parse(first.body.reservation.holdExpiresAt)).toBe(Date.parse(reservation.holdExpiresAt) + 60_000);
    const second = await extend(customer.token, reservation.id);
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'HOLD_EXTENSION_REFUSED', message: 'this hold has already been extended the most times allowed (1)' });
    const now = await engine.request('GET', `/api/reservations/${reservation.id}`, { token: customer.token });
    expect(now.body.holdExpiresAt).toBe(first.body.reservation.holdExpiresAt);
  });

  test('an extend Update with an input the workflow does not accept (sent by hand, as the CLI or UI can) is refused, and the hold carries on', async () => {
    const { customer, reservation } = await hold(120);
    const handle = await engine.workflowOf(reservation.id);
    for (const bad of [null, {}, { seconds: 'soon' }, { seconds: 1.5 }, { seconds: -5 }, { seconds: 1e9 }]) {
      await expect(handle.executeUpdate(extendUpdate, { args: [bad as never] })).rejects.toMatchObject({ cause: { type: 'ExtensionRefused' } });
    }
    // an actor that is not text is cleaned, not stored as given
    await handle.executeUpdate(extendUpdate, { args: [{ seconds: 10, actor: 'support:cli\u0000' }] });
    const actors = await engine.db.pool.anyFirst(sql.type(z.object({ actor: z.string().nullable() }))`
      SELECT payload->>'actor' AS actor FROM outbox WHERE topic = 'reservation.updated' AND payload->>'reservationId' = ${reservation.id}
    `);
    expect(actors).toEqual(['support:cli']);
    const now = await engine.request('GET', `/api/reservations/${reservation.id}`, { token: customer.token });
    expect(now.body).toMatchObject({ status: 'HELD', extensionCount: 1 });
  });

  test('an ended hold cannot be extended', async () => {
    const { customer, reservation } = await hold(120);
    expect((await engine.request('POST', `/api/reservations/${reservation.id}/cancel`, { token: customer.token, body: {} })).status).toBe(202);
    await eventually(async () => (await reservationRow(engine.db.pool, reservation.id)).status === 'CANCELLED', 10_000, 'cancelled');
    const res = await extend(customer.token, reservation.id);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('INVALID_STATE');
  });
});
