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
 * - failed logins: per email and client address, for 15 minutes, against password guessing.
 * They fail open: when Redis is not answering, requests go through (PostgreSQL still decides
 * every seat) and a warning is logged. A limit of 0 turns it off.
 */
export interface RateLimits {
  holds: RateLimiterRedis | null;
  failedLogins: RateLimiterRedis | null;
  log: Logger;
}

export function createRateLimits(redis: Redis, config: Pick<Config, 'RATE_LIMIT_HOLDS_PER_MINUTE' | 'RATE_LIMIT_FAILED_LOGINS'>, log: Logger): RateLimits {
  const limiter = (keyPrefix: string, points: number, duration: number) =>
    points > 0 ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `booking:rl:${keyPrefix}`, points, duration, rejectIfRedisNotReady: true }) : null;
  return {
    holds: limiter('holds', config.RATE_LIMIT_HOLDS_PER_MINUTE, 60),
    failedLogins: limiter('login', config.RATE_LIMIT_FAILED_LOGINS, 15 * 60),
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

/** Counts one hold attempt of the signed-in customer; 429 RATE_LIMITED past the limit. */
export function limitHolds(limits: RateLimits | undefined): Middleware<AppState, AppContext> {
  return async (ctx, next) => {
    const principal = ctx.state.principal;
    const limiter = limits?.holds;
    if (limiter && principal) {
      await failOpen(limits.log, 'hold', () => limiter.consume(principal.customerId)).catch((rejected: unknown) => {
        throw rejected instanceof RateLimiterRes ? tooMany(ctx, rejected, 'hold requests') : rejected;
      });
    }
    await next();
  };
}

/**
 * Guards a login: refused while the email has too many recent failures from this address;
 * a failure counts, a success clears the count.
 */
export async function guardLogin<T>(limits: RateLimits | undefined, ctx: AppContext, email: string, attempt: () => Promise<T | null>): Promise<T | null> {
  const limiter = limits?.failedLogins;
  if (!limiter) return attempt();
  const key = `${email.toLowerCase()}|${ctx.ip}`;
  const fallible = <R>(step: () => Promise<R>) => failOpen(limits.log, 'login', step);
  const seen = await fallible(() => limiter.get(key));
  if (seen && seen.consumedPoints >= limiter.points) throw tooMany(ctx, seen, 'failed logins for this account');
  const result = await attempt();
  if (result) {
    await fallible(() => limiter.delete(key));
  } else {
    await fallible(() => limiter.penalty(key));
  }
  return result;
}
