import Router from '@koa/router';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { Role } from '../../contract/accounts.ts';
import { FeaturedBody, NewTenant } from '../../contract/catalog.ts';
import { createTenant, featureEvent, findTenant, listTenants, unfeatureEvent } from '../../db/catalog.ts';
import { findCustomer, findCustomerByEmail, revokeRole, setRole } from '../../db/customers.ts';
import { AppError, notFound } from '../../errors.ts';
import { actorOf, type AppContext, type AppState, parse, requireRole } from '../middleware.ts';
import { recordAudit } from '../../db/audit.ts';

export const UserParams = z.object({ id: z.string().uuid() });
/** Finding an account by its email (exact, any case): admins know people by email, the API by id. */
export const UserQuery = z.object({ email: z.string().trim().email().max(254) });
export const FeaturedParams = z.object({ eventId: z.string().uuid() });
export const UserRoleParams = UserParams.extend({ role: Role });
/** The tenant an organizer belongs to: required for the organizer role, refused for the others. */
export const RoleGrant = z.object({
  tenantId: z.string().uuid().optional().meta({ description: "The organizer's tenant (organizer role only)" }),
}).strict();

/**
 * Admins create tenants (the organizations that own venues and events), and grant and revoke roles
 * (each recorded in the audit trail, in the transaction of the change). An account has exactly one role (src/contract/accounts.ts):
 * granting one replaces the one it had; revoking the role it has makes it a customer again.
 * An admin cannot change their own role (so the last admin cannot lock everyone out).
 * The account's current access tokens keep their role until they expire (ACCESS_TOKEN_TTL_SECONDS,
 * minutes): the role is a claim of the token, read without a query on every request.
 */
export function adminRoutes(deps: { pool: DatabasePool }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api/admin' });
  router.use(requireRole('admin'));

  const notSelf = (ctx: AppContext, id: string) => {
    if (id === ctx.state.principal!.customerId) {
      throw new AppError(409, 'INVALID_STATE', 'an admin cannot change their own role; ask another admin', { customerId: id });
    }
  };

  router.get('/users', async (ctx) => {
    const { email } = parse(UserQuery, ctx.query, 'query');
    const found = await findCustomerByEmail(deps.pool, email);
    ctx.body = { items: found ? [{ id: found.id, email: found.email, name: found.name, role: found.role, tenantId: found.tenantId }] : [] };
  });

  router.get('/users/:id', async (ctx) => {
    const { id } = parse(UserParams, ctx.params, 'params');
    const account = await findCustomer(deps.pool, id);
    if (!account) throw notFound('User', id);
    ctx.body = { user: account };
  });

  router.get('/tenants', async (ctx) => {
    ctx.body = { items: await listTenants(deps.pool) };
  });

  router.post('/tenants', async (ctx) => {
    const { name } = parse(NewTenant, ctx.request.body, 'body');
    const tenant = await deps.pool.transaction(async (tx) => {
      const created = await createTenant(tx, name);
      if (created) await recordAudit(tx, actorOf(ctx), { action: 'tenant.created', tenantId: created.id, details: { name } });
      return created;
    });
    if (!tenant) throw new AppError(409, 'NAME_TAKEN', `a tenant named ${name} exists already`, { field: 'name' });
    ctx.status = 201;
    ctx.set('Location', `/api/admin/tenants/${tenant.id}`);
    ctx.body = { tenant };
  });

  router.put('/users/:id/roles/:role', async (ctx) => {
    const { id, role } = parse(UserRoleParams, ctx.params, 'params');
    const { tenantId } = parse(RoleGrant, ctx.request.body, 'body');
    if ((role === 'organizer') !== (tenantId !== undefined)) {
      const message = role === 'organizer' ? 'an organizer belongs to a tenant: give tenantId' : `only organizers belong to a tenant: the ${role} role takes no tenantId`;
      throw new AppError(400, 'VALIDATION_FAILED', message, { issues: [{ path: 'body.tenantId', message }] });
    }
    notSelf(ctx, id);
    if (tenantId && !(await findTenant(deps.pool, tenantId))) throw notFound('Tenant', tenantId);
    const account = await deps.pool.transaction(async (tx) => {
      const granted = await setRole(tx, { customerId: id, role, tenantId, grantedBy: ctx.state.principal!.customerId });
      if (granted) await recordAudit(tx, actorOf(ctx), { action: 'role.granted', subjectId: id, tenantId: tenantId ?? null, details: { role, email: granted.email } });
      return granted;
    });
    if (!account) throw notFound('User', id);
    ctx.state.log.info({ customerId: id, role, by: ctx.state.principal!.customerId }, 'role granted');
    ctx.body = { user: account };
  });

  router.delete('/users/:id/roles/:role', async (ctx) => {
    const { id, role } = parse(UserRoleParams, ctx.params, 'params');
    notSelf(ctx, id);
    if (role === 'customer') throw new AppError(409, 'INVALID_STATE', 'every account is at least a customer: grant another role instead', { role });
    // conditional: a grant made meanwhile by another admin is never undone by this revocation
    const revoked = await deps.pool.transaction(async (tx) => {
      const tenantBefore = role === 'organizer' ? (await findCustomer(tx, id))?.tenantId ?? null : null;
      const done = await revokeRole(tx, { customerId: id, role, revokedBy: ctx.state.principal!.customerId });
      if (done) await recordAudit(tx, actorOf(ctx), { action: 'role.revoked', subjectId: id, tenantId: tenantBefore, details: { role, email: done.email } });
      return done;
    });
    if (!revoked) {
      const account = await findCustomer(deps.pool, id);
      if (!account) throw notFound('User', id);
      throw new AppError(409, 'INVALID_STATE', `the account has the ${account.role} role, not ${role}`, { role: account.role });
    }
    ctx.state.log.info({ customerId: id, role, by: ctx.state.principal!.customerId }, 'role revoked');
    ctx.body = { user: revoked };
  });
  /** Features an event (or moves it in the strip); customers find it with GET /api/events?featured=true. */
  router.put('/events/:eventId/featured', async (ctx) => {
    const { eventId } = parse(FeaturedParams, ctx.params, 'params');
    const { position } = parse(FeaturedBody, ctx.request.body, 'body');
    const result = await featureEvent(deps.pool, eventId, position, actorOf(ctx));
    if (result.outcome === 'NOT_FOUND') throw notFound('Event', eventId);
    if (result.outcome === 'INVALID_STATE') {
      throw new AppError(409, 'INVALID_STATE', `a ${result.status} event cannot be featured: only published events that are not over`, { status: result.status });
    }
    ctx.body = { featured: result.featured };
  });

  router.delete('/events/:eventId/featured', async (ctx) => {
    const { eventId } = parse(FeaturedParams, ctx.params, 'params');
    const result = await unfeatureEvent(deps.pool, eventId, actorOf(ctx));
    if (result.outcome === 'NOT_FOUND') throw new AppError(404, 'NOT_FOUND', `event ${eventId} is not featured (or does not exist)`, { eventId });
    ctx.body = { featured: result.featured };
  });
  return router;
}
