import { signToken } from '../../src/auth/tokens.ts';
import { createHold, extendHold, releaseReservation } from '../../src/db/reservations.ts';
import { sellHold } from '../helpers/queries.ts';
import type { TestDatabase } from '../helpers/database.ts';
import {
  connectionError,
  createCustomer,
  createSmallEvent,
  JWT_SECRET,
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
  fixture = await startRealtimeFixture('private');
  ({ db, gateway } = fixture);
});
afterAll(async () => { await fixture?.close(); });

const connect = (token?: string): Promise<TestClient> => fixture.connect(token);

describe('private reservation updates', () => {
  test("a customer's authenticated socket receives updates about their own reservations and no one else's", async () => {
    const { eventId, seatIds } = await createSmallEvent(db.pool, 3);
    const alice = await createCustomer(db.pool, 'Alice');
    const bob = await createCustomer(db.pool, 'Bob');
    const aliceSocket = await connect(alice.token);
    const bobSocket = await connect(bob.token);
    const anonymous = await connect();
    const holdFor = (customerId: string, seatId: string, idempotencyKey: string) =>
      createHold(db.pool, { customerId, eventId, seatIds: [seatId], idempotencyKey, holdSeconds: 60, passiveGraceSeconds: 5 });

    const cancelled = await holdFor(alice.customerId, seatIds[0], 'alice-1');
    await releaseReservation(db.pool, { reservationId: cancelled.reservationId, outcome: 'CANCELLED', actor: 'support', reason: 'customer called' });
    const bought = await holdFor(alice.customerId, seatIds[1], 'alice-2');
    const booking = await sellHold(db.pool, bought.reservationId);
    // Bob's change commits last; the relay publishes in commit order, so once Bob has it,
    // anything of Alice's that was going to reach him would already have arrived
    const expired = await holdFor(bob.customerId, seatIds[2], 'bob-1');
    const later = new Date(Date.now() + 900_000).toISOString();
    await extendHold(db.pool, { reservationId: expired.reservationId, holdExpiresAt: later, passiveGraceSeconds: 1 });
    await releaseReservation(db.pool, { reservationId: expired.reservationId, outcome: 'EXPIRED' });

    await waitFor(() => aliceSocket.reservationUpdates.length === 3, 3_000, "Alice's three updates");
    await waitFor(() => bobSocket.reservationUpdates.length >= 2, 3_000, "Bob's updates");

    expect(aliceSocket.reservationUpdates).toEqual([
      {
        reservationId: cancelled.reservationId,
        status: 'CANCELLED',
        actor: 'support',
        reason: 'customer called',
        bookingReference: null,
        holdExpiresAt: null,
        changeId: expect.any(Number),
        committedAt: expect.any(Number),
      },
      {
        reservationId: bought.reservationId,
        status: 'PAYING',
        actor: null,
        reason: null,
        bookingReference: null,
        holdExpiresAt: null,
        changeId: expect.any(Number),
        committedAt: expect.any(Number),
      },
      {
        reservationId: bought.reservationId,
        status: 'CONFIRMED',
        actor: null,
        reason: null,
        bookingReference: booking.reference,
        holdExpiresAt: null,
        changeId: expect.any(Number),
        committedAt: expect.any(Number),
      },
    ]);
    expect(aliceSocket.reservationUpdates[1].changeId).toBeGreaterThan(aliceSocket.reservationUpdates[0].changeId);
    expect(aliceSocket.reservationUpdates[2].changeId).toBeGreaterThan(aliceSocket.reservationUpdates[1].changeId);
    expect(bobSocket.reservationUpdates).toEqual([
      expect.objectContaining({ reservationId: expired.reservationId, status: 'HELD', holdExpiresAt: later }),
      expect.objectContaining({ reservationId: expired.reservationId, status: 'EXPIRED' }),
    ]);
    expect(anonymous.reservationUpdates).toEqual([]);
    // private updates do not leak into the seat stream of sockets that never joined the event
    expect(aliceSocket.seatChanges).toEqual([]);
  });

  test('a connection with an invalid, forged or expired token is rejected, one without a token is accepted', async () => {
    const { customerId } = await createCustomer(db.pool, 'Carol');
    const forged = signToken({ customerId, email: 'carol@example.test', role: 'customer' }, 'another-secret-that-is-long-enough-too', 600);
    const expired = signToken({ customerId, email: 'carol@example.test', role: 'customer' }, JWT_SECRET, -10);

    for (const token of ['garbage', forged, expired, 12345]) {
      const error = await connectionError(gateway.url, token);
      expect(error.message).toBe('invalid token');
    }
    const anonymous = await connect();
    expect(anonymous.socket.connected).toBe(true);
  });
});
