import Router from '@koa/router';
import type { DatabasePool } from 'slonik';
import { AppParams, NewApp, TenantAppParams, TenantParams } from '../../contract/apps.ts';
import { createApp, listApps, revokeApp } from '../../db/apps.ts';
import { findTenant } from '../../db/catalog.ts';
import { findCustomer } from '../../db/customers.ts';
import { AppError, notFound } from '../../errors.ts';
import { actorOf, type AppContext, type AppState, parse, requireRole } from '../middleware.ts';

/**
 * Tenants' client apps and their API keys (src/db/apps.ts): admins manage any tenant's, a
 * tenant's organizers their own tenant's. The key is in the creation's answer only. An app's own
 * key cannot manage apps (a leaked key must not be able to mint more keys): these routes refuse
 * it like every route but the organizer routes. Creating and revoking are in the audit trail.
 */
export function appRoutes(deps: { pool: DatabasePool }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api' });
  const admin = requireRole('admin');
  const organizer = requireRole('organizer');

  /** The tenant an admin names, after checking it exists. */
  const namedTenant = async (ctx: AppContext) => {
    const { tenantId } = parse(TenantParams, ctx.params, 'params');
    if (!(await findTenant(deps.pool, tenantId))) throw notFound('Tenant', tenantId);
    return tenantId;
  };
  /** The organizer's tenant, read now (a revoked organizer has none, whatever its token says). */
  const ownTenant = async (ctx: AppContext) => {
    const account = await findCustomer(deps.pool, ctx.state.principal!.customerId);
    if (account?.role !== 'organizer' || !account.tenantId) throw new AppError(403, 'FORBIDDEN', 'this account is no organizer of a tenant (any more)');
    return account.tenantId;
  };

  /** The body is validated before the tenant is looked up: a bad request is a 400 whatever it names. */
  const create = async (ctx: AppContext, tenantOf: (ctx: AppContext) => Promise<string>) => {
    const input = parse(NewApp, ctx.request.body, 'body');
    const tenantId = await tenantOf(ctx);
    const created = await createApp(deps.pool, tenantId, input, actorOf(ctx));
    if (!created) throw notFound('Tenant', tenantId);
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = created;
  };
  const revoke = async (ctx: AppContext, tenantId: string, appId: string) => {
    const app = await revokeApp(deps.pool, tenantId, appId, actorOf(ctx));
    if (!app) throw notFound('App', appId);
    ctx.body = { app };
  };

  router.get('/admin/tenants/:tenantId/apps', admin, async (ctx) => {
    ctx.body = { items: await listApps(deps.pool, await namedTenant(ctx)) };
  });
  router.post('/admin/tenants/:tenantId/apps', admin, async (ctx) => create(ctx, namedTenant));
  router.delete('/admin/tenants/:tenantId/apps/:appId', admin, async (ctx) => {
    const { tenantId, appId } = parse(TenantAppParams, ctx.params, 'params');
    await revoke(ctx, tenantId, appId);
  });

  router.get('/organizer/apps', organizer, async (ctx) => {
    ctx.body = { items: await listApps(deps.pool, await ownTenant(ctx)) };
  });
  router.post('/organizer/apps', organizer, async (ctx) => create(ctx, ownTenant));
  router.delete('/organizer/apps/:appId', organizer, async (ctx) => {
    const { appId } = parse(AppParams, ctx.params, 'params');
    await revoke(ctx, await ownTenant(ctx), appId);
  });
  return router;
}
