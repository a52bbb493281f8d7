import Router from '@koa/router';
import { hash, verify } from '@node-rs/argon2';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { signToken } from '../../auth/tokens.ts';
import { createCustomer, findCustomerByEmail } from '../../db/customers.ts';
import { AppError } from '../../errors.ts';
import { type AppContext, type AppState, parse, requireRole } from '../middleware.ts';
import { guardLogin, type RateLimits } from '../rate-limits.ts';

const Register = z.object({
  email: z.string().trim().email().max(254),
  password: z.string().min(8, 'must be at least 8 characters').max(200),
  name: z.string().trim().min(1).max(200),
});
const Login = z.object({ email: z.string().trim().email(), password: z.string().min(1).max(200) });

export function authRoutes(deps: { pool: DatabasePool; jwtSecret: string; jwtTtlSeconds: number; limits?: RateLimits }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api' });
  const issue = (customer: { id: string; email: string; role: 'customer' | 'support' }) =>
    signToken({ customerId: customer.id, email: customer.email, role: customer.role }, deps.jwtSecret, deps.jwtTtlSeconds);

  router.post('/auth/register', async (ctx) => {
    const body = parse(Register, ctx.request.body, 'body');
    const customer = await createCustomer(deps.pool, { email: body.email, name: body.name, passwordHash: await hash(body.password) });
    ctx.status = 201;
    ctx.body = { token: issue(customer), customer };
  });

  router.post('/auth/login', async (ctx) => {
    const body = parse(Login, ctx.request.body, 'body');
    const found = await guardLogin(deps.limits, ctx, body.email, async () => {
      const candidate = await findCustomerByEmail(deps.pool, body.email);
      return candidate && (await verify(candidate.passwordHash, body.password)) ? candidate : null;
    });
    if (!found) throw new AppError(401, 'INVALID_CREDENTIALS', 'the email or password is wrong');
    const { passwordHash: _, ...customer } = found;
    ctx.body = { token: issue(customer), customer };
  });

  router.get('/me', requireRole('customer', 'support'), async (ctx) => {
    ctx.body = { customer: ctx.state.principal };
  });
  return router;
}
