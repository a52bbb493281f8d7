import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { z } from 'zod';
import { loadConfig } from '../../src/config.ts';
import { createEvent } from '../../src/db/events.ts';
import { sql } from '../../src/db/sql.ts';
import { createPaymentProvider } from '../../src/payments/index.ts';
import { PaymentAttemptClosedError, PaymentDeclinedError, type PaymentProvider, CardNumbersRefusedError } from '../../src/payments/provider.ts';
import { createStripeClient, createStripeProvider } from '../../src/payments/stripe.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { PAID_PAYMENT_INTENT, STRIPE_MOCK_LISTED_KEY, startStripeMock, type StripeMock } from '../helpers/stripe-mock.ts';

/**
 * The Stripe provider against Stripe's official mock server and a real PostgreSQL. Two mocks:
 * `paid` answers PaymentIntents as succeeded (its fixture changed with stripe-mock's -fixtures),
 * `unpaid` with stripe-mock's own fixture, a PaymentIntent left in requires_payment_method.
 * stripe-mock keeps no state: what it shows here is the requests the provider sends (its
 * request log, and the Idempotency-Key it echoes in each response), never a card decline or an
 * idempotent replay (tests/unit/stripe-errors.test.ts covers the errors Stripe answers with).
 */
let db: TestDatabase;
let paid: StripeMock;
let unpaid: StripeMock;
let eventId: string;
let customerId: string;

beforeAll(async () => {
  [db, paid, unpaid] = await Promise.all([
    createTestDatabase('stripe_provider'),
    startStripeMock('provider-paid', { resources: { payment_intent: PAID_PAYMENT_INTENT } }),
    startStripeMock('provider-unpaid'),
  ]);
  ({ eventId } = await createEvent(db.pool, {
    venueName: 'Test Hall', name: 'Stripe test event', startsAt: new Date(Date.now() + 86_400_000),
    sections: [{ name: 'Floor', kind: 'GA', priceCents: 5000, capacity: 10 }],
  }));
  customerId = randomUUID();
  await db.pool.query(sql.typeAlias('void')`
    INSERT INTO customers (id, email, name, password_hash) VALUES (${customerId}, ${`${customerId}@example.com`}, 'Stripe Tester', 'not-a-hash')
  `);
}, 180_000);
afterAll(async () => {
  await Promise.all([paid?.stop(), unpaid?.stop()]);
  await db?.drop();
});

/** A reservation row for the attempts to belong to (stripe_attempts references it). */
async function reservation(): Promise<string> {
  const id = randomUUID();
  await db.pool.query(sql.typeAlias('void')`
    INSERT INTO reservations (id, customer_id, event_id, status, amount_cents, seat_count, hold_expires_at, idempotency_key)
    VALUES (${id}, ${customerId}, ${eventId}, 'PAYING', 5000, 1, now() + interval '10 minutes', ${randomUUID()})
  `);
  return id;
}

/** The provider on `mock`, and every response the SDK received (with the Idempotency-Key stripe-mock echoed back). */
function stripeProvider(mock: StripeMock, secretKey = 'sk_test_BookingEngine') {
  const stripe = createStripeClient({ secretKey, apiBase: mock.apiBase });
  const responses: Stripe.ResponseEvent[] = [];
  stripe.on('response', (event: Stripe.ResponseEvent) => responses.push(event));
  const payments = createStripeProvider(db.pool, { stripe, currency: 'eur', testMode: secretKey.includes('_test_') });
  return { payments, responses };
}

const attemptRow = (key: string) => db.pool.maybeOne(sql.type(z.object({
  paymentMethod: z.string().nullable(), paymentIntentId: z.string().nullable(), refundId: z.string().nullable(), amountCents: z.number(), currency: z.string(),
}))`
  SELECT payment_method AS "paymentMethod", payment_intent_id AS "paymentIntentId", refund_id AS "refundId", amount_cents AS "amountCents", currency
  FROM stripe_attempts WHERE idempotency_key = ${key}
`);

/** The requests `mock` received after `before` of them. */
const since = (mock: StripeMock, before: number) => mock.requests().slice(before);
const createdIntents = (mock: StripeMock, before: number) => since(mock, before).filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');

async function chargeOnce(payments: PaymentProvider, reservationId: string, key = `${reservationId}:charge:0`) {
  const { paymentToken } = await payments.tokenize({ number: '4242 4242 4242 4242' });
  const { chargeId } = await payments.charge({ idempotencyKey: key, amountCents: 5000, paymentToken, reservationId });
  return { key, paymentToken, chargeId };
}

