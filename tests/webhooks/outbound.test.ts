/**
 * Outbound webhooks against the real engine (PostgreSQL, the Temporal dev server, the worker with
 * its dispatcher) and a real HTTP receiver on 127.0.0.1: organizers register endpoints, bookings of
 * their tenant's events are confirmed, refunded and transferred through the ordinary routes and
 * workflows, and the receiver gets signed deliveries; failed attempts are retried with backoff and
 * logged; each tenant's endpoints get only its own events.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { bookSeats, eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { webhookDeliveryWorkflowId } from '../../workflows/webhook-delivery-messages.ts';

let engine: TestEngine;
let receiver: Receiver;

type Caller = Awaited<ReturnType<TestEngine['register']>>;
interface Received { path: string; headers: IncomingHttpHeaders; body: string; at: number }
interface Receiver { url: string; requests: Received[]; server: Server; of(path: string): Received[] }

/**
 * A webhook receiver: `/ok...` answers 204; `/flaky...` answers 503 to the first two tries of each
 * event (by webhook-id) and 200 after; `/down...` always 500.
 */
async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  const tries = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const id = String(req.headers['webhook-id']);
      const n = (tries.get(`${path}|${id}`) ?? 0) + 1;
      tries.set(`${path}|${id}`, n);
      if (path.startsWith('/flaky')) res.writeHead(n <= 2 ? 503 : 200).end(n <= 2 ? 'busy, try later' : 'ok');
      else if (path.startsWith('/down')) res.writeHead(500).end('receiver is down');
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, server, of: (path) => requests.filter((r) => r.path === path) };
}

beforeAll(async () => {
  receiver = await startReceiver();
  // quick retries, so a test sees the backoff run out: 300 ms, 600 ms, 1.2 s between four attempts
  engine = await startTestEngine('webhooks', {
    RATE_LIMIT_HOLDS_PER_MINUTE: '0', WEBHOOK_RETRY_INITIAL_MS: '300', WEBHOOK_RETRY_MAX_MS: '2000', WEBHOOK_MAX_ATTEMPTS: '4', WEBHOOK_TIMEOUT_MS: '3000',
  });
});
afterAll(async () => {
  await engine?.close();
  await new Promise((resolve) => receiver?.server.close(resolve));
});

const as = (caller: Caller, method: string, path: string, body?: unknown) => engine.request(method, path, { token: caller.token, body });

/** A published event of the organizer's tenant, a week away (customers may still cancel); its id and seat ids. */
async function tenantEvent(organizer: Caller): Promise<{ eventId: string; seatIds: string[] }> {
  const venue = await as(organizer, 'POST', '/api/organizer/venues', { name: `Hall ${randomUUID().slice(0, 6)}` });
  expect(venue.status).toBe(201);
  const draft = await as(organizer, 'POST', '/api/organizer/events', {
    venueId: venue.body.venue.id, name: `Gig ${randomUUID().slice(0, 6)}`, startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    sections: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 4000, rows: 2, seatsPerRow: 5 }],
  });
  expect(draft.status).toBe(201);
  expect((await as(organizer, 'POST', `/api/organizer/events/${draft.body.id}/publish`)).status).toBe(200);
  const event = await engine.request('GET', `/api/events/${draft.body.id}`);
  return { eventId: draft.body.id, seatIds: (event.body.seats as Array<{ id: string }>).map((s) => s.id) };
}

async function register(organizer: Caller, path: string, eventTypes?: string[]): Promise<{ id: string; secret: string }> {
  const res = await as(organizer, 'POST', '/api/organizer/webhooks', { url: `${receiver.url}${path}`, description: `receiver ${path}`, ...(eventTypes ? { eventTypes } : {}) });
  expect(res.status).toBe(201);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return { id: res.body.endpoint.id, secret: res.body.secret };
}

