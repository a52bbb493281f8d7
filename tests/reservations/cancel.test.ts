import { cancelSignal, reservationWorkflowId } from '../../workflows/messages.ts';
import { ReservationStateKey } from '../../workflows/search-attributes.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow, seatRows } from '../helpers/queries.ts';

let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('cancel', { TEMPORAL_UI_URL: 'http://temporal-ui.example:8080/' }); });
afterAll(async () => { await engine?.close(); });

async function holdOne() {
  const { eventId, seatIds } = await engine.createEvent();
  const customer = await engine.register();
  const res = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: seatIds.slice(0, 2) } });
  expect(res.status).toBe(201);
  return { customer, eventId, seats: seatIds.slice(0, 2), reservationId: res.body.reservation.id as string };
}
const ended = (reservationId: string, status: string) =>
  eventually(async () => (await reservationRow(engine.db.pool, reservationId)).status === status, 30_000, `status ${status}`);

describe('cancelling a hold', () => {
  test('a cancel signal sent with the Temporal client, as the CLI would, releases the seats', async () => {
    const { seats, reservationId } = await holdOne();
    // an operator finds the workflow in the Temporal UI (its start follows the hold's answer)
    await (await engine.workflowOf(reservationId)).signal(cancelSignal, { actor: 'support:cli', reason: 'duplicate order' });
    await ended(reservationId, 'CANCELLED');
    expect((await seatRows(engine.db.pool, seats)).map((s) => s.state)).toEqual(['AVAILABLE', 'AVAILABLE']);
    expect(await reservationRow(engine.db.pool, reservationId)).toMatchObject({ cancelledBy: 'support:cli', cancelReason: 'duplicate order' });
  });

  test('the customer cancels their own hold in one call', async () => {
    const { customer, seats, reservationId } = await holdOne();
    const res = await engine.request('POST', `/api/reservations/${reservationId}/cancel`, { token: customer.token, body: {} });
    expect(res.status).toBe(202);
    await ended(reservationId, 'CANCELLED');
    expect((await seatRows(engine.db.pool, seats)).every((s) => s.state === 'AVAILABLE')).toBe(true);
  });

  test('support cancels any hold with a reason, and customers may not use the support endpoint', async () => {
    const { customer, reservationId } = await holdOne();
    const support = await engine.register('support');
    const denied = await engine.request('POST', `/api/support/reservations/${reservationId}/cancel`, { token: customer.token, body: { reason: 'x' } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('FORBIDDEN');
    const res = await engine.request('POST', `/api/support/reservations/${reservationId}/cancel`, { token: support.token, body: { reason: 'payment fraud suspected' } });
    expect(res.status).toBe(202);
    await ended(reservationId, 'CANCELLED');
    expect(await reservationRow(engine.db.pool, reservationId)).toMatchObject({ cancelledBy: `support:${support.email}`, cancelReason: 'payment fraud suspected' });
    const listed = await engine.request('GET', `/api/support/reservations?status=CANCELLED`, { token: support.token });
    const row = listed.body.items.find((r: { id: string }) => r.id === reservationId);
    // with a link for operators to the workflow, and to the same filter, in the Temporal UI
    expect(row.workflowUrl).toBe(`http://temporal-ui.example:8080/namespaces/default/workflows/reservation-${reservationId}`);
    expect(decodeURIComponent(listed.body.temporalUiUrl)).toBe(
      'http://temporal-ui.example:8080/namespaces/default/workflows?query=WorkflowType="reservationWorkflow" AND ReservationState="CANCELLED"');
  });

  test('operators find reservations by event, customer and state through search attributes', async () => {
    const { customer, eventId, reservationId } = await holdOne();
    const workflowId = reservationWorkflowId(reservationId);
    const list = async (query: string) => {
      const ids: string[] = [];
      for await (const wf of engine.client.workflow.list({ query })) ids.push(wf.workflowId);
      return ids;
    };
    await eventually(async () => (await list(`BookingEventId="${eventId}" AND ReservationState="HELD"`)).includes(workflowId), 10_000, 'HELD listing');
    expect(await list(`BookingCustomerId="${customer.customerId}"`)).toEqual([workflowId]);
    await engine.request('POST', `/api/reservations/${reservationId}/cancel`, { token: customer.token, body: { reason: 'changed my mind' } });
    await eventually(async () => (await list(`BookingEventId="${eventId}" AND ReservationState="CANCELLED"`)).includes(workflowId), 10_000, 'CANCELLED listing');
    expect(await list(`BookingEventId="${eventId}" AND ReservationState="HELD"`)).toEqual([]);
  });

  test('"Request Cancellation" in the Temporal UI cancels the hold: seats released, PostgreSQL and the workflow agree', async () => {
    const { seats, reservationId } = await holdOne();
    const handle = await engine.workflowOf(reservationId);
    await handle.cancel(); // what the UI's button and `temporal workflow cancel` send
    await ended(reservationId, 'CANCELLED');
    expect((await seatRows(engine.db.pool, seats)).map((s) => s.state)).toEqual(['AVAILABLE', 'AVAILABLE']);
    expect(await reservationRow(engine.db.pool, reservationId)).toMatchObject({ cancelledBy: 'temporal' });
    await eventually(async () => (await handle.describe()).status.name === 'CANCELLED', 10_000, 'the workflow closed as Canceled');
    expect((await handle.describe()).typedSearchAttributes.get(ReservationStateKey)).toBe('CANCELLED');
  });

  test('terminating a live hold\'s workflow (Temporal UI or CLI) releases the hold well before its deadline', async () => {
    const { seats, reservationId } = await holdOne();
    const handle = await engine.workflowOf(reservationId);
    const terminatedAt = Date.now();
    await handle.terminate('stuck order');
    await ended(reservationId, 'CANCELLED');
    // released by the reconciler in seconds, not at the deadline (the default hold is minutes long)
    expect(Date.now() - terminatedAt).toBeLessThan(10_000);
    expect((await seatRows(engine.db.pool, seats)).map((s) => s.state)).toEqual(['AVAILABLE', 'AVAILABLE']);
    expect(await reservationRow(engine.db.pool, reservationId)).toMatchObject({ cancelReason: 'workflow terminated: stuck order' });
    expect((await reservationRow(engine.db.pool, reservationId)).cancelledBy).toMatch(/^temporal:/);
    // a new run did it, and it is the one operators see; the terminated run stays in the history
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 10_000, 'the new run completed');
    expect((await handle.describe()).typedSearchAttributes.get(ReservationStateKey)).toBe('CANCELLED');
  });

  test('a cancel signal whose text PostgreSQL cannot store (NUL, control characters) from the CLI still ends the hold', async () => {
    const { seats, reservationId } = await holdOne();
    const handle = await engine.workflowOf(reservationId);
    await handle.signal(cancelSignal, { actor: 'support:cli\u0000', reason: 'dup\u0000licate\norder' } as never);
    await ended(reservationId, 'CANCELLED');
    expect((await seatRows(engine.db.pool, seats)).map((s) => s.state)).toEqual(['AVAILABLE', 'AVAILABLE']);
    expect(await reservationRow(engine.db.pool, reservationId)).toMatchObject({ cancelledBy: 'support:cli', cancelReason: 'dup licate order' });
    const result = await handle.result();
    expect(result.state).toBe('CANCELLED');
  });
});
