import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { z } from 'zod';
import { createEventLifecycleService } from '../../src/events/lifecycle.ts';
import { sql } from '../../src/db/sql.ts';
import { eventLifecycleWorkflowId, lifecycleQuery, refreshSignal, rescheduleUpdate } from '../../workflows/event-lifecycle-messages.ts';
import { EventIdKey, EventLifecycleKey } from '../../workflows/search-attributes.ts';
import { bookSeats, eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';

/** `eventually` for a check made of expectations: retried until they pass. */
const until = (check: () => Promise<unknown>, timeoutMs: number, what: string) => eventually(async () => { await check(); return true; }, timeoutMs, what);

/**
 * The event lifecycle (issue 10): one workflow per published event moves its status on timers
 * (sale start, sale end, the event's date) and SOLD_OUT ⇄ ON_SALE with the inventory; the status
 * column stays the truth claims read. Against the real engine and Temporal dev server.
 */
let engine: TestEngine;
type Account = Awaited<ReturnType<TestEngine['register']>>;
let organizer: Account;
let customer: Account;
let support: Account;
let venueId: string;

beforeAll(async () => {
  // a sale checks its inventory every second here (30 s by default)
  engine = await startTestEngine('lifecycle', { RATE_LIMIT_HOLDS_PER_MINUTE: '0', EVENT_INVENTORY_CHECK_SECONDS: '1' });
  [organizer, customer, support] = [await engine.register('organizer'), await engine.register(), await engine.register('support')];
  venueId = (await as(organizer, 'POST', '/api/organizer/venues', { name: 'Lifecycle Hall' })).body.venue.id;
});
afterAll(async () => { await engine?.close(); });

const as = (caller: Account, method: string, path: string, body?: unknown) => engine.request(method, path, { token: caller.token, body });
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
const statusOf = (eventId: string) => engine.db.pool.oneFirst(sql.type(z.object({ status: z.string() }))`SELECT status FROM events WHERE id = ${eventId}`);
const workflowOf = (eventId: string) => engine.client.workflow.getHandle(eventLifecycleWorkflowId(eventId));
const searchAttributeOf = async (eventId: string) => (await workflowOf(eventId).describe()).typedSearchAttributes.get(EventLifecycleKey);

async function publishedEvent(window: Record<string, unknown>, sections?: unknown[]) {
  const created = await as(organizer, 'POST', '/api/organizer/events', {
    venueId, name: `Gig ${randomUUID().slice(0, 6)}`, startsAt: inMs(86_400_000), ...window,
    sections: sections ?? [{ name: 'Stalls', kind: 'RESERVED', priceCents: 3000, rows: 1, seatsPerRow: 2 }],
  });
  expect(created.status).toBe(201);
  const published = await as(organizer, 'POST', `/api/organizer/events/${created.body.id}/publish`);
  expect(published.status).toBe(200);
  return published.body as { id: string; status: string; seats: Array<{ id: string }> };
}

describe('the timers', () => {
  test('UPCOMING until sales open, ON_SALE, CLOSED when they close, COMPLETED at the event; the search attribute follows, and the workflow ends', async () => {
    const t0 = Date.now();
    const event = await publishedEvent({ salesStartAt: new Date(t0 + 4_000).toISOString(), salesEndAt: new Date(t0 + 8_000).toISOString(), startsAt: new Date(t0 + 12_000).toISOString() });
    expect(event.status).toBe('UPCOMING');
    const early = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId: event.id, seatIds: [event.seats[0].id] } });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('EVENT_NOT_ON_SALE');
    await until(async () => expect(await searchAttributeOf(event.id)).toBe('UPCOMING'), 10_000, 'the workflow runs');
    expect((await workflowOf(event.id).describe()).typedSearchAttributes.get(EventIdKey)).toBe(event.id);

    await until(async () => expect(await statusOf(event.id)).toBe('ON_SALE'), 15_000, 'sales open');
    const held = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId: event.id, seatIds: [event.seats[0].id] } });
    expect(held.status).toBe(201);
    await until(async () => expect(await statusOf(event.id)).toBe('CLOSED'), 15_000, 'sales close');
    await until(async () => expect(await searchAttributeOf(event.id)).toBe('CLOSED'), 5_000, 'the attribute says CLOSED');
    await until(async () => expect(await statusOf(event.id)).toBe('COMPLETED'), 15_000, 'the event took place');
    const result = await workflowOf(event.id).result();
    expect(result.status).toBe('COMPLETED');
    expect(await searchAttributeOf(event.id)).toBe('COMPLETED');
    const history = await workflowOf(event.id).fetchHistory();
    record('v1-completed.json', history);
  }, 60_000);

  test('an edit of the sale window reaches the workflow: opening sales now puts the event ON_SALE in the same request', async () => {
    const event = await publishedEvent({ salesStartAt: inMs(3_600_000) });
    expect(event.status).toBe('UPCOMING');
    await eventually(() => workflowOf(event.id).describe(), 10_000, 'the workflow runs');
    const edited = await as(organizer, 'PATCH', `/api/organizer/events/${event.id}`, { salesStartAt: null });
    expect(edited.status).toBe(200);
    expect(edited.body.status).toBe('ON_SALE');
    expect((await workflowOf(event.id).query(lifecycleQuery)).schedule?.salesStartAt).toBeNull();
    // a window out of order is refused by the API (400), the event unchanged
    const bad = await as(organizer, 'PATCH', `/api/organizer/events/${event.id}`, { salesEndAt: inMs(2 * 86_400_000) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(await statusOf(event.id)).toBe('ON_SALE');
  }, 30_000);

  test('republishing a closed event reopens its sales until the start, and its workflow (woken) follows', async () => {
    const event = await publishedEvent({ salesEndAt: inMs(2_000) });
    expect(event.status).toBe('ON_SALE');
    await until(async () => expect(await searchAttributeOf(event.id)).toBe('CLOSED'), 15_000, 'sales close');
    const reopened = await as(organizer, 'POST', `/api/organizer/events/${event.id}/publish`);
    expect(reopened.status).toBe(200);
    expect(reopened.body).toEqual(expect.objectContaining({ status: 'ON_SALE', salesEndAt: null }));
    await until(async () => expect(await workflowOf(event.id).query(lifecycleQuery)).toEqual(expect.objectContaining({ status: 'ON_SALE', phase: 'ON_SALE' })), 10_000, 'the workflow follows');
    expect(await searchAttributeOf(event.id)).toBe('ON_SALE');
  }, 30_000);

  test('malformed reschedule Updates (CLI, UI) are rejected by the validator and never wedge the workflow', async () => {
    const event = await publishedEvent({ salesStartAt: inMs(3_600_000) });
    await eventually(() => workflowOf(event.id).describe(), 10_000, 'the workflow runs');
    const handle = workflowOf(event.id);
    for (const junk of [null, 'soon', { startsAt: 'tomorrow', salesStartAt: null, salesEndAt: null }, { startsAt: inMs(1000), salesStartAt: inMs(5000), salesEndAt: null }]) {
      await expect(handle.executeUpdate(rescheduleUpdate, { args: [junk as never] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    }
    await handle.signal(refreshSignal);
    // still there, still obeying a good schedule (the row's, which the activity confirms)
    await engine.db.pool.query(sql.typeAlias('void')`UPDATE events SET sales_start_at = NULL WHERE id = ${event.id}`);
    const view = await handle.executeUpdate(rescheduleUpdate, { args: [{ startsAt: (await as(organizer, 'GET', `/api/organizer/events/${event.id}`)).body.startsAt, salesStartAt: null, salesEndAt: null }] });
    expect(view.status).toBe('ON_SALE');
    expect(await statusOf(event.id)).toBe('ON_SALE');
    const { events } = await handle.fetchHistory();
    expect(events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length).toBe(1);
  }, 30_000);
});

describe('SOLD_OUT follows the inventory', () => {
  test('selling every seat makes the event SOLD_OUT (no more holds); a refund puts it back ON_SALE at once', async () => {
    const event = await publishedEvent({ salesStartAt: inMs(3_600_000) });
    expect(event.status).toBe('UPCOMING');
    await until(async () => expect(await searchAttributeOf(event.id)).toBe('UPCOMING'), 10_000, 'the workflow runs');
    expect((await as(organizer, 'PATCH', `/api/organizer/events/${event.id}`, { salesStartAt: null })).body.status).toBe('ON_SALE');
    const [first, second] = event.seats.map((s) => s.id);
    await bookSeats(engine, customer, event.id, [first]);
    const last = await bookSeats(engine, customer, event.id, [second]);
    await until(async () => expect(await statusOf(event.id)).toBe('SOLD_OUT'), 10_000, 'sold out');
    await until(async () => expect(await searchAttributeOf(event.id)).toBe('SOLD_OUT'), 5_000, 'the attribute says SOLD_OUT');
    const refused = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId: event.id, seatIds: [second] } });
    expect(refused.status).toBe(409);

    const refunded = await as(support, 'POST', `/api/support/bookings/${last}/cancel`, { reason: 'cannot come' });
    expect(refunded.status).toBe(200);
    // back on sale in the refund's own commit (no claim is refused for SOLD_OUT meanwhile); the workflow follows
    expect(await statusOf(event.id)).toBe('ON_SALE');
    await until(async () => expect(await searchAttributeOf(event.id)).toBe('ON_SALE'), 10_000, 'the attribute says ON_SALE');
    const again = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId: event.id, seatIds: [second] } });
    expect(again.status).toBe(201);
    // this path (rescheduled, sold out, back on sale, cancelled) is a recorded history too
    expect((await as(organizer, 'POST', `/api/organizer/events/${event.id}/cancel`, { reason: 'recorded' })).status).toBe(200);
    expect((await workflowOf(event.id).result()).status).toBe('CANCELLED');
    record('v1-rescheduled-sold-out-cancelled.json', await workflowOf(event.id).fetchHistory());
  }, 60_000);
});

