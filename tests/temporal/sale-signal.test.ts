/**
 * The sale signal (src/reservations/sale-signal.ts): while the API answers holds at least
 * SALE_HOLDS_PER_SECOND fast, winners and losers alike, the starters leave the new holds'
 * workflows for later (up to WORKFLOW_START_SALE_DEFER_MS), and start them as soon as the holds
 * stop coming. Here a sale of 6 lanes of holds, far above the signal's threshold of 20 a second, runs for 2.5 s,
 * 5 of them winners, with a cap of 12 s: far longer than the sale, so a start made during
 * the sale, or one that waited for the cap, would show.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { reservationWorkflowId } from '../../workflows/messages.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';

const SALE_DEFER_MS = 12_000;
let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine('sale-signal', {
    SALE_HOLDS_PER_SECOND: '20', WORKFLOW_START_SALE_DEFER_MS: String(SALE_DEFER_MS), WORKFLOW_START_DEFER_MS: '0',
    // the sale's buyers hold as fast as they can: no per-customer limit (a refused 429 is no hold, and would not count)
    RATE_LIMIT_HOLDS_PER_MINUTE: '0',
  });
});
afterAll(async () => { await engine?.close(); });

async function workflowRuns(reservationId: string): Promise<boolean> {
  try {
    await engine.client.workflow.getHandle(reservationWorkflowId(reservationId)).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

const pendingStarts = async () =>
  engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM workflow_starts`);

test('holds answered during a sale have their workflows started once the holds stop, not during the sale nor at the cap', async () => {
  const { eventId, sectionIds: [floor, soldOut] } = await engine.createEvent({
    sections: [{ name: 'Floor', kind: 'GA', priceCents: 2000, capacity: 5 }, { name: 'Sold out', kind: 'GA', priceCents: 2000, capacity: 1 }],
  });
  const customers = await Promise.all(Array.from({ length: 12 }, () => engine.register()));
  const hold = (n: number, sectionId: string) => engine.request('POST', '/api/reservations', {
    token: customers[n % customers.length].token, body: { eventId, sectionId, quantity: 1 },
  });
  // one hold alone is no sale: its workflow starts at once
  const first = await hold(0, soldOut);
  expect(first.status).toBe(201);
  await engine.workflowOf(first.body.reservation.id);

  // the sale: 6 lanes of holds, one after another in each, for 2.5 s: many times the threshold
  // however slow the machine. For its first 500 ms they are refused (the signal takes a poll or
  // two to reach the starters); then 5 win and the rest are refused, and keep it going.
  const saleStarted = Date.now();
  const statuses: number[] = [];
  const winners: string[] = [];
  const lanes = Array.from({ length: 6 }, async (_, lane) => {
    for (let n = 1 + lane; Date.now() - saleStarted < 2500; n += 6) {
      const res = await hold(n, Date.now() - saleStarted < 500 ? soldOut : floor);
      statuses.push(res.status);
      if (res.status === 201) winners.push(res.body.reservation.id);
      await sleep(15);
    }
  });
  // well into the sale: no winner's workflow is running
  await eventually(() => winners.length === 5 && Date.now() - saleStarted > 1200, 2500, 'the sale\'s 5 winners', 20);
  const runningMidSale = await Promise.all(winners.map(workflowRuns));
  await Promise.all(lanes);
  expect(runningMidSale).toEqual(winners.map(() => false));
  const saleEnded = Date.now();
  expect(winners).toHaveLength(5);
  expect(statuses.filter((s) => s === 409).length).toBeGreaterThan(40);
  expect(await Promise.all(winners.map(workflowRuns))).toEqual(winners.map(() => false));
  expect(await pendingStarts()).toBe(5);

  // the holds stopped: every winner's workflow runs within 6 s, well before the cap (12 s after the first winner's hold, 9.5 s from here)
  expect(SALE_DEFER_MS - (saleEnded - saleStarted)).toBeGreaterThan(6000 + 3000);
  await eventually(async () => (await Promise.all(winners.map(workflowRuns))).every(Boolean), 6000, 'the winners\' workflows after the sale', 50);
  await eventually(async () => (await pendingStarts()) === 0, 2000, 'the start requests cleared');
});

test('a hold made when no sale is going has its workflow started at once', async () => {
  // the signal of the sale above lapses within a few hundred milliseconds
  await sleep(1000);
  const { eventId, seatIds } = await engine.createEvent();
  const customer = await engine.register();
  const res = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: seatIds.slice(0, 1) } });
  expect(res.status).toBe(201);
  await eventually(() => workflowRuns(res.body.reservation.id).then((runs) => runs || undefined), 3000, 'the workflow of a hold made outside a sale', 25);
});
