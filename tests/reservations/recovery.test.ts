import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { activityDataErrorsTotal } from '../../src/metrics.ts';
import { TEST_CARDS } from '../../src/payments/simulated.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { createHold } from '../../src/db/reservations.ts';
import { sql } from '../../src/db/sql.ts';
import { ReservationStateKey } from '../../workflows/search-attributes.ts';
import { crashedCheckout } from '../helpers/crashed-checkout.ts';
import { reservationRow, seatRows } from '../helpers/queries.ts';

/**
 * Histories recorded by earlier versions of the workflow. Workflows run for minutes, so a
 * deploy meets running ones: new code must replay their histories. If this fails after a
 * change to workflows/, guard the change with `patched()`. `RECORD_WORKFLOW_HISTORIES=1 npm test --
 * tests/reservations/recovery` records the paths that have no recording yet (a new path of the
 * workflow); delete a recording to record it again only for a deploy that leaves no workflow running.
 */
const record = (name: string, history: unknown) => {
  const file = new URL(`${name}.json`, FIXTURES);
  if (process.env.RECORD_WORKFLOW_HISTORIES !== '1' || existsSync(file)) return;
  mkdirSync(FIXTURES, { recursive: true });
  writeFileSync(file, `${JSON.stringify(history, null, 1)}\n`);
};
const FIXTURES = new URL('../fixtures/workflow-histories/', import.meta.url);
const bundle = () => ({ workflowBundle: { codePath: process.env.TEMPORAL_WORKFLOW_BUNDLE! } });
const historyOf = (json: unknown) => temporal.api.history.v1.History.fromObject(json as Record<string, unknown>);

let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('recovery', { PAYMENT_FOLLOW_UP_SECONDS: '1' }); });
afterAll(async () => { await engine?.close(); });

