import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { startMetricsServer } from '../../src/metrics.ts';
import { TEST_CARDS } from '../../src/payments/simulated.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';

let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('metrics', {}, { realtime: true }); });
afterAll(async () => { await engine?.close(); });

/** The value of one sample of the Prometheus text at /metrics (undefined when absent). */
async function sample(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const res = await engine.request('GET', '/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const wanted = Object.entries(labels);
  for (const line of String(res.body).split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const has = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (wanted.every(([k, v]) => has[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('Prometheus metrics at /metrics', () => {
  test('count holds and checkouts by outcome, time requests by route, and follow the outbox to zero backlog', async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const [ana, ben] = await Promise.all([engine.register(), engine.register()]);
    const held = await engine.request('POST', '/api/reservations', { token: ana.token, body: { eventId, seatIds: [seatIds[0]] } });
    expect(held.status).toBe(201);
    expect((await engine.request('POST', '/api/reservations', { token: ben.token, body: { eventId, seatIds: [seatIds[0]] } })).status).toBe(409);
    const pay = (card: string) => engine.request('POST', `/api/reservations/${held.body.reservation.id}/checkout`, { token: ana.token, body: { card: { number: card } } });
    expect((await pay(TEST_CARDS.declined)).status).toBe(402);
    expect((await pay(TEST_CARDS.success)).status).toBe(200);

    expect(await sample('booking_holds_total', { outcome: 'created' })).toBe(1);
    expect(await sample('booking_holds_total', { outcome: 'seat_taken' })).toBe(1);
    // one at a time, each hold went to PostgreSQL alone, in no batch
    expect(await sample('booking_hold_claims_total', { path: 'alone' })).toBe(2);
    expect(await sample('booking_hold_claims_total', { path: 'batched' })).toBeUndefined();
    expect(await sample('booking_checkouts_total', { outcome: 'payment_declined' })).toBe(1);
    expect(await sample('booking_checkouts_total', { outcome: 'confirmed' })).toBe(1);
    expect(await sample('booking_http_request_duration_seconds_count', { method: 'POST', route: '/api/reservations', status: '409' })).toBe(1);
    expect(await sample('booking_http_request_duration_seconds_count', { method: 'POST', route: '/api/reservations/:id/checkout', status: '402' })).toBe(1);
    expect(await sample('booking_open_holds')).toBe(0);

    // the hold, the sale and the customer's updates all went out through the relay
    await eventually(async () => (await sample('booking_outbox_unpublished')) === 0, 5000, 'outbox drained');
    expect(await sample('booking_outbox_oldest_unpublished_seconds')).toBe(0);
    expect(await sample('booking_outbox_published_total', { topic: 'seats.changed' })).toBeGreaterThanOrEqual(2);
    expect(await sample('booking_outbox_commit_to_publish_seconds_count')).toBeGreaterThanOrEqual(4);
    expect(await sample('booking_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  test('METRICS_PORT serves the same metrics on a listener of their own, and nothing else there', async () => {
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }) });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^booking_holds_total\{outcome="created"\} \d+$/m);
      expect((await fetch(`${base}/api/events`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
