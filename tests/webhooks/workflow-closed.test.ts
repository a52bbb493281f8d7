/**
 * A webhook delivery whose workflow is closed from outside (terminated or cancelled, as from the
 * Temporal UI or CLI) records no outcome of its own: the dispatcher notices and ends the delivery
 * FAILED with the reason, so the organizer's delivery log does not show it PENDING forever. Against
 * the real engine (the Temporal dev server, PostgreSQL, the worker with its dispatcher) and a real
 * receiver that always fails, so the deliveries are retrying (PENDING) when their workflows are closed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { webhookDeliveryWorkflowId } from '../../workflows/webhook-delivery-messages.ts';
import { bookSeats, eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { giveEventToTenant } from '../helpers/queries.ts';

const CHECK_INTERVAL_MS = 300;
let engine: TestEngine;
let receiver: Server;
let receiverUrl: string;
let calls = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    calls += 1;
    req.resume().on('end', () => res.writeHead(500).end('receiver is down'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // a failed attempt is retried a minute later: the deliveries stay PENDING, retrying, for the whole test
  engine = await startTestEngine('orgstats-webhooks', {
    WEBHOOK_CHECK_INTERVAL_MS: String(CHECK_INTERVAL_MS), WEBHOOK_RETRY_INITIAL_MS: '60000', WEBHOOK_RETRY_MAX_MS: '60000', WEBHOOK_MAX_ATTEMPTS: '5', WEBHOOK_TIMEOUT_MS: '3000',
  });
});
afterAll(async () => {
  await engine?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

type Delivery = { id: string; status: string; lastError: string | null; attempts: Array<{ attempt: number; statusCode: number | null }> };

const checkAfter = (id: string) =>
  engine.db.pool.oneFirst(sql.type(z.object({ at: z.number().nullable() }))`SELECT check_after AS at FROM webhook_deliveries WHERE id = ${id}`);

test('a delivery whose workflow is terminated, or cancelled, ends FAILED with the reason; one whose workflow runs stays PENDING', async () => {
  const tenantId = await engine.createTenant();
  const organizer = await engine.register('organizer', { tenantId });
  const { eventId, seatIds } = await engine.createEvent();
  await giveEventToTenant(engine.db.pool, eventId, tenantId);
  const endpoints: string[] = [];
  for (const path of ['/down-terminated', '/down-cancelled']) {
    const res = await engine.request('POST', '/api/organizer/webhooks', { token: organizer.token, body: { url: `${receiverUrl}${path}`, eventTypes: ['booking.confirmed'] } });
    expect(res.status).toBe(201);
    endpoints.push(res.body.endpoint.id);
  }
  const log = async (endpointId: string): Promise<Delivery> => {
    const res = await engine.request('GET', `/api/organizer/webhooks/${endpointId}/deliveries`, { token: organizer.token });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    return res.body.items[0];
  };

  await bookSeats(engine, await engine.register(), eventId, seatIds.slice(0, 1));
  // both deliveries were tried once, failed, and wait for their retry: PENDING
  const [terminated, cancelled] = await Promise.all(endpoints.map((endpointId) => eventually(async () => {
    const delivery = await log(endpointId);
    return delivery.attempts.length === 1 && delivery.status === 'PENDING' ? delivery : undefined;
  }, 20_000, `the first attempt of the delivery to ${endpointId}`)));
  expect(terminated.attempts[0].statusCode).toBe(500);
  const callsBefore = calls;

  // terminated, as from the Temporal UI or `temporal workflow terminate`
  const terminatedWorkflow = engine.client.workflow.getHandle(webhookDeliveryWorkflowId(terminated.id));
  await terminatedWorkflow.terminate('stopped by an operator');
  expect((await terminatedWorkflow.describe()).status.name).toBe('TERMINATED');
  const failed = await eventually(async () => {
    const delivery = await log(endpoints[0]);
    return delivery.status === 'FAILED' ? delivery : undefined;
  }, 20_000, 'the delivery of the terminated workflow FAILED');
  expect(failed).toMatchObject({ id: terminated.id, status: 'FAILED', lastError: 'workflow terminated', attempts: [{ attempt: 1, statusCode: 500 }] });
  expect(await checkAfter(terminated.id)).not.toBeNull();

  // meanwhile the other delivery's workflow was looked at again and again (its check moved on), and is left PENDING
  const lookedAt = Date.now();
  await eventually(async () => ((await checkAfter(cancelled.id)) ?? 0) > lookedAt + CHECK_INTERVAL_MS, 20_000, 'the running delivery looked at again');
  expect((await engine.client.workflow.getHandle(webhookDeliveryWorkflowId(cancelled.id)).describe()).status.name).toBe('RUNNING');
  expect(await log(endpoints[1])).toMatchObject({ status: 'PENDING', lastError: expect.stringContaining('500') });

  // cancelled, as from the Temporal UI or `temporal workflow cancel`
  await engine.client.workflow.getHandle(webhookDeliveryWorkflowId(cancelled.id)).cancel();
  const ended = await eventually(async () => {
    const delivery = await log(endpoints[1]);
    return delivery.status === 'FAILED' ? delivery : undefined;
  }, 20_000, 'the delivery of the cancelled workflow FAILED');
  expect(ended.lastError).toBe('workflow cancelled');
  // nothing was sent again: the receiver got no retry of either delivery
  expect(calls).toBe(callsBefore);
});

test('a delivery whose workflow Temporal no longer knows (deleted, a lost server) is started again and tried again', async () => {
  const tenantId = await engine.createTenant();
  const organizer = await engine.register('organizer', { tenantId });
  const { eventId, seatIds } = await engine.createEvent();
  await giveEventToTenant(engine.db.pool, eventId, tenantId);
  const registered = await engine.request('POST', '/api/organizer/webhooks', { token: organizer.token, body: { url: `${receiverUrl}/down-lost`, eventTypes: ['booking.confirmed'] } });
  expect(registered.status).toBe(201);
  const log = async (): Promise<Delivery> => (await engine.request('GET', `/api/organizer/webhooks/${registered.body.endpoint.id}/deliveries`, { token: organizer.token })).body.items[0];
  await bookSeats(engine, await engine.register(), eventId, seatIds.slice(0, 1));
  const delivery = await eventually(async () => {
    const d = await log();
    return d?.attempts.length === 1 ? d : undefined;
  }, 20_000, 'the first attempt');

  // the workflow is deleted from Temporal (as `temporal workflow delete` does), the row still PENDING
  const workflowId = webhookDeliveryWorkflowId(delivery.id);
  const firstRun = (await engine.client.workflow.getHandle(workflowId).describe()).runId;
  await engine.client.workflowService.deleteWorkflowExecution({ namespace: engine.client.options.namespace, workflowExecution: { workflowId, runId: firstRun } });
  // started again: a new run of the same workflow id tries the receiver a second time
  const retried = await eventually(async () => {
    const d = await log();
    return d.attempts.length === 2 ? d : undefined;
  }, 30_000, 'the second attempt, by a new workflow');
  expect(retried).toMatchObject({ status: 'PENDING', attempts: [{ attempt: 1, statusCode: 500 }, { attempt: 2, statusCode: 500 }] });
  const secondRun = await engine.client.workflow.getHandle(workflowId).describe();
  expect([secondRun.status.name, secondRun.runId === firstRun]).toEqual(['RUNNING', false]);
});
