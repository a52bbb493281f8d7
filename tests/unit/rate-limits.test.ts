import { Redis } from 'ioredis';
import { pino } from 'pino';
import { limitHolds, createRateLimits } from '../../src/api/rate-limits.ts';
import type { AppContext } from '../../src/api/middleware.ts';

describe('rate limits without Redis', () => {
  test('fail open: a hold goes through when Redis does not answer, and the miss is logged', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(JSON.parse(line).msg); } });
    const limits = createRateLimits(unreachable, { RATE_LIMIT_HOLDS_PER_MINUTE: 1, RATE_LIMIT_FAILED_LOGINS: 1, RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT: 1, RATE_LIMIT_REGISTRATIONS_PER_HOUR: 1 }, log);
    const ctx = { state: { principal: { customerId: 'c-1', email: 'a@example.com', role: 'customer' } }, set: () => {} } as unknown as AppContext;
    let passed = 0;
    for (let i = 0; i < 3; i++) await limitHolds(limits)(ctx, async () => { passed++; });
    expect(passed).toBe(3);
    expect(warnings).toEqual(Array(3).fill('hold rate limit not checked: Redis did not answer'));
    unreachable.disconnect();
  });

  test('a limit of 0 turns the limiter off', () => {
    const redis = new Redis({ lazyConnect: true });
    const limits = createRateLimits(redis, { RATE_LIMIT_HOLDS_PER_MINUTE: 0, RATE_LIMIT_FAILED_LOGINS: 0, RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT: 0, RATE_LIMIT_REGISTRATIONS_PER_HOUR: 0 }, pino({ level: 'silent' }));
    expect(limits.holds).toBeNull();
    expect(limits.failedLogins).toBeNull();
    expect(limits.failedLoginsPerAccount).toBeNull();
    expect(limits.registrations).toBeNull();
    redis.disconnect();
  });
});