const deliveries = async (organizer: Caller, endpointId: string) => {
  const res = await as(organizer, 'GET', `/api/organizer/webhooks/${endpointId}/deliveries`);
  expect(res.status).toBe(200);
  return res.body.items as Array<{ id: string; eventId: string; eventType: string; status: string; lastError: string | null; attempts: Array<{ attempt: number; statusCode: number | null; error: string | null; attemptedAt: string; durationMs: number }> }>;
};
/** Waits until every delivery of the endpoint has ended (and there are `count`), and answers them. */
const settled = (organizer: Caller, endpointId: string, count: number) => eventually(async () => {
  const items = await deliveries(organizer, endpointId);
  if (items.length !== count || items.some((d) => d.status === 'PENDING')) throw new Error(`deliveries: ${JSON.stringify(items.map((d) => d.status))}`);
  return items;
}, 30_000, `${count} settled deliveries of ${endpointId}`);

/** Checks a delivery's signature by the Standard Webhooks rules, by hand (node:crypto) and with the reference library. */
function expectSignedFor(request: Received, secret: string) {
  const id = String(request.headers['webhook-id']);
  const timestamp = String(request.headers['webhook-timestamp']);
  expect(Math.abs(Number(timestamp) - request.at / 1000)).toBeLessThan(10);
  const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${request.body}`).digest();
  const signatures = String(request.headers['webhook-signature']).split(' ').map((s) => s.split(','));
  expect(signatures.some(([version, sig]) => version === 'v1' && timingSafeEqual(Buffer.from(sig, 'base64'), expected))).toBe(true);
  expect(new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).toEqual(JSON.parse(request.body));
  expect(request.headers['content-type']).toBe('application/json');
}

describe('outbound webhooks', () => {
  test('a confirmed booking reaches a real receiver as signed JSON; the secret is shown once; the log shows the attempt', async () => {
    const organizer = await engine.register('organizer');
    const customer = await engine.register();
    const { eventId, seatIds } = await tenantEvent(organizer);
    const endpoint = await register(organizer, '/ok-confirmed', ['booking.confirmed']);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = await as(organizer, 'GET', '/api/organizer/webhooks');
    expect(listed.body.items).toEqual([expect.objectContaining({ id: endpoint.id, url: `${receiver.url}/ok-confirmed`, enabled: true, eventTypes: ['booking.confirmed'] })]);
    expect(JSON.stringify(listed.body)).not.toContain(endpoint.secret.slice(6));
    // the secret is stored encrypted: its text is nowhere in the row
    const stored = await engine.db.pool.oneFirst(sql.type(z.object({ row: z.string() }))`SELECT row_to_json(w)::text AS row FROM webhook_endpoints w WHERE id = ${endpoint.id}`);
    expect(stored).not.toContain(endpoint.secret.slice(6, 30));

    const reference = await bookSeats(engine, customer, eventId, seatIds.slice(0, 2));
    const [delivery] = await settled(organizer, endpoint.id, 1);
    const [request] = receiver.of('/ok-confirmed');
    expectSignedFor(request, endpoint.secret);
    const payload = JSON.parse(request.body);
    expect(payload).toEqual({
      id: delivery.eventId, type: 'booking.confirmed', createdAt: expect.any(String), tenantId: expect.any(String),
      data: expect.objectContaining({ bookingReference: reference, eventId, seatCount: 2, amountCents: 8000 }),
    });
    expect(request.headers['webhook-id']).toBe(delivery.eventId);
    // no personal data of the buyer
    expect(request.body).not.toContain(customer.email);
    expect(delivery).toMatchObject({ eventType: 'booking.confirmed', status: 'SUCCEEDED', lastError: null, attempts: [{ attempt: 1, statusCode: 204, error: null }] });
  }, 60_000);

  test('a receiver that fails twice then succeeds gets three attempts, logged with status and time, backing off', async () => {
    const organizer = await engine.register('organizer');
    const customer = await engine.register();
    const { eventId, seatIds } = await tenantEvent(organizer);
    const endpoint = await register(organizer, '/flaky');
    await bookSeats(engine, customer, eventId, seatIds.slice(0, 1));
    const [delivery] = await settled(organizer, endpoint.id, 1);
    expect(delivery.status).toBe('SUCCEEDED');
    expect(delivery.attempts.map((a) => [a.attempt, a.statusCode])).toEqual([[1, 503], [2, 503], [3, 200]]);
    expect(delivery.attempts[0].error).toBe('HTTP 503: busy, try later');
    expect(delivery.attempts[2].error).toBeNull();
    // exponential backoff: at least 300 ms before the second try, at least 600 ms before the third (the
    // server's timers may fire later, never earlier), as the activity's retry policy in the history says
    const times = delivery.attempts.map((a) => Date.parse(a.attemptedAt));
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(300 - 20);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(600 - 20);
    const history = await engine.client.workflow.getHandle(webhookDeliveryWorkflowId(delivery.id)).fetchHistory();
    const scheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deliverWebhook')!.activityTaskScheduledEventAttributes!;
    expect(scheduled.retryPolicy).toMatchObject({ backoffCoefficient: 2, maximumAttempts: 4 });
    expect(Number(scheduled.retryPolicy!.initialInterval!.nanos) / 1e6 + Number(scheduled.retryPolicy!.initialInterval!.seconds ?? 0) * 1000).toBe(300);
    // the same event id on every try, each signed afresh
    const tries = receiver.of('/flaky');
    expect(tries).toHaveLength(3);
    expect(new Set(tries.map((t) => t.headers['webhook-id']))).toEqual(new Set([delivery.eventId]));
    for (const attempt of tries) expectSignedFor(attempt, endpoint.secret);
    const result = await engine.client.workflow.getHandle(webhookDeliveryWorkflowId(delivery.id)).result();
    expect(result).toEqual({ deliveryId: delivery.id, outcome: 'SUCCEEDED' });
  }, 60_000);

  test('a receiver that never answers 2xx: the delivery ends FAILED after WEBHOOK_MAX_ATTEMPTS attempts, each logged', async () => {
    const organizer = await engine.register('organizer');
    const { eventId, seatIds } = await tenantEvent(organizer);
    const endpoint = await register(organizer, '/down');
    await bookSeats(engine, await engine.register(), eventId, seatIds.slice(0, 1));
    const [delivery] = await settled(organizer, endpoint.id, 1);
    expect(delivery.status).toBe('FAILED');
    expect(delivery.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500, 500]);
    expect(delivery.lastError).toMatch(/^gave up after 4 attempts; the last: attempt 4: HTTP 500: receiver is down/);
    expect(receiver.of('/down')).toHaveLength(4);
  }, 60_000);

  test('refunds and ticket transfers are delivered too, each in its own event', async () => {
    const organizer = await engine.register('organizer');
    const [customer, friend] = [await engine.register(), await engine.register()];
    const { eventId, seatIds } = await tenantEvent(organizer);
    const endpoint = await register(organizer, '/ok-lifecycle');
    const reference = await bookSeats(engine, customer, eventId, seatIds.slice(0, 2));
    const tickets = (await as(customer, 'GET', `/api/bookings/${reference}/tickets`)).body.tickets as Array<{ id: string }>;
    expect((await as(customer, 'POST', `/api/tickets/${tickets[0].id}/transfer`, { email: friend.email })).status).toBe(200);
    const other = await bookSeats(engine, customer, eventId, seatIds.slice(2, 3));
    expect((await as(customer, 'POST', `/api/bookings/${other}/cancel`, { reason: 'cannot come' })).status).toBe(200);

    const items = await settled(organizer, endpoint.id, 4);
    expect(items.every((d) => d.status === 'SUCCEEDED')).toBe(true);
    const bodies = receiver.of('/ok-lifecycle').map((r) => JSON.parse(r.body));
    for (const r of receiver.of('/ok-lifecycle')) expectSignedFor(r, endpoint.secret);
    expect(bodies.map((b) => b.type).sort()).toEqual(['booking.confirmed', 'booking.confirmed', 'booking.refunded', 'ticket.transferred']);
    expect(bodies.find((b) => b.type === 'ticket.transferred').data).toMatchObject({ ticketId: tickets[0].id, newTicketId: expect.any(String), bookingReference: reference, eventId, section: 'Stalls' });
    expect(bodies.find((b) => b.type === 'booking.refunded').data).toMatchObject({ bookingReference: other, amountCents: 4000, cancelledBy: 'customer', reason: 'cannot come' });
  }, 60_000);

  test('each endpoint gets only its own tenant\'s events; another tenant\'s organizer can neither see nor change it', async () => {
    const [organizerA, organizerB] = [await engine.register('organizer'), await engine.register('organizer')];
    const [eventA, eventB] = [await tenantEvent(organizerA), await tenantEvent(organizerB)];
    const [endpointA, endpointB] = [await register(organizerA, '/ok-tenant-a'), await register(organizerB, '/ok-tenant-b')];
    const customer = await engine.register();
    const referenceA = await bookSeats(engine, customer, eventA.eventId, eventA.seatIds.slice(0, 1));
    const referenceB = await bookSeats(engine, customer, eventB.eventId, eventB.seatIds.slice(0, 1));
    await settled(organizerA, endpointA.id, 1);
    await settled(organizerB, endpointB.id, 1);
    expect(receiver.of('/ok-tenant-a').map((r) => JSON.parse(r.body).data.bookingReference)).toEqual([referenceA]);
    expect(receiver.of('/ok-tenant-b').map((r) => JSON.parse(r.body).data.bookingReference)).toEqual([referenceB]);

    // B sees its own endpoint only, and A's is a 404 for every operation
    expect((await as(organizerB, 'GET', '/api/organizer/webhooks')).body.items.map((e: { id: string }) => e.id)).toEqual([endpointB.id]);
    for (const [method, path, body] of [
      ['GET', `/api/organizer/webhooks/${endpointA.id}/deliveries`], ['PATCH', `/api/organizer/webhooks/${endpointA.id}`, { enabled: false }], ['DELETE', `/api/organizer/webhooks/${endpointA.id}`],
    ] as const) {
      const res = await as(organizerB, method, path, body);
      expect({ method, status: res.status, code: res.body.error?.code }).toEqual({ method, status: 404, code: 'NOT_FOUND' });
    }
    expect((await as(organizerA, 'GET', '/api/organizer/webhooks')).body.items).toEqual([expect.objectContaining({ id: endpointA.id, enabled: true })]);

    // and PostgreSQL itself refuses a delivery of one tenant's event to another tenant's endpoint
    const eventOfA = (await deliveries(organizerA, endpointA.id))[0].eventId;
    await expect(engine.db.pool.query(sql.typeAlias('void')`
      INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id)
      SELECT w.tenant_id, w.id, ${eventOfA} FROM webhook_endpoints w WHERE w.id = ${endpointB.id}
    `)).rejects.toThrow(/foreign key/);
  }, 60_000);

  test('a disabled endpoint gets nothing, an enabled one again gets the next events; deleting removes its log', async () => {
    const organizer = await engine.register('organizer');
    const customer = await engine.register();
    const { eventId, seatIds } = await tenantEvent(organizer);
    const endpoint = await register(organizer, '/ok-toggled');
    const disabled = await as(organizer, 'PATCH', `/api/organizer/webhooks/${endpoint.id}`, { enabled: false });
    expect(disabled.body.endpoint).toMatchObject({ id: endpoint.id, enabled: false });
    await bookSeats(engine, customer, eventId, seatIds.slice(0, 1));
    expect(await deliveries(organizer, endpoint.id)).toEqual([]);
    expect((await as(organizer, 'PATCH', `/api/organizer/webhooks/${endpoint.id}`, { enabled: true })).body.endpoint.enabled).toBe(true);
    const reference = await bookSeats(engine, customer, eventId, seatIds.slice(1, 2));
    await settled(organizer, endpoint.id, 1);
    expect(receiver.of('/ok-toggled').map((r) => JSON.parse(r.body).data.bookingReference)).toEqual([reference]);

    expect((await as(organizer, 'DELETE', `/api/organizer/webhooks/${endpoint.id}`)).status).toBe(204);
    expect((await as(organizer, 'GET', `/api/organizer/webhooks/${endpoint.id}/deliveries`)).status).toBe(404);
    const left = await engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = ${endpoint.id}`);
    expect(left).toBe(0);
  }, 60_000);

  test('registration refuses URLs that are not https to a public host, and answers the refusal in the error shape', async () => {
    const organizer = await engine.register('organizer');
    for (const url of ['https://10.0.0.7/hook', 'http://hooks.example.com/hook', 'https://169.254.169.254/latest', 'ftp://hooks.example.com/x', 'https://user:pw@hooks.example.com/x']) {
      const res = await as(organizer, 'POST', '/api/organizer/webhooks', { url });
      expect({ url, status: res.status, code: res.body.error?.code, path: res.body.error?.details?.issues?.[0]?.path }).toEqual({ url, status: 400, code: 'VALIDATION_FAILED', path: 'body.url' });
    }
    expect((await as(organizer, 'GET', '/api/organizer/webhooks')).body.items).toEqual([]);
    expect((await as(organizer, 'POST', '/api/organizer/webhooks', { url: 'https://hooks.example.com/booking-events' })).status).toBe(201);
  });
});

