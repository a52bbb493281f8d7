import { io, type Socket } from 'socket.io-client';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { waitFor } from './harness.ts';

/**
 * An operator's "Request Cancellation" or "Terminate" in the Temporal UI ends the hold for the
 * customer too: their page (an authenticated socket, as the web client opens) is told at once,
 * with who did it.
 */
let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('temporal_cancel_live', {}, { realtime: true }); });
afterAll(async () => { await engine?.close(); });

type Update = { reservationId: string; status: string; actor: string | null; reason: string | null };

async function customerSocket(token: string): Promise<{ socket: Socket; updates: Update[] }> {
  const socket = io(engine.url, { auth: { token }, transports: ['websocket'], reconnection: false });
  const updates: Update[] = [];
  socket.on('reservation:updated', (update: Update) => updates.push(update));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, updates };
}

test('a cancellation requested in Temporal and a termination each reach the customer\'s socket as CANCELLED, naming Temporal', async () => {
  const { eventId, seatIds } = await engine.createEvent();
  const customer = await engine.register();
  const hold = async (seatId: string) => {
    const res = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: [seatId] } });
    expect(res.status).toBe(201);
    return res.body.reservation.id as string;
  };
  const { socket, updates } = await customerSocket(customer.token);
  try {
    const cancelled = await hold(seatIds[0]);
    const terminated = await hold(seatIds[1]);
    await (await engine.workflowOf(cancelled)).cancel();
    await (await engine.workflowOf(terminated)).terminate('stuck order');
    const ended = (id: string) => updates.find((u) => u.reservationId === id && u.status === 'CANCELLED');
    await waitFor(() => Boolean(ended(cancelled) && ended(terminated)), 15_000, 'both CANCELLED updates on the socket');
    expect(ended(cancelled)).toMatchObject({ actor: 'temporal', reason: 'the workflow was cancelled in Temporal' });
    expect(ended(terminated)).toMatchObject({ reason: 'workflow terminated: stuck order' });
    expect(ended(terminated)!.actor).toMatch(/^temporal:/);
  } finally {
    socket.close();
  }
});
