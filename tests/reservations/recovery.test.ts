import { TEST_CARDS } from '../../src/payments/simulated.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow, seatRows } from '../helpers/queries.ts';

let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('recovery'); });
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
});