/**
 * Delivery workflows in flight meet every deploy: new code must replay their histories. If this
 * fails after a change to workflows/webhook-delivery.ts, guard the change with `patched()`.
 * `RECORD_WORKFLOW_HISTORIES=1 npm test -- tests/webhooks/outbound.test.ts` records a path that has no recording yet.
 */
describe('the webhook delivery workflow across deploys', () => {
  const FIXTURES = new URL('../fixtures/webhook-histories/', import.meta.url);
  const bundle = () => ({ workflowBundle: { codePath: process.env.TEMPORAL_WORKFLOW_BUNDLE! } });

  test('replays deterministically: runs of today (retried to success, failed), and every recorded history', async () => {
    const organizer = await engine.register('organizer');
    const { eventId, seatIds } = await tenantEvent(organizer);
    const flaky = await register(organizer, '/flaky-replay');
    const down = await register(organizer, '/down-replay');
    await bookSeats(engine, await engine.register(), eventId, seatIds.slice(0, 1));
    const [succeeded] = await settled(organizer, flaky.id, 1);
    const [failed] = await settled(organizer, down.id, 1);
    expect([succeeded.status, failed.status]).toEqual(['SUCCEEDED', 'FAILED']);
    for (const [name, delivery] of [['v1-succeeded-after-retries.json', succeeded], ['v1-failed.json', failed]] as const) {
      const workflowId = webhookDeliveryWorkflowId(delivery.id);
      await engine.client.workflow.getHandle(workflowId).result();
      const history = await engine.client.workflow.getHandle(workflowId).fetchHistory();
      await Worker.runReplayHistory(bundle(), history, workflowId);
      const file = new URL(name, FIXTURES);
      if (process.env.RECORD_WORKFLOW_HISTORIES === '1' && !existsSync(file)) {
        mkdirSync(FIXTURES, { recursive: true });
        writeFileSync(file, `${JSON.stringify(history, null, 1)}\n`);
      }
    }
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(['v1-failed.json', 'v1-succeeded-after-retries.json']);
    for (const name of files) {
      const recorded = temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>);
      await Worker.runReplayHistory(bundle(), recorded, name);
    }
  }, 90_000);
});
