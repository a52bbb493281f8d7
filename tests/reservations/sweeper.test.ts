import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { createHold } from '../../src/db/reservations.ts';
import { sweepLostHolds } from '../../src/reservations/sweeper.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow, seatRows } from '../helpers/queries.ts';

let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('sweeper'); });
afterAll(async () => { await engine?.close(); });

describe('the lost-hold sweep', () => {
  test('ends a hold whose workflow never started, releasing its seats with a versioned change', async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const customer = await engine.register();
    // as if the API died between the commit of the claim and the start of the workflow
    const lost = await createHold(engine.db.pool, { customerId: customer.customerId, eventId, seatIds: [seatIds[0]], idempotencyKey: 'lost-1', holdSeconds: 60, passiveGraceSeconds: 5 });
    const live = await createHold(engine.db.pool, { customerId: customer.customerId, eventId, seatIds: [seatIds[1]], idempotencyKey: 'live-1', holdSeconds: 600, passiveGraceSeconds: 5 });
    const [before] = await seatRows(engine.db.pool, [seatIds[0]]);
    await engine.db.pool.query(sql.typeAlias('void')`
      UPDATE reservations SET hold_expires_at = now() - interval '5 minutes' WHERE id = ${lost.reservationId}`);
    await engine.db.pool.query(sql.typeAlias('void')`
      UPDATE seats SET hold_expires_at = now() - interval '5 minutes' WHERE id = ${seatIds[0]}`);

    expect(await sweepLostHolds(engine.db.pool, 60)).toBe(1);
    expect(await reservationRow(engine.db.pool, lost.reservationId)).toMatchObject({ status: 'EXPIRED', cancelledBy: 'sweeper' });
    const [after] = await seatRows(engine.db.pool, [seatIds[0]]);
    expect(after).toMatchObject({ state: 'AVAILABLE', reservationId: null });
    expect(after.version).toBeGreaterThan(before.version);
    expect(await reservationRow(engine.db.pool, live.reservationId)).toMatchObject({ status: 'HELD' });
    const released = await engine.db.pool.anyFirst(sql.type(z.object({ state: z.string() }))`
      SELECT s->>'state' AS state FROM outbox o, jsonb_array_elements(o.payload->'seats') s
      WHERE o.topic = 'seats.changed' AND s->>'id' = ${seatIds[0]} ORDER BY o.id`);
    expect(released).toEqual(['HELD', 'AVAILABLE']);
    expect(await sweepLostHolds(engine.db.pool, 60)).toBe(0);
  });
});
