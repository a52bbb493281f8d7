/**
 * Holds started while the machine is busy: the starters start the workflow at once, but with
 * its first workflow task delayed (WORKFLOW_FIRST_TASK_DELAY_MS, Temporal's start delay), so
 * the hold is listed in the Temporal UI before its timer is set. Everything a customer or
 * support does must still work during that delay. Here the delay is 20 s, far longer than any
 * step below needs, so a step that waited for it would show.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { claimHold } from '../../src/db/reservations.ts';
import { TEST_CARDS } from '../../src/payments/simulated.ts';
import { cancelSignal } from '../../workflows/messages.ts';
import { ReservationStateKey } from '../../workflows/search-attributes.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow, seatRows } from '../helpers/queries.ts';

const DELAY_MS = 20_000;
let engine: TestEngine;
let busy = true;
beforeAll(async () => {
  engine = await startTestEngine('first-task-delay', { WORKFLOW_FIRST_TASK_DELAY_MS: String(DELAY_MS), WORKFLOW_START_DEFER_MS: '0' }, { busy: () => busy });
});
afterAll(async () => { await engine?.close(); });

async function holdTwo(holdSeconds?: number) {
  const { eventId, seatIds } = await engine.createEvent();
  const customer = await engine.register();
  const res = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: seatIds.slice(0, 2), ...(holdSeconds ? { holdSeconds } : {}) } });
  expect(res.status).toBe(201);
  return { customer, seats: seatIds.slice(0, 2), reservationId: res.body.reservation.id as string };
}

async function events(handle: WorkflowHandle): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  return (await handle.fetchHistory()).events ?? [];
}
/** The start delay recorded in the workflow's first event, in ms (0 when none). */
async function firstTaskBackoffMs(handle: WorkflowHandle): Promise<number> {
  const backoff = (await events(handle))[0]?.workflowExecutionStartedEventAttributes?.firstWorkflowTaskBackoff;
  return backoff ? Number(backoff.seconds ?? 0) * 1000 + Math.round((backoff.nanos ?? 0) / 1e6) : 0;
}
const ended = (reservationId: string, status: string, withinMs: number) =>
  eventually(async () => (await reservationRow(engine.db.pool, reservationId)).status === status, withinMs, `status ${status}`);