describe('the Stripe provider against stripe-mock', () => {
  test('tokenize swaps one of Stripe\'s test cards for a PaymentMethod made from its test token: no card number is sent', async () => {
    const { payments } = stripeProvider(paid);
    const before = paid.requests().length;
    const { paymentToken, last4 } = await payments.tokenize({ number: '4242 4242 4242 4242' });
    expect(paymentToken).toMatch(/^pm_\w+$/);
    expect(last4).toMatch(/^\d{4}$/);
    const [created] = since(paid, before);
    expect(created).toMatchObject({ method: 'POST', path: '/v1/payment_methods' });
    expect(created.data).toContain('card:map[token:tok_visa]');
    expect(created.data).toContain('type:card');
    expect(created.data).not.toContain('4242');

    // a number that is not a Stripe test card goes as card details (test mode only)
    await payments.tokenize({ number: '4000 0025 0000 3155', expMonth: 4, expYear: 2031 });
    expect(paid.requests().at(-1)!.data).toContain('card:map[exp_month:4 exp_year:2031 number:4000002500003155]');
  });

  test('with a live key, tokenize refuses to send a card number to Stripe at all', async () => {
    const { payments } = stripeProvider(paid, 'sk_live_BookingEngine');
    const before = paid.requests().length;
    await expect(payments.tokenize({ number: '4242424242424242' })).rejects.toBeInstanceOf(CardNumbersRefusedError);
    expect(since(paid, before)).toEqual([]);
  });

  test('charge confirms a PaymentIntent under the reservation\'s idempotency key, with its metadata, and records it', async () => {
    const { payments, responses } = stripeProvider(paid);
    const reservationId = await reservation();
    const before = paid.requests().length;
    const { key, paymentToken, chargeId } = await chargeOnce(payments, reservationId);
    expect(chargeId).toMatch(/^pi_\w+$/);

    const [sent] = createdIntents(paid, before);
    for (const parameter of [
      'amount:5000', 'confirm:true', 'currency:eur', `payment_method:${paymentToken}`, 'error_on_requires_action:true',
      'automatic_payment_methods:map[allow_redirects:never enabled:true]',
      `metadata:map[idempotencyKey:${key} reservationId:${reservationId}]`,
    ]) expect(sent.data).toContain(parameter);
    // the Idempotency-Key header reached stripe-mock: it echoes it in its answer
    expect(responses.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents'))
      .toEqual([expect.objectContaining({ idempotency_key: key, status: 200 })]);
    expect(await attemptRow(key)).toEqual({ paymentMethod: paymentToken, paymentIntentId: chargeId, refundId: null, amountCents: 5000, currency: 'eur' });
  });

  test('a charge again under a key whose PaymentIntent is known reads it back and sends no new charge, whatever token it brings', async () => {
    const { payments } = stripeProvider(paid);
    const reservationId = await reservation();
    const { key, chargeId, paymentToken } = await chargeOnce(payments, reservationId);
    const before = paid.requests().length;
    const again = await payments.charge({ idempotencyKey: key, amountCents: 5000, paymentToken: 'pm_another_card', reservationId });
    expect(again.chargeId).toBe(chargeId);
    expect(since(paid, before)).toEqual([expect.objectContaining({ method: 'GET', path: `/v1/payment_intents/${chargeId}` })]);
    expect((await attemptRow(key))!.paymentMethod).toBe(paymentToken);
  });

  test('closeAttempt of a key never charged closes it: NOT_CHARGED, and a charge that comes later sends nothing', async () => {
    const { payments } = stripeProvider(paid);
    const reservationId = await reservation();
    const key = `${reservationId}:charge:0`;
    const before = paid.requests().length;
    expect(await payments.closeAttempt({ idempotencyKey: key, reservationId, amountCents: 5000 })).toEqual({ outcome: 'NOT_CHARGED' });
    await expect(payments.charge({ idempotencyKey: key, amountCents: 5000, paymentToken: 'pm_late', reservationId })).rejects.toBeInstanceOf(PaymentAttemptClosedError);
    expect(since(paid, before)).toEqual([]);
    expect(await attemptRow(key)).toMatchObject({ paymentMethod: null, paymentIntentId: null });
    // and nothing to refund
    expect(await payments.refund({ idempotencyKey: key, reason: 'test' })).toEqual({ refunded: false });
  });

  test('closeAttempt of a charge whose answer was lost sends the identical request again under the same key (what Stripe replays, or performs)', async () => {
    const { payments, responses } = stripeProvider(paid);
    const reservationId = await reservation();
    const before = paid.requests().length;
    const { key } = await chargeOnce(payments, reservationId);
    const [original] = createdIntents(paid, before);
    // a crash between Stripe's answer and our record of it
    await db.pool.query(sql.typeAlias('void')`UPDATE stripe_attempts SET payment_intent_id = NULL WHERE idempotency_key = ${key}`);

    const closing = paid.requests().length;
    const outcome = await payments.closeAttempt({ idempotencyKey: key, reservationId, amountCents: 5000 });
    expect(outcome).toEqual({ outcome: 'CHARGED', chargeId: expect.stringMatching(/^pi_\w+$/) });
    const [resent] = createdIntents(paid, closing);
    expect(resent.data).toBe(original.data);
    expect(responses.filter((r) => r.path === '/v1/payment_intents').map((r) => r.idempotency_key)).toEqual([key, key]);
    expect((await attemptRow(key))!.paymentIntentId).toBe((outcome as { chargeId: string }).chargeId);
  });

  test('a key older than Stripe\'s 24-hour idempotency window is never sent again: its PaymentIntent is looked up by listing', async () => {
    const { payments } = stripeProvider(paid);
    const reservationId = await reservation();
    // stripe-mock lists one PaymentIntent, whose metadata carries this key
    const listedKey = STRIPE_MOCK_LISTED_KEY;
    const unlistedKey = `${reservationId}:charge:1`;
    await chargeOnce(payments, reservationId, listedKey);
    await chargeOnce(payments, reservationId, unlistedKey);
    await db.pool.query(sql.typeAlias('void')`
      UPDATE stripe_attempts SET payment_intent_id = NULL, created_at = now() - interval '25 hours'
      WHERE idempotency_key IN (${listedKey}, ${unlistedKey})
    `);

    const before = paid.requests().length;
    expect(await payments.closeAttempt({ idempotencyKey: listedKey, reservationId, amountCents: 5000 }))
      .toEqual({ outcome: 'CHARGED', chargeId: PAID_PAYMENT_INTENT.id });
    expect(await payments.closeAttempt({ idempotencyKey: unlistedKey, reservationId, amountCents: 5000 })).toEqual({ outcome: 'NOT_CHARGED' });
    const requests = since(paid, before);
    expect(createdIntents(paid, before)).toEqual([]);
    expect(requests.filter((r) => r.method === 'GET' && r.path === '/v1/payment_intents').length).toBeGreaterThanOrEqual(2);
    expect(requests[0].data).toMatch(/created:map\[gte:\d+ lte:\d+\] limit:100/);
  });

  test('refund refunds the PaymentIntent of the key under refund:<key>, once', async () => {
    const { payments, responses } = stripeProvider(paid);
    const reservationId = await reservation();
    const { key, chargeId } = await chargeOnce(payments, reservationId);
    const before = paid.requests().length;
    expect(await payments.refund({ idempotencyKey: key, reason: 'the booking could not be confirmed' })).toEqual({ refunded: true });
    const refunds = since(paid, before).filter((r) => r.path === '/v1/refunds');
    expect(refunds).toHaveLength(1);
    expect(refunds[0].data).toContain(`payment_intent:${chargeId}`);
    expect(refunds[0].data).toContain('reason:the booking could not be confirmed');
    expect(responses.filter((r) => r.path === '/v1/refunds').map((r) => r.idempotency_key)).toEqual([`refund:${key}`]);
    expect((await attemptRow(key))!.refundId).toMatch(/^re_\w+$/);

    // a second refund of the same key (a retried compensation) sends nothing
    const again = paid.requests().length;
    expect(await payments.refund({ idempotencyKey: key, reason: 'the booking could not be confirmed' })).toEqual({ refunded: true });
    expect(since(paid, again)).toEqual([]);
    expect(await payments.refund({ idempotencyKey: `${randomUUID()}:charge:0`, reason: 'unknown key' })).toEqual({ refunded: false });
  });

  test('a PaymentIntent that Stripe leaves unpaid is a decline, and is cancelled so that it can never be completed later', async () => {
    const { payments, responses } = stripeProvider(unpaid);
    const reservationId = await reservation();
    const key = `${reservationId}:charge:0`;
    const { paymentToken } = await payments.tokenize({ number: '4242424242424242' });
    const before = unpaid.requests().length;
    const declined = await payments.charge({ idempotencyKey: key, amountCents: 5000, paymentToken, reservationId }).catch((error: unknown) => error);
    expect(declined).toBeInstanceOf(PaymentDeclinedError);
    expect(declined).toMatchObject({ declineCode: 'card_declined' });
    const { paymentIntentId } = (await attemptRow(key))!;
    expect(since(unpaid, before).map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/payment_intents', `GET /v1/payment_intents/${paymentIntentId}`, `POST /v1/payment_intents/${paymentIntentId}/cancel`,
    ]);
    expect(responses.find((r) => r.path.endsWith('/cancel'))).toMatchObject({ idempotency_key: `cancel:${key}`, status: 200 });
    expect(await payments.closeAttempt({ idempotencyKey: key, reservationId, amountCents: 5000 })).toEqual({ outcome: 'DECLINED', declineCode: 'card_declined' });
    expect(await payments.refund({ idempotencyKey: key, reason: 'test' })).toEqual({ refunded: false });
  });

  test('createPaymentProvider builds the Stripe provider from PAYMENT_PROVIDER, STRIPE_SECRET_KEY, STRIPE_API_BASE and PAYMENT_CURRENCY', async () => {
    const config = loadConfig({ NODE_ENV: 'test', PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_FromConfig', STRIPE_API_BASE: paid.apiBase, PAYMENT_CURRENCY: 'USD' });
    const payments = createPaymentProvider(config, db.pool);
    const reservationId = await reservation();
    const before = paid.requests().length;
    const { chargeId } = await chargeOnce(payments, reservationId);
    expect(chargeId).toMatch(/^pi_/);
    expect(createdIntents(paid, before)[0].data).toContain('currency:usd');
    expect((await attemptRow(`${reservationId}:charge:0`))!.currency).toBe('usd');
  });
});
