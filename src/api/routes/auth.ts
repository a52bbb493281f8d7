import Router from '@koa/router';
import type { Next } from 'koa';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { hashPassword, PASSWORD_MAX_LENGTH, passwordWeakness, prepareDummyHash, verifyPassword } from '../../auth/passwords.ts';
import { type Role, signToken } from '../../auth/tokens.ts';
import type { Account, Session } from '../../contract/accounts.ts';
import { createCustomer, findCustomerByEmail } from '../../db/customers.ts';
import { issueRefreshToken, type RefreshRefusal, revokeRefreshFamily, rotateRefreshToken } from '../../db/refresh-tokens.ts';
import { AppError } from '../../errors.ts';
import { type AppContext, type AppState, parse, requireSignedIn } from '../middleware.ts';
import { guardLogin, limitRegistrations, type RateLimits } from '../rate-limits.ts';
import { rawText, text } from '../schemas.ts';

const email = z.string().trim().email().max(254);
export const Register = z.object({
  email,
  password: rawText({ min: 1, max: PASSWORD_MAX_LENGTH }),
  name: text({ min: 1, max: 200 }),
}).strict().superRefine((body, ctx) => {
  const weakness = passwordWeakness(body.password, [body.email, body.email.split('@')[0], body.name]);
  if (weakness) ctx.addIssue({ code: 'custom', path: ['password'], message: weakness });
});
export const Login = z.object({ email, password: rawText({ min: 1, max: PASSWORD_MAX_LENGTH }) }).strict();
/** A refresh token as login, register and refresh hand it out (43 base64url characters). */
export const RefreshBody = z.object({
  refreshToken: rawText({ min: 1, max: 200 }).meta({ description: 'The refresh token from login, register or the last refresh' }),
}).strict();

const REFUSED: Record<RefreshRefusal, string> = {
  UNKNOWN: 'the refresh token is not one of ours',
  EXPIRED: 'the refresh token has expired: log in again',
  REVOKED: 'the refresh token was revoked (logout, or a reuse of its login): log in again',
  REUSED: 'the refresh token was already used: every token of this login is revoked now; log in again',
};

/** Responses of these routes carry tokens or account data: no cache may keep them. */
async function noStore(ctx: AppContext, next: Next) {
  ctx.set('Cache-Control', 'no-store');
  await next();
}

/**
 * Accounts and sessions. A session is a short-lived access token (a JWT with the role, checked
 * without a query on every request) and a refresh token (stored hashed, rotated on each use).
 */
export function authRoutes(deps: { pool: DatabasePool; jwtSecret: string; accessTtlSeconds: number; refreshTtlSeconds: number; limits?: RateLimits }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api' });
  const accessToken = (customer: { id: string; email: string; role: Role }) =>
    signToken({ customerId: customer.id, email: customer.email, role: customer.role }, deps.jwtSecret, deps.accessTtlSeconds);
  /** A new login: an access token and the first refresh token of a new family. */
  const session = async (customer: Account): Promise<Session> => {
    const { refreshToken } = await issueRefreshToken(deps.pool, { customerId: customer.id, ttlSeconds: deps.refreshTtlSeconds });
    return { token: accessToken(customer), refreshToken, expiresIn: deps.accessTtlSeconds, customer };
  };
  router.use(noStore);

  router.post('/auth/register', limitRegistrations(deps.limits), async (ctx) => {
    const body = parse(Register, ctx.request.body, 'body');
    const customer = await createCustomer(deps.pool, { email: body.email, name: body.name, passwordHash: await hashPassword(body.password) });
    if (!customer) throw new AppError(409, 'EMAIL_TAKEN', `an account with the email ${body.email} already exists`, { field: 'email' });
    ctx.status = 201;
    ctx.body = await session(customer);
  });

  void prepareDummyHash(); // ready before the first login for an unknown email
  router.post('/auth/login', async (ctx) => {
    const body = parse(Login, ctx.request.body, 'body');
    const found = await guardLogin(deps.limits, ctx, body.email, async () => {
      const candidate = await findCustomerByEmail(deps.pool, body.email);
      return (await verifyPassword(candidate?.passwordHash, body.password)) ? candidate : null;
    });
    if (!found) throw new AppError(401, 'INVALID_CREDENTIALS', 'the email or password is wrong');
    const { passwordHash: _, ...customer } = found;
    ctx.body = await session(customer);
  });

  /** Spends the refresh token for a new access token and a new refresh token (rotation). */
  router.post('/auth/refresh', async (ctx) => {
    const { refreshToken } = parse(RefreshBody, ctx.request.body, 'body');
    const rotated = await rotateRefreshToken(deps.pool, refreshToken, deps.refreshTtlSeconds);
    if (rotated.outcome !== 'ROTATED') {
      if (rotated.outcome === 'REUSED') ctx.state.log.warn('a rotated refresh token was presented again: its family is revoked');
      throw new AppError(401, 'UNAUTHENTICATED', REFUSED[rotated.outcome], { reason: rotated.outcome });
    }
    ctx.body = { token: accessToken(rotated.account), refreshToken: rotated.refreshToken, expiresIn: deps.accessTtlSeconds, customer: rotated.account } satisfies Session;
  });

  /** Revokes the login the refresh token belongs to. Always 204: an unknown token has nothing to revoke. */
  router.post('/auth/logout', async (ctx) => {
    const { refreshToken } = parse(RefreshBody, ctx.request.body, 'body');
    await revokeRefreshFamily(deps.pool, refreshToken);
    ctx.status = 204;
  });

  router.get('/me', requireSignedIn(), async (ctx) => {
    ctx.body = { customer: ctx.state.principal };
  });
  return router;
}