describe('events that were never published through the API', () => {
  test("seeded events get their workflow from the worker's sweep, once", async () => {
    const seeded = await engine.createEvent(); // ON_SALE, straight into the database (the demo seed's way)
    const closed = await engine.createEvent({ status: 'CLOSED' }); // sales closed by hand: they stay closed
    const lifecycle = createEventLifecycleService({ pool: engine.db.pool, temporal: engine.client, config: engine.config, log: pino({ level: 'silent' }) });
    expect(await lifecycle.ensureStarted()).toBeGreaterThanOrEqual(2);
    await until(async () => expect(await searchAttributeOf(seeded.eventId)).toBe('ON_SALE'), 10_000, 'the seeded event has a workflow');
    await until(async () => expect(await searchAttributeOf(closed.eventId)).toBe('CLOSED'), 10_000, 'the closed event has a workflow');
    expect(await statusOf(closed.eventId)).toBe('CLOSED');
    const started = await engine.db.pool.oneFirst(sql.type(z.object({ at: z.string().nullable() }))`SELECT lifecycle_started_at::text AS at FROM events WHERE id = ${seeded.eventId}`);
    expect(started).not.toBeNull();
    expect(await lifecycle.ensureStarted()).toBe(0);
  }, 30_000);
});

/**
 * Recorded histories of the event workflow replay against today's code on every run: a change to
 * workflows/event-lifecycle.ts that would break running workflows fails here; guard it with
 * `patched()`. `RECORD_WORKFLOW_HISTORIES=1 npm test -- tests/events/` records missing paths.
 */