describe('a hold whose workflow starts while the machine is busy', () => {
  test('is listed Running and HELD at once, with its first workflow task delayed', async () => {
    const { reservationId } = await holdTwo();
    const handle = await engine.workflowOf(reservationId);
    const described = await handle.describe();
    expect(described.status.name).toBe('RUNNING');
    expect(described.typedSearchAttributes.get(ReservationStateKey)).toBe('HELD');
    expect(await firstTaskBackoffMs(handle)).toBe(DELAY_MS);
    // no workflow code has run yet: no task was completed
    expect((await events(handle)).some((e) => e.workflowTaskCompletedEventAttributes)).toBe(false);
  });

  test('is checked out at once: the Update runs the first task without waiting for the delay', async () => {
    const { customer, seats, reservationId } = await holdTwo();
    expect(await firstTaskBackoffMs(await engine.workflowOf(reservationId))).toBe(DELAY_MS);
    const started = performance.now();
    const paid = await engine.request('POST', `/api/reservations/${reservationId}/checkout`, { token: customer.token, body: { card: { number: TEST_CARDS.success } } });
    expect(paid.status).toBe(200);
    expect(paid.body.reservation.status).toBe('CONFIRMED');
    expect(performance.now() - started).toBeLessThan(DELAY_MS - 5_000);
    expect((await seatRows(engine.db.pool, seats)).map((s) => s.state)).toEqual(['SOLD', 'SOLD']);
    // the workflow's first task was the checkout's: one task, not a first one and then the checkout's
    const handle = await engine.workflowOf(reservationId);
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 10_000, 'the workflow completed');
    expect((await events(handle)).filter((e) => e.workflowTaskCompletedEventAttributes).length).toBe(1);
  });

  test('is cancelled at once through the API (Signal-with-Start runs the first task)', async () => {
    const { customer, seats, reservationId } = await holdTwo();
    expect(await firstTaskBackoffMs(await engine.workflowOf(reservationId))).toBe(DELAY_MS);
    const res = await engine.request('POST', `/api/reservations/${reservationId}/cancel`, { token: customer.token, body: { reason: 'changed my mind' } });
    expect(res.status).toBe(202);
    await ended(reservationId, 'CANCELLED', DELAY_MS - 5_000);
    expect((await seatRows(engine.db.pool, seats)).every((s) => s.state === 'AVAILABLE')).toBe(true);
  });

  test('a plain cancel signal (what `temporal workflow signal` sends) is kept and acted on once the task runs', async () => {
    const { reservationId } = await holdTwo();
    const handle = await engine.workflowOf(reservationId);
    await handle.signal(cancelSignal, { actor: 'support:cli', reason: 'duplicate order' });
    await ended(reservationId, 'CANCELLED', DELAY_MS + 20_000);
    expect(await reservationRow(engine.db.pool, reservationId)).toMatchObject({ cancelledBy: 'support:cli', cancelReason: 'duplicate order' });
  }, DELAY_MS + 40_000);

  test('is cancelled at once by "Request Cancellation" (what `temporal workflow cancel` and the UI send: it runs the first task)', async () => {
    const { seats, reservationId } = await holdTwo();
    const handle = await engine.workflowOf(reservationId);
    expect(await firstTaskBackoffMs(handle)).toBe(DELAY_MS);
    await handle.cancel();
    await ended(reservationId, 'CANCELLED', DELAY_MS - 5_000);
    expect(await reservationRow(engine.db.pool, reservationId)).toMatchObject({ cancelledBy: 'temporal' });
    expect((await seatRows(engine.db.pool, seats)).every((s) => s.state === 'AVAILABLE')).toBe(true);
  });

  test('a hold whose deadline comes before the delay ends is started undelayed, and its timer expires it', async () => {
    const { seats, reservationId } = await holdTwo(5);
    expect(await firstTaskBackoffMs(await engine.workflowOf(reservationId))).toBe(0);
    await ended(reservationId, 'EXPIRED', 15_000);
    expect(await reservationRow(engine.db.pool, reservationId)).toMatchObject({ cancelledBy: 'timer' });
    expect((await seatRows(engine.db.pool, seats)).every((s) => s.state === 'AVAILABLE')).toBe(true);
  });

  test('a burst of holds (WORKFLOW_FIRST_TASK_DELAY_BURST at once) has its first tasks delayed however idle the machine', async () => {
    busy = false;
    try {
      const { eventId, seatIds } = await engine.createEvent();
      const { customerId } = await engine.register();
      const burst = engine.config.WORKFLOW_FIRST_TASK_DELAY_BURST;
      expect(burst).toBeGreaterThan(1);
      // committed together, so the starters lease them in one round, as a flash sale's winners arrive
      const reservationIds = await engine.db.pool.transaction(async (tx) => {
        const ids: string[] = [];
        for (const seatId of seatIds.slice(0, burst)) {
          const claimed = await claimHold(tx, { customerId, eventId, seatIds: [seatId], idempotencyKey: randomUUID(), holdSeconds: 600, passiveGraceSeconds: 1 });
          if (claimed.outcome !== 'CREATED') throw new Error(claimed.outcome);
          ids.push(claimed.reservation.id);
        }
        return ids;
      });
      const backoffs = await Promise.all(reservationIds.map(async (id) => firstTaskBackoffMs(await engine.workflowOf(id))));
      expect(backoffs).toEqual(reservationIds.map(() => DELAY_MS));
    } finally {
      busy = true;
    }
  });

  test('when the machine is not busy, the first task is not delayed', async () => {
    busy = false;
    try {
      const { reservationId } = await holdTwo();
      const handle = await engine.workflowOf(reservationId);
      expect(await firstTaskBackoffMs(handle)).toBe(0);
      await eventually(async () => (await events(handle)).some((e) => e.timerStartedEventAttributes), 10_000, 'the hold timer');
    } finally {
      busy = true;
    }
  });
});
