import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('rate_limits', { RATE_LIMIT_HOLDS_PER_MINUTE: '3', RATE_LIMIT_FAILED_LOGINS: '3' }); });
afterAll(async () => { await engine?.close(); });

describe('rate limits (counted in Redis)', () => {
  test('a customer gets 429 with Retry-After past the hold limit, and nothing is held for the refused request', async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const greedy = await engine.register();
    const statuses: number[] = [];
    for (const seatId of seatIds.slice(0, 3)) {
      statuses.push((await engine.request('POST', '/api/reservations', { token: greedy.token, body: { eventId, seatIds: [seatId] } })).status);
    }
    expect(statuses).toEqual([201, 201, 201]);
    const refused = await engine.request('POST', '/api/reservations', { token: greedy.token, body: { eventId, seatIds: [seatIds[3]] } });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.error.details.retryAfterSeconds).toBe(retryAfter);
    const event = await engine.request('GET', `/api/events/${eventId}`);
    expect(event.body.seats.find((s: { id: string }) => s.id === seatIds[3]).state).toBe('AVAILABLE');

    // the limit is per customer: someone else buys that seat at once
    const other = await engine.register();
    expect((await engine.request('POST', '/api/reservations', { token: other.token, body: { eventId, seatIds: [seatIds[3]] } })).status).toBe(201);
  });

  test('repeated failed logins lock the account out for this address, even with the right password; a success clears the count', async () => {
    const victim = await engine.register();
    const login = (password: string) => engine.request('POST', '/api/auth/login', { body: { email: victim.email, password } });
    // a success between failures resets the count
    expect((await login('wrong password 1')).status).toBe(401);
    expect((await login('wrong password 2')).status).toBe(401);
    expect((await login('correct horse battery')).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await login(`guess ${i}`)).status).toBe(401);
    const locked = await login('correct horse battery');
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('RATE_LIMITED');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(60);

    // another account from the same address is not affected
    const bystander = await engine.register();
    expect((await engine.request('POST', '/api/auth/login', { body: { email: bystander.email, password: 'correct horse battery' } })).status).toBe(200);
  });

  test('without trusted proxies (TRUST_PROXY_HOPS=0) X-Forwarded-For is ignored: a new header value is not a new address', async () => {
    const victim = await engine.register();
    const login = (password: string, forwardedFor: string) =>
      engine.request('POST', '/api/auth/login', { body: { email: victim.email, password }, headers: { 'x-forwarded-for': forwardedFor } });
    for (let i = 0; i < 3; i++) expect((await login(`guess ${i}`, `198.51.100.${i}`)).status).toBe(401);
    expect((await login('correct horse battery', '198.51.100.200')).status).toBe(429);
  });
});