const FIXTURES = new URL('../fixtures/event-histories/', import.meta.url);
function record(name: string, history: temporal.api.history.v1.IHistory) {
  const file = new URL(name, FIXTURES);
  if (process.env.RECORD_WORKFLOW_HISTORIES === '1' && !existsSync(file)) {
    mkdirSync(FIXTURES, { recursive: true });
    writeFileSync(file, `${JSON.stringify(history, null, 1)}\n`);
  }
}

describe('the event workflow across deploys', () => {
  test('replays deterministically: a run of today, and every recorded history', async () => {
    const bundle = { workflowBundle: { codePath: process.env.TEMPORAL_WORKFLOW_BUNDLE! } };
    const event = await publishedEvent({});
    const cancelled = await as(organizer, 'POST', `/api/organizer/events/${event.id}/cancel`, { reason: 'replay' });
    expect(cancelled.status).toBe(200);
    await workflowOf(event.id).result();
    const history = await workflowOf(event.id).fetchHistory();
    await Worker.runReplayHistory(bundle, history, eventLifecycleWorkflowId(event.id));
    record('v1-cancelled.json', history);
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(['v1-cancelled.json', 'v1-completed.json', 'v1-rescheduled-sold-out-cancelled.json']);
    for (const name of files) {
      const recorded = temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>);
      await Worker.runReplayHistory(bundle, recorded, name);
    }
  }, 30_000);
});
