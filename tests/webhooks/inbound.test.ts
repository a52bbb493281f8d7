/**
 * The payment provider's inbound webhook (POST /api/payments/stripe/webhook) against a real
 * PostgreSQL: events signed with the Stripe SDK's own test helper are accepted once; a wrong
 * signature, a tampered body, a stale or future timestamp and a replay are refused in the error
 * shape, and nothing is recorded for a refusal. No Temporal needed: the route touches none.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { z } from 'zod';
import { createApi } from '../../src/api/app.ts';
import { loadConfig } from '../../src/config.ts';
import { sql } from '../../src/db/sql.ts';
import type { ReservationService } from '../../src/reservations/service.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { signedStripeEvent, STRIPE_WEBHOOK_TEST_SECRET } from '../helpers/stripe-webhooks.ts';

let db: TestDatabase;
let server: Server;
let url: string;

async function listen(env: Record<string, string>): Promise<{ server: Server; url: string }> {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, LOG_LEVEL: 'silent', ...env });
  const app = createApi({ config, pool: db.pool, service: {} as ReservationService, log: pino({ level: 'silent' }), health: {} });
  const http = createServer(app.callback());
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { server: http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  db = await createTestDatabase('inbound-webhooks');
  ({ server, url } = await listen({ STRIPE_WEBHOOK_SECRET: STRIPE_WEBHOOK_TEST_SECRET, STRIPE_WEBHOOK_TOLERANCE_SECONDS: '300' }));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await db?.drop();
});

async function post(body: string, header?: string, base = url) {
  const res = await fetch(`${base}/api/payments/stripe/webhook`, {
    method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8', ...(header ? { 'stripe-signature': header } : {}) },
  });
  return { status: res.status, body: await res.json() as any };
}
const recorded = (id: string) => db.pool.anyFirst(sql.type(z.object({ type: z.string() }))`SELECT type FROM payment_webhook_events WHERE event_id = ${id}`);
const now = () => Math.floor(Date.now() / 1000);

describe('inbound Stripe webhooks', () => {
  test('a validly signed event is accepted and recorded once', async () => {
    const event = signedStripeEvent({ type: 'payment_intent.succeeded' });
    const res = await post(event.body, event.header);
    expect(res).toEqual({ status: 200, body: { received: true, eventId: event.id, type: 'payment_intent.succeeded' } });
    expect(await recorded(event.id)).toEqual(['payment_intent.succeeded']);
    // a timestamp inside the tolerance (200 s old of 300) is accepted too
    const older = signedStripeEvent({ timestamp: now() - 200 });
    expect((await post(older.body, older.header)).status).toBe(200);
  });

  test('a signature made with another secret, or over another body, is refused with 400 and nothing is recorded', async () => {
    const forged = signedStripeEvent({ secret: 'whsec_someone_else_entirely_0123456789' });
    const res = await post(forged.body, forged.header);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'WEBHOOK_SIGNATURE_INVALID', message: expect.any(String), details: { reason: 'MISMATCH' } } });

    const genuine = signedStripeEvent();
    const tampered = genuine.body.replace('"amount":5000', '"amount":1');
    expect(tampered).not.toBe(genuine.body);
    expect((await post(tampered, genuine.header)).body.error).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID', details: { reason: 'MISMATCH' } });

    const missing = await post(genuine.body);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID', details: { reason: 'MISSING' } });
    expect(await recorded(forged.id)).toEqual([]);
    expect(await recorded(genuine.id)).toEqual([]);
  });

  test('a timestamp outside the tolerance, old or in the future, is refused with 400', async () => {
    const stale = signedStripeEvent({ timestamp: now() - 301 });
    const res = await post(stale.body, stale.header);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID', details: { reason: 'TIMESTAMP_OUTSIDE_TOLERANCE' } });
    const future = signedStripeEvent({ timestamp: now() + 400 });
    expect((await post(future.body, future.header)).body.error).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID', details: { reason: 'TIMESTAMP_OUTSIDE_TOLERANCE' } });
    expect(await recorded(stale.id)).toEqual([]);
    expect(await recorded(future.id)).toEqual([]);
  });

  test('a replay of an accepted event is refused with 409 WEBHOOK_REPLAYED, even signed afresh', async () => {
    const event = signedStripeEvent();
    expect((await post(event.body, event.header)).status).toBe(200);
    const replay = await post(event.body, event.header);
    expect(replay).toEqual({ status: 409, body: { error: { code: 'WEBHOOK_REPLAYED', message: expect.any(String), details: { eventId: event.id } } } });
    const resigned = signedStripeEvent({ id: event.id, timestamp: now() + 1 });
    expect((await post(resigned.body, resigned.header)).status).toBe(409);
    // ten replays at once: none is accepted a second time
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(event.body, event.header)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(409));
    expect(await recorded(event.id)).toHaveLength(1);
  });

  test('concurrent first deliveries of one event: exactly one is accepted', async () => {
    const event = signedStripeEvent();
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(event.body, event.header)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, ...Array(7).fill(409)]);
    expect(await recorded(event.id)).toHaveLength(1);
  });

  test('without STRIPE_WEBHOOK_SECRET the route answers 503 and records nothing', async () => {
    const other = await listen({});
    try {
      const event = signedStripeEvent();
      const res = await post(event.body, event.header, other.url);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(await recorded(event.id)).toEqual([]);
    } finally {
      await new Promise((resolve) => other.server.close(resolve));
    }
  });
});
