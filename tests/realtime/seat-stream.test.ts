import { createHold, releaseReservation } from '../../src/db/reservations.ts';
import { sellHold } from '../helpers/queries.ts';
import type { TestDatabase } from '../helpers/database.ts';
import {
  createCustomer,
  createSmallEvent,
  waitFor,
  type RunningGateway,
  type TestClient,
  startRealtimeFixture,
  type RealtimeFixture,
} from './harness.ts';

let fixture: RealtimeFixture;
let db: TestDatabase;
let gateway: RunningGateway;

beforeAll(async () => {
  fixture = await startRealtimeFixture('seats');
  ({ db, gateway } = fixture);
});
afterAll(async () => { await fixture?.close(); });

const client = (token?: string): Promise<TestClient> => fixture.connect(token);

const hold = (customerId: string, eventId: string, seatIds: string[], idempotencyKey: string) =>
  createHold(db.pool, { customerId, eventId, seatIds, idempotencyKey, holdSeconds: 60, passiveGraceSeconds: 5 });

describe('seat map stream', () => {
  test('a client that joined an event gets a versioned snapshot, then every hold, release and sale of a seat in version order', async () => {
    const startedAt = Date.now();
    const { eventId, seatIds } = await createSmallEvent(db.pool, 4);
    const [seat, otherSeat] = seatIds;
    const { customerId } = await createCustomer(db.pool);
    const watcher = await client();

    const joined = await watcher.join(eventId);
    if (!joined.ok) throw new Error(`join failed: ${joined.error.message}`);
    expect(joined.eventId).toBe(eventId);
    expect(joined.seats.map((s) => s.id).sort()).toEqual([...seatIds].sort());
    const snapshotSeat = joined.seats.find((s) => s.id === seat)!;
    expect(snapshotSeat).toMatchObject({ state: 'AVAILABLE', version: expect.any(Number) });

    const first = await hold(customerId, eventId, [seat], 'first-hold');
    await waitFor(() => watcher.seatChanges.length === 1, 3_000, 'the hold');
    await releaseReservation(db.pool, { reservationId: first.reservationId, outcome: 'EXPIRED' });
    await waitFor(() => watcher.seatChanges.length === 2, 3_000, 'the release');
    const second = await hold(customerId, eventId, [seat], 'second-hold');
    await sellHold(db.pool, second.reservationId);
    await waitFor(() => watcher.seatChanges.length === 4, 3_000, 'the sale');

    const changes = watcher.seatChanges;
    expect(changes.every((c) => c.eventId === eventId)).toBe(true);
    const seatUpdates = changes.flatMap((c) => c.seats.filter((s) => s.id === seat));
    expect(seatUpdates.map((s) => s.state)).toEqual(['HELD', 'AVAILABLE', 'HELD', 'SOLD']);
    const versions = [snapshotSeat.version, ...seatUpdates.map((s) => s.version)];
    for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1]);
    for (let i = 1; i < changes.length; i++) {
      expect(changes[i].changeId).toBeGreaterThan(changes[i - 1].changeId);
      expect(changes[i].committedAt).toBeGreaterThanOrEqual(changes[i - 1].committedAt);
    }
    for (const change of changes) {
      expect(change.committedAt).toBeGreaterThanOrEqual(startedAt - 1_000);
      expect(change.committedAt).toBeLessThanOrEqual(Date.now() + 1_000);
    }
    expect(changes.some((c) => c.seats.some((s) => s.id === otherSeat))).toBe(false);

    // a fresh snapshot agrees with the last change received
    const rejoined = await watcher.join(eventId);
    if (!rejoined.ok) throw new Error('rejoin failed');
    expect(rejoined.seats.find((s) => s.id === seat)).toMatchObject({ state: 'SOLD', version: versions.at(-1) });
  });

  test('a join with a malformed event id fails validation and one with an unknown event id is not found', async () => {
    const watcher = await client();

    await expect(watcher.join('not-a-uuid')).resolves.toEqual({
      ok: false,
      error: { code: 'VALIDATION_FAILED', message: expect.any(String) },
    });
    await expect(watcher.join(42)).resolves.toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    await expect(watcher.join('00000000-0000-4000-8000-000000000000')).resolves.toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: expect.stringContaining('00000000-0000-4000-8000-000000000000') },
    });
  });

  test('a client that left an event no longer receives its changes while one still watching does', async () => {
    const { eventId, seatIds } = await createSmallEvent(db.pool, 2);
    const { customerId } = await createCustomer(db.pool);
    const stays = await client();
    const leaves = await client();
    expect((await stays.join(eventId)).ok).toBe(true);
    expect((await leaves.join(eventId)).ok).toBe(true);

    await hold(customerId, eventId, [seatIds[0]], 'before-leave');
    await waitFor(() => stays.seatChanges.length === 1 && leaves.seatChanges.length === 1, 3_000, 'both clients see the first hold');

    await expect(leaves.leave(eventId)).resolves.toEqual({ ok: true, eventId });
    await hold(customerId, eventId, [seatIds[1]], 'after-leave');
    await waitFor(() => stays.seatChanges.length === 2, 3_000, 'the watching client sees the second hold');
    // both sockets live on the same gateway, which broadcasts to them in one pass
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(leaves.seatChanges).toHaveLength(1);
    expect(stays.seatChanges[1].seats.map((s) => s.id)).toEqual([seatIds[1]]);
  });
});
