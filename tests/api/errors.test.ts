import { randomUUID } from 'node:crypto';
import { TEST_CARDS } from '../../src/payments/simulated.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';

let engine: TestEngine;
let event: { eventId: string; sectionIds: string[]; seatIds: string[] };
let alice: { token: string; customerId: string; email: string };
beforeAll(async () => {
  engine = await startTestEngine('errors');
  event = await engine.createEvent();
  alice = await engine.register();
});
afterAll(async () => { await engine?.close(); });

function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Object) } });
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/); // no stack traces
}

describe('bad requests get a 4xx with the error shape, never a 500', () => {
  test('a malformed JSON body is rejected naming the problem', async () => {
    const res = await engine.request('POST', '/api/reservations', { token: alice.token, raw: '{"eventId": ' });
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.message).toMatch(/JSON/);
  });

  test('a body of the wrong shape names each bad field', async () => {
    const res = await engine.request('POST', '/api/reservations', { token: alice.token, body: { eventId: 'nope', seatIds: [] } });
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.message).toMatch(/eventId|seatIds/);
    const hold = await engine.request('POST', '/api/reservations', { token: alice.token, body: { eventId: event.eventId, seatIds: [event.seatIds[0]], holdSeconds: 99999 } });
    expectError(hold, 400, 'VALIDATION_FAILED');
    expect(hold.body.error.message).toMatch(/holdSeconds/);
  });

  test('unknown seats are named in a 422', async () => {
    const ghost = randomUUID();
    const res = await engine.request('POST', '/api/reservations', { token: alice.token, body: { eventId: event.eventId, seatIds: [event.seatIds[0], ghost] } });
    expectError(res, 422, 'UNKNOWN_SEATS');
    expect(res.body.error.details.seatIds).toEqual([ghost]);
  });

  test('an unknown event is a 404', async () => {
    const res = await engine.request('POST', '/api/reservations', { token: alice.token, body: { eventId: randomUUID(), seatIds: [event.seatIds[0]] } });
    expectError(res, 404, 'NOT_FOUND');
    expectError(await engine.request('GET', `/api/events/${randomUUID()}`), 404, 'NOT_FOUND');
  });

  test('holding without logging in is a 401, and a forged token too', async () => {
    expectError(await engine.request('POST', '/api/reservations', { body: { eventId: event.eventId, seatIds: [event.seatIds[0]] } }), 401, 'UNAUTHENTICATED');
    expectError(await engine.request('GET', '/api/reservations', { token: 'forged.token.value' }), 401, 'UNAUTHENTICATED');
  });

  test("another customer's reservation is not found for them, and they cannot pay or cancel it", async () => {
    const held = await engine.request('POST', '/api/reservations', { token: alice.token, body: { eventId: event.eventId, seatIds: [event.seatIds[1]] } });
    expect(held.status).toBe(201);
    const mallory = await engine.register();
    const id = held.body.reservation.id;
    expectError(await engine.request('GET', `/api/reservations/${id}`, { token: mallory.token }), 404, 'NOT_FOUND');
    expectError(await engine.request('POST', `/api/reservations/${id}/checkout`, { token: mallory.token, body: { card: { number: TEST_CARDS.success } } }), 404, 'NOT_FOUND');
    expectError(await engine.request('POST', `/api/reservations/${id}/cancel`, { token: mallory.token, body: {} }), 404, 'NOT_FOUND');
    expect((await engine.request('GET', `/api/reservations/${id}`, { token: alice.token })).body.status).toBe('HELD');
  });

  test('an expired hold cannot be paid or cancelled', async () => {
    const held = await engine.request('POST', '/api/reservations', { token: alice.token, body: { eventId: event.eventId, seatIds: [event.seatIds[2]], holdSeconds: 2 } });
    const id = held.body.reservation.id;
    await eventually(async () => (await engine.request('GET', `/api/reservations/${id}`, { token: alice.token })).body.status === 'EXPIRED', 10_000, 'expiry');
    expectError(await engine.request('POST', `/api/reservations/${id}/checkout`, { token: alice.token, body: { card: { number: TEST_CARDS.success } } }), 409, 'HOLD_EXPIRED');
    expectError(await engine.request('POST', `/api/reservations/${id}/cancel`, { token: alice.token, body: {} }), 409, 'HOLD_EXPIRED');
  });

  test('a seat someone else holds is a 409 naming it', async () => {
    const bob = await engine.register();
    expect((await engine.request('POST', '/api/reservations', { token: alice.token, body: { eventId: event.eventId, seatIds: [event.seatIds[3]] } })).status).toBe(201);
    const res = await engine.request('POST', '/api/reservations', { token: bob.token, body: { eventId: event.eventId, seatIds: [event.seatIds[3], event.seatIds[4]] } });
    expectError(res, 409, 'SEAT_TAKEN');
    expect(res.body.error.details.seatIds).toEqual([event.seatIds[3]]);
  });

  test('a card number that is not one, and an empty checkout body, are rejected before any charge', async () => {
    const held = await engine.request('POST', '/api/reservations', { token: alice.token, body: { eventId: event.eventId, seatIds: [event.seatIds[5]] } });
    const id = held.body.reservation.id;
    expectError(await engine.request('POST', `/api/reservations/${id}/checkout`, { token: alice.token, body: { card: { number: 'abc' } } }), 400, 'VALIDATION_FAILED');
    expectError(await engine.request('POST', `/api/reservations/${id}/checkout`, { token: alice.token, body: {} }), 400, 'VALIDATION_FAILED');
    expectError(await engine.request('POST', `/api/reservations/not-a-uuid/checkout`, { token: alice.token, body: {} }), 400, 'VALIDATION_FAILED');
  });

  test('registering twice with one email is a 409, and a wrong password a 401', async () => {
    const again = await engine.request('POST', '/api/auth/register', { body: { email: alice.email, password: 'whatever-password', name: 'A' } });
    expectError(again, 409, 'EMAIL_TAKEN');
    expectError(await engine.request('POST', '/api/auth/login', { body: { email: alice.email, password: 'wrong-password' } }), 401, 'INVALID_CREDENTIALS');
    expectError(await engine.request('POST', '/api/auth/register', { body: { email: 'not-an-email', password: 'short', name: '' } }), 400, 'VALIDATION_FAILED');
  });

  test('an unknown API route is a 404 with the error shape', async () => {
    expectError(await engine.request('GET', '/api/nothing-here'), 404, 'NOT_FOUND');
  });

  test('the web client and the API are served with security headers', async () => {
    for (const path of ['/', '/api/events', '/api/nothing-here']) {
      const { headers } = await engine.request('GET', path);
      const policy = headers.get('content-security-policy') ?? '';
      for (const directive of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'self'"]) {
        expect(policy.split(';')).toContain(directive);
      }
      expect(headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests'); // plain HTTP outside production
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(headers.get('x-powered-by')).toBeNull();
    }
  });
});