describe('crash recovery', () => {
  test('a worker stopped and restarted mid-hold still ends every reservation correctly', async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const customer = await engine.register();
    const hold = async (seatId: string, holdSeconds: number) =>
      (await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: [seatId], holdSeconds } })).body.reservation.id as string;
    const toExpire = await hold(seatIds[0], 2);
    const toConfirm = await hold(seatIds[1], 60);
    const toCancel = await hold(seatIds[2], 60);

    await engine.stopWorker();
    // while no worker runs: the timer of the first hold fires, a cancel arrives for the third
    const cancel = engine.request('POST', `/api/reservations/${toCancel}/cancel`, { token: customer.token, body: { reason: 'while down' } });
    expect((await cancel).status).toBe(202);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await seatRows(engine.db.pool, [seatIds[0]]))[0].state).toBe('HELD');
    await engine.startWorker();

    const paid = await engine.request('POST', `/api/reservations/${toConfirm}/checkout`, { token: customer.token, body: { card: { number: TEST_CARDS.success } } });
    expect(paid.status).toBe(200);
    await eventually(async () => (await reservationRow(engine.db.pool, toExpire)).status === 'EXPIRED', 15_000, 'expiry after restart');
    await eventually(async () => (await reservationRow(engine.db.pool, toCancel)).status === 'CANCELLED', 15_000, 'cancel after restart');
    expect((await seatRows(engine.db.pool, seatIds.slice(0, 3))).map((s) => s.state).sort()).toEqual(['AVAILABLE', 'AVAILABLE', 'SOLD']);
    expect((await seatRows(engine.db.pool, [seatIds[1]]))[0].state).toBe('SOLD');
  });

  test('every path of a reservation replays deterministically from its recorded history', async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const customer = await engine.register();
    const hold = async (seatId: string, holdSeconds = 60) =>
      (await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: [seatId], holdSeconds } })).body.reservation.id as string;
    const pay = (id: string, card: string) =>
      engine.request('POST', `/api/reservations/${id}/checkout`, { token: customer.token, body: { card: { number: card } } });
    // extended, declined, then paid
    const paid = await hold(seatIds[5]);
    expect((await engine.request('POST', `/api/reservations/${paid}/extend`, { token: customer.token, body: { seconds: 30 } })).status).toBe(200);
    expect((await pay(paid, TEST_CARDS.declined)).status).toBe(402);
    expect((await pay(paid, TEST_CARDS.transientFailure)).status).toBe(200);
    // expired by its timer, and cancelled
    const expired = await hold(seatIds[6], 2);
    const cancelled = await hold(seatIds[7]);
    expect((await engine.request('POST', `/api/reservations/${cancelled}/cancel`, { token: customer.token, body: {} })).status).toBe(202);
    // a checkout cut off by a crash after the charge, settled when the reconciler nudged the workflow
    const settled = await hold(seatIds[8]);
    await engine.workflowOf(settled);
    await crashedCheckout(engine, settled, { charged: true });
    // the same, but the seats were lost meanwhile: refunded
    const refunded = await hold(seatIds[9]);
    await engine.workflowOf(refunded);
    await crashedCheckout(engine, refunded, { charged: true });
    await engine.db.pool.query(sql.typeAlias('void')`UPDATE seats SET hold_expires_at = now() - interval '1 second' WHERE id = ${seatIds[9]}`);
    const rival = await engine.register();
    expect((await engine.request('POST', '/api/reservations', { token: rival.token, body: { eventId, seatIds: [seatIds[9]] } })).status).toBe(201);
    // "Request Cancellation" from the Temporal UI
    const cancelledInTemporal = await hold(seatIds[10]);
    await (await engine.workflowOf(cancelledInTemporal)).cancel();
    // a checkout that arrives before any starter started the workflow (Update-with-Start)
    const startedByCheckout = (await createHold(engine.db.pool, {
      customerId: customer.customerId, eventId, seatIds: [seatIds[11]], idempotencyKey: 'started-by-checkout', holdSeconds: 60, passiveGraceSeconds: 1,
    })).reservationId;
    await engine.db.pool.query(sql.typeAlias('void')`DELETE FROM workflow_starts WHERE reservation_id = ${startedByCheckout}`);
    expect((await pay(startedByCheckout, TEST_CARDS.success)).status).toBe(200);
    // terminated in Temporal: the reconciler has a new run cancel the hold (the run recorded is that one)
    const terminated = await hold(seatIds[12]);
    await (await engine.workflowOf(terminated)).terminate('stuck order');
    // paid with a discount code: the checkout Update's input carries the discount
    const staff = await engine.register('support');
    expect((await engine.request('POST', `/api/support/events/${eventId}/discount-codes`, { token: staff.token, body: { code: 'REPLAY20', kind: 'PERCENT', value: 20 } })).status).toBe(201);
    const discounted = await hold(seatIds[13]);
    await engine.workflowOf(discounted);
    const discountPaid = await engine.request('POST', `/api/reservations/${discounted}/checkout`, { token: customer.token, body: { card: { number: TEST_CARDS.success }, discountCode: 'REPLAY20' } });
    expect(discountPaid.body.booking.amountCents).toBe(4000);

    const paths = [
      ['v2-paid-after-extension-and-decline', paid, 'CONFIRMED'], ['v2-expired', expired, 'EXPIRED'], ['v2-cancelled', cancelled, 'CANCELLED'],
      ['v2-settled-after-lost-checkout', settled, 'CONFIRMED'], ['v2-refunded-after-seats-lost', refunded, 'FAILED'],
      ['v2-cancelled-in-temporal', cancelledInTemporal, 'CANCELLED'], ['v2-started-by-checkout', startedByCheckout, 'CONFIRMED'],
      ['v2-cancelled-after-termination', terminated, 'CANCELLED'], ['v2-paid-with-discount', discounted, 'CONFIRMED'],
    ] as const;
    for (const [, id, status] of paths) {
      await eventually(async () => (await reservationRow(engine.db.pool, id)).status === status, 15_000, `${id} ${status}`);
    }
    for (const [name, id, status] of paths) {
      const handle = engine.client.workflow.getHandle(`reservation-${id}`);
      // the workflow has closed, so its history is whole
      await eventually(async () => (await handle.describe()).status.name !== 'RUNNING', 15_000, `${name} closed`);
      expect((await handle.describe()).typedSearchAttributes.get(ReservationStateKey)).toBe(status);
      const history = await handle.fetchHistory();
      expect(history.events?.length).toBeGreaterThan(5);
      // throws a DeterminismViolationError if the code would take another path than the history did
      await Worker.runReplayHistory(bundle(), history, `reservation-${id}`);
      record(name, history);
    }
  });

  test('a workflow started by hand with an input it cannot use, or for a reservation that does not exist, fails visibly instead of retrying', async () => {
    const start = (workflowId: string, input: unknown) =>
      engine.client.workflow.start('reservationWorkflow', { taskQueue: engine.taskQueue, workflowId, args: [input as never] });
    const dataErrorsBefore = (await activityDataErrorsTotal.get()).values.reduce((sum, v) => sum + v.value, 0);
    // not a reservation at all: it fails at once, without running an activity
    const garbage = await start(`reservation-by-hand-${randomUUID()}`, { reservationId: 'not-a-uuid', holdExpiresAt: 'soon' });
    await expect(garbage.result()).rejects.toMatchObject({ cause: { type: 'InvalidRequest' } });
    // a well-formed reservation PostgreSQL does not know: its release finds no row, a data error
    // that is not retried; the workflow fails as ReleaseFailed instead of looping
    const ghostId = randomUUID();
    const ghost = await start(`reservation-${ghostId}`, {
      reservationId: ghostId, eventId: randomUUID(), customerId: randomUUID(), seatCount: 1, amountCents: 0,
      holdExpiresAt: new Date(Date.now() + 500).toISOString(),
    });
    await expect(ghost.result()).rejects.toMatchObject({ cause: { type: 'ReleaseFailed' } });
    expect((await ghost.describe()).status.name).toBe('FAILED');
    if (process.env.TEST_TOPOLOGY !== 'split') { // the worker runs in this process: its metric counted the data error
      expect((await activityDataErrorsTotal.get()).values.reduce((sum, v) => sum + v.value, 0)).toBeGreaterThan(dataErrorsBefore);
    }
    for (const [name, handle] of [['v2-failed-invalid-input', garbage], ['v2-release-failed', ghost]] as const) {
      const history = await handle.fetchHistory();
      await Worker.runReplayHistory(bundle(), history, handle.workflowId);
      record(name, history);
    }
  });

  test('histories recorded by earlier versions of the workflow still replay with the current code', async () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();
    // v1: the first version of the workflow (reservation-v1.ts); v2: durable payments
    expect(files).toEqual([
      'v1-cancelled.json', 'v1-expired.json', 'v1-paid-after-extension-and-decline.json',
      'v2-cancelled-after-termination.json', 'v2-cancelled-in-temporal.json', 'v2-cancelled.json', 'v2-expired.json',
      'v2-failed-invalid-input.json', 'v2-paid-after-extension-and-decline.json', 'v2-paid-with-discount.json', 'v2-refunded-after-seats-lost.json',
      'v2-release-failed.json', 'v2-settled-after-lost-checkout.json', 'v2-started-by-checkout.json',
    ]);
    for (const file of files) {
      const history = historyOf(JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')));
      await Worker.runReplayHistory(bundle(), history, file);
    }
  });
});
