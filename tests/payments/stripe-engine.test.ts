import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { z } from 'zod';
import { createEvent } from '../../src/db/events.ts';
import { sql } from '../../src/db/sql.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { type RoleProcess, spawnRole, waitForHealth } from '../helpers/processes.ts';
import { reservationRow } from '../helpers/queries.ts';
import { PAID_PAYMENT_INTENT, startStripeMock, type StripeMock } from '../helpers/stripe-mock.ts';

/**
 * The engine with PAYMENT_PROVIDER=stripe, against stripe-mock: `node src/main.ts all` as a
 * deployment starts it (the provider built from configuration), a checkout charged through
 * Stripe; and production refusing to start on the simulated provider.
 */
const SECRET_KEY = 'sk_test_BookingEngine';

let db: TestDatabase;
let paid: StripeMock;
let unpaid: StripeMock;
let engine: RoleProcess | undefined;
let url: string;
const logFile = `test-results/stripe-engine-${process.pid}.log`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Env of a role process, as split-engine.ts gives it, on this file's database and Temporal task queue. */
const roleEnv = (extra: Record<string, string>) => ({
  NODE_ENV: 'test', HOST: '127.0.0.1', DATABASE_URL: db.url, TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
  TEMPORAL_TASK_QUEUE: `test-stripe-${randomUUID().slice(0, 8)}`, TEMPORAL_WORKFLOW_BUNDLE: process.env.TEMPORAL_WORKFLOW_BUNDLE!,
  LOG_LEVEL: 'warn', RATE_LIMIT_REGISTRATIONS_PER_HOUR: '0', SEED_DEMO: 'false',
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
  ...extra,
});

beforeAll(async () => {
  if (!process.env.TEMPORAL_TEST_ADDRESS) throw new Error('run the tests with `npm test`: it starts the Temporal dev server they use');
  [db, paid, unpaid] = await Promise.all([
    createTestDatabase('stripe_engine'),
    startStripeMock('engine-paid', { resources: { payment_intent: PAID_PAYMENT_INTENT } }),
    startStripeMock('engine-unpaid'),
  ]);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  engine = spawnRole('all', roleEnv({ PORT: String(port), PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_API_BASE: paid.apiBase }), logFile);
  await waitForHealth(url, 90_000, engine);
}, 240_000);
afterAll(async () => {
  await engine?.stop();
  await Promise.all([paid?.stop(), unpaid?.stop()]);
  await db?.drop();
});

async function request(base: string, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() as any };
}

/** A signed-in customer with a hold on one general-admission place. */
async function holdOnePlace(base: string, pool = db.pool) {
  const { eventId, sectionIds } = await createEvent(pool, {
    venueName: 'Test Hall', name: `Stripe event ${randomUUID().slice(0, 6)}`, startsAt: new Date(Date.now() + 86_400_000),
    sections: [{ name: 'Floor', kind: 'GA', priceCents: 4500, capacity: 5 }],
  });
  const registered = await request(base, 'POST', '/api/auth/register', { email: `buyer-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery', name: 'Buyer' });
  expect(registered.status).toBe(201);
  const token = registered.body.token as string;
  const held = await request(base, 'POST', '/api/reservations', { eventId, sectionId: sectionIds[0], quantity: 1 }, token);
  expect(held.status).toBe(201);
  return { token, reservationId: held.body.reservation.id as string };
}

const paymentRows = (pool: TestDatabase['pool'], reservationId: string) => pool.any(sql.type(z.object({
  idempotencyKey: z.string(), status: z.string(), paymentMethod: z.string().nullable(), paymentIntentId: z.string().nullable(),
}))`
  SELECT p.idempotency_key AS "idempotencyKey", p.status, s.payment_method AS "paymentMethod", s.payment_intent_id AS "paymentIntentId"
  FROM payment_intents p LEFT JOIN stripe_attempts s USING (idempotency_key)
  WHERE p.reservation_id = ${reservationId} ORDER BY p.attempt
`);

describe('the engine on Stripe', () => {
  test('node src/main.ts all starts with PAYMENT_PROVIDER=stripe and a test card checkout is charged through Stripe and confirmed', async () => {
    const { token, reservationId } = await holdOnePlace(url);
    const before = paid.requests().length;
    const checkout = await request(url, 'POST', `/api/reservations/${reservationId}/checkout`, { card: { number: '4242 4242 4242 4242' } }, token);
    expect(checkout.status).toBe(200);
    expect(checkout.body.reservation.status).toBe('CONFIRMED');
    expect(checkout.body.booking.amountCents).toBe(4500);

    const [payment] = await paymentRows(db.pool, reservationId);
    expect(payment).toEqual({ idempotencyKey: `${reservationId}:charge:0`, status: 'SUCCEEDED', paymentMethod: expect.stringMatching(/^pm_/), paymentIntentId: expect.stringMatching(/^pi_/) });
    const sent = paid.requests().slice(before).map((r) => `${r.method} ${r.path} ${r.data}`);
    expect(sent[0]).toMatch(/^POST \/v1\/payment_methods .*card:map\[token:tok_visa\]/);
    expect(sent[1]).toContain('POST /v1/payment_intents ');
    expect(sent[1]).toContain(`metadata:map[idempotencyKey:${payment.idempotencyKey} reservationId:${reservationId}]`);
    expect(sent[1]).toContain(`payment_method:${payment.paymentMethod}`);
    expect(sent[1]).toContain('amount:4500');
    expect(sent.join('\n')).not.toContain('4242424242424242');
  });

  test('a PaymentIntent Stripe leaves unpaid answers 402 PAYMENT_DECLINED and the hold stays HELD', async () => {
    let declines: TestEngine | undefined;
    try {
      declines = await startTestEngine('stripe_declines', { PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_API_BASE: unpaid.apiBase });
      const { token, reservationId } = await holdOnePlace(declines.url, declines.db.pool);
      const checkout = await request(declines.url, 'POST', `/api/reservations/${reservationId}/checkout`, { card: { number: '4242424242424242' } }, token);
      expect(checkout.status).toBe(402);
      expect(checkout.body.error).toMatchObject({ code: 'PAYMENT_DECLINED', details: { declineCode: 'card_declined' } });
      expect((await reservationRow(declines.db.pool, reservationId)).status).toBe('HELD');
      const [payment] = await paymentRows(declines.db.pool, reservationId);
      expect(payment).toMatchObject({ status: 'DECLINED', paymentIntentId: expect.stringMatching(/^pi_/) });
      expect(unpaid.requests().some((r) => r.path === `/v1/payment_intents/${payment.paymentIntentId}/cancel`)).toBe(true);
    } finally {
      await declines?.close();
    }
  });

  test('production refuses to start on the simulated provider, naming PAYMENT_PROVIDER', async () => {
    const refusedLog = `test-results/stripe-engine-refused-${process.pid}.log`;
    const refused = spawnRole('api', roleEnv({
      NODE_ENV: 'production', PORT: String(await freePort()), JWT_SECRET: 'x'.repeat(40), PAYMENT_PROVIDER: 'simulated',
    }), refusedLog);
    expect(await refused.exited).toBe(1);
    expect(readFileSync(refusedLog, 'utf8')).toContain('PAYMENT_PROVIDER: PAYMENT_PROVIDER=simulated is refused when NODE_ENV=production');
  });
});
