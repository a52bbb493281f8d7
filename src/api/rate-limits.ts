import type { Redis } from 'ioredis';
import type { Middleware } from 'koa';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { AppContext, AppState } from './middleware.ts';

/**
 * Rate limits, counted in Redis so every API process shares them (rate-limiter-flexible).
 * - holds: attempts per customer per minute, so one account (or bot) cannot sweep a sale;
 * - failed logins, for 15 minutes, against password guessing: per email and client address
 *   (a success from that address clears it), and per email across all addresses (a higher
 *   limit that no success clears, so changing address, or X-Forwarded-For, buys nothing);
 * - registrations: attempts per client address per hour (each costs an argon2 hash).
 * The client address is Koa's `ctx.ip`, which trusts X-Forwarded-For only as far as
 * TRUST_PROXY_HOPS says (see app.ts).
 * They fail open: when Redis is not answering, requests go through (PostgreSQL still decides
 * every seat) and a warning is logged. A limit of 0 turns it off.
 */
export interface RateLimits {
  holds: RateLimiterRedis | null;
  failedLogins: RateLimiterRedis | null;
  failedLoginsPerAccount: RateLimiterRedis | null;
  registrations: RateLimiterRedis | null;
  log: Logger;
}

type LimitConfig = Pick<Config, 'RATE_LIMIT_HOLDS_PER_MINUTE' | 'RATE_LIMIT_FAILED_LOGINS' | 'RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT' | 'RATE_LIMIT_REGISTRATIONS_PER_HOUR'>;

export function createRateLimits(redis: Redis, config: LimitConfig, log: Logger): RateLimits {
  const limiter = (keyPrefix: string, points: number, duration: number) =>
    points > 0 ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `booking:rl:${keyPrefix}`, points, duration, rejectIfRedisNotReady: true }) : null;
  return {
    holds: limiter('holds', config.RATE_LIMIT_HOLDS_PER_MINUTE, 60),
    failedLogins: limiter('login', config.RATE_LIMIT_FAILED_LOGINS, 15 * 60),
    failedLoginsPerAccount: limiter('login-account', config.RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT, 15 * 60),
    registrations: limiter('register', config.RATE_LIMIT_REGISTRATIONS_PER_HOUR, 60 * 60),
    log,
  };
}

function tooMany(ctx: AppContext, result: RateLimiterRes, what: string): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
  ctx.set('Retry-After', String(retryAfterSeconds));
  return new AppError(429, 'RATE_LIMITED', `too many ${what}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
}

/**
 * Runs one limiter call, failing open: a Redis error is logged and reads as "no answer"
 * (undefined). A limiter's own rejection (RateLimiterRes: over the limit) goes to the caller.
 */
async function failOpen<R>(log: Logger, what: string, step: () => Promise<R>): Promise<R | undefined> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof RateLimiterRes) throw error;
    log.warn({ err: error }, `${what} rate limit not checked: Redis did not answer`);
    return undefined;
  }
}

/** Counts one request against `limiter` under `key`; 429 RATE_LIMITED past the limit. */
function limitBy(limits: RateLimits | undefined, pick: (l: RateLimits) => RateLimiterRedis | null, what: string, key: (ctx: AppContext) => string | undefined): Middleware<AppState, AppContext> {
  return async (ctx, next) => {
    const limiter = limits && pick(limits);
    const counted = key(ctx);
    if (limiter && counted !== undefined) {
      await failOpen(limits.log, what, () => limiter.consume(counted)).catch((rejected: unknown) => {
        throw rejected instanceof RateLimiterRes ? tooMany(ctx, rejected, `${what} requests`) : rejected;
      });
    }
    await next();
  };
}

/** Counts one hold attempt of the signed-in customer. */
export const limitHolds = (limits: RateLimits | undefined) => limitBy(limits, (l) => l.holds, 'hold', (ctx) => ctx.state.principal?.customerId);

/** Counts one registration attempt of the client address. */
export const limitRegistrations = (limits: RateLimits | undefined) => limitBy(limits, (l) => l.registrations, 'registration', (ctx) => ctx.ip);

/**
 * Guards a login: refused while the email has too many recent failures from this address, or
 * from all addresses together. A failure counts against both; a success clears the count of
 * this address only.
 */
export async function guardLogin<T>(limits: RateLimits | undefined, ctx: AppContext, email: string, attempt: () => Promise<T | null>): Promise<T | null> {
  const account = email.toLowerCase();
  const counters = [
    { limiter: limits?.failedLogins, key: `${account}|${ctx.ip}` },
    { limiter: limits?.failedLoginsPerAccount, key: account },
  ].filter((c): c is { limiter: RateLimiterRedis; key: string } => Boolean(c.limiter));
  if (!limits || counters.length === 0) return attempt();
  const fallible = <R>(step: () => Promise<R>) => failOpen(limits.log, 'login', step);
  for (const { limiter, key } of counters) {
    const seen = await fallible(() => limiter.get(key));
    if (seen && seen.consumedPoints >= limiter.points) throw tooMany(ctx, seen, 'failed logins for this account');
  }
  const result = await attempt();
  if (result) {
    if (limits.failedLogins) await fallible(() => limits.failedLogins!.delete(`${account}|${ctx.ip}`));
  } else {
    await Promise.all(counters.map(({ limiter, key }) => fallible(() => limiter.penalty(key))));
  }
  return result;
}
