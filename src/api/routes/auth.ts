import Router from '@koa/router';
import type { Next } from 'koa';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { hashPassword, PASSWORD_MAX_LENGTH, passwordWeakness, prepareDummyHash, verifyPassword } from '../../auth/passwords.ts';
import { type Role, signToken } from '../../auth/tokens.ts';
import { createCustomer, findCustomerByEmail } from '../../db/customers.ts';
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

/** Responses of these routes carry tokens or account data: no cache may keep them. */
async function noStore(ctx: AppContext, next: Next) {
  ctx.set('Cache-Control', 'no-store');
  await next();
}

export function authRoutes(deps: { pool: DatabasePool; jwtSecret: string; jwtTtlSeconds: number; limits?: RateLimits }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api' });
  const issue = (customer: { id: string; email: string; role: Role }) =>
    signToken({ customerId: customer.id, email: customer.email, role: customer.role }, deps.jwtSecret, deps.jwtTtlSeconds);
  router.use(noStore);

  router.post('/auth/register', limitRegistrations(deps.limits), async (ctx) => {
    const body = parse(Register, ctx.request.body, 'body');
    const customer = await createCustomer(deps.pool, { email: body.email, name: body.name, passwordHash: await hashPassword(body.password) });
    if (!customer) throw new AppError(409, 'EMAIL_TAKEN', `an account with the email ${body.email} already exists`, { field: 'email' });
    ctx.status = 201;
    ctx.body = { token: issue(customer), customer };
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
    ctx.body = { token: issue(customer), customer };
  });

  router.get('/me', requireSignedIn(), async (ctx) => {
    ctx.body = { customer: ctx.state.principal };
  });
  return router;
}
