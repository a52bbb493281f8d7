import type { Context, Next } from 'koa';
import pg from 'pg';
import { type DatabasePool, ForeignKeyIntegrityConstraintViolationError, InvalidInputError } from 'slonik';
import { z } from 'zod';
import { type Principal, type Role, verifyToken } from '../auth/tokens.ts';
import { ROLES, STAFF_ROLES } from '../contract/accounts.ts';
import { isAppKey } from '../contract/apps.ts';
import { type AppPrincipal, appOfKey } from '../db/apps.ts';
import { type Actor, accountActor } from '../db/audit.ts';
import type { TenantScope } from '../db/events.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { UnsupportedBody } from './body.ts';

export interface AppState {
  log: Logger;
  principal?: Principal;
  /** A tenant's client app, when the request carries its API key (src/db/apps.ts) instead of an access token. */
  app?: AppPrincipal;
}
export type AppContext = Context & { state: AppState };

/**
 * First in the chain: a per-request logger, and the one place that builds error bodies
 * `{ error: { code, message, details } }`. Handlers throw; they never build error responses.
 * A response that ends as an error status without a body (Koa's 404, the router's 405 and 501)
 * gets the same shape. A 500 never carries internals, in any mode: the log keeps the stack.
 */
export function errors(log: Logger) {
  return async (ctx: AppContext, next: Next) => {
    const started = performance.now();
    ctx.state.log = log.child({ req: { method: ctx.method, url: ctx.url } });
    try {
      await next();
      if (ctx.status >= 400 && ctx.body == null) throw bodilessError(ctx);
    } catch (error) {
      const known = toAppError(error, ctx.state.log);
      ctx.status = known.status;
      ctx.body = { error: { code: known.code, message: known.message, details: known.details } };
      if (known.status >= 500) ctx.state.log.error({ err: error }, 'request failed');
    } finally {
      ctx.state.log.debug({ status: ctx.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  };
}

/**
 * An error status without a body: Koa's 404, and the router's 405 (a method the route does not
 * have) or 501 (a method the router does not know, e.g. PROPFIND or TRACE). An unknown method
 * is the client's mistake, so it is answered as a 405 as well (or a 404 where no route
 * matches): 5xx stays the class of the engine's own failures.
 */
function bodilessError(ctx: AppContext): AppError {
  const allow = ctx.response.get('Allow');
  if (ctx.status === 404 || (ctx.status === 501 && !allow)) {
    return new AppError(404, 'NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
  }
  if (ctx.status === 405 || ctx.status === 501) {
    ctx.status = 405;
    return new AppError(405, 'METHOD_NOT_ALLOWED', `${ctx.method} is not allowed on ${ctx.path}; use ${allow}`, { allow: allow.split(/,\s*/) });
  }
  return ctx.status < 500 ? new AppError(ctx.status, 'BAD_REQUEST', ctx.message) : new AppError(500, 'INTERNAL', INTERNAL_MESSAGE);
}

const INTERNAL_MESSAGE = 'something went wrong on our side; nothing was changed by this request';

/** SQLSTATE class 22 (data exception): a value PostgreSQL cannot take, e.g. a NUL byte or an out-of-range date. */
const isDataException = (error: unknown) => error instanceof pg.DatabaseError && typeof error.code === 'string' && error.code.startsWith('22');

function toAppError(error: unknown, log: Logger): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) return validationError(error, 'request');
  const status = (error as { status?: number })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // koa and http-errors: a refusal made before any route ran
    return new AppError(status, status === 400 ? 'VALIDATION_FAILED' : 'BAD_REQUEST', (error as Error).message);
  }
  // Safety nets, narrow on purpose: the edge validation should have refused these already, so
  // each is logged as a warning to be fixed there.
  if (error instanceof InvalidInputError || isDataException(error)) {
    log.warn({ err: error }, 'a value the request validation let through was refused by PostgreSQL');
    return new AppError(400, 'VALIDATION_FAILED', 'a value in the request cannot be stored; check the text, number and date fields');
  }
  if (error instanceof ForeignKeyIntegrityConstraintViolationError && error.constraint?.endsWith('_customer_id_fkey')) {
    // a token signed for an account that has since been deleted
    log.warn({ err: error }, 'a valid token named a customer that no longer exists');
    return new AppError(401, 'UNAUTHENTICATED', 'the account of this access token no longer exists');
  }
  return new AppError(500, 'INTERNAL', INTERNAL_MESSAGE);
}

function validationError(error: z.ZodError, where: string): AppError {
  const issues = error.issues.map((i) => ({ path: [where, ...i.path].join('.'), message: i.message }));
  return new AppError(400, 'VALIDATION_FAILED', `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

/** Parses one part of the request with its zod schema, or throws 400 VALIDATION_FAILED naming every problem. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' | 'headers'): z.infer<S> {
  if (value instanceof UnsupportedBody) {
    throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `send the body as application/json (got ${value.contentType || 'no Content-Type'})`, { contentType: value.contentType || null });
  }
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

const bearer = (ctx: AppContext) => /^Bearer (.+)$/i.exec(ctx.get('authorization'))?.[1];

/**
 * A tenant app's API key (`Authorization: Bearer bk_…`, src/contract/apps.ts): the request acts
 * for the app's tenant, as its organizers do on the organizer routes, and nowhere else. Runs
 * before CORS, which allows a key's requests from that app's origins only (src/api/cors.ts).
 */
export function authenticateApp(pool: DatabasePool) {
  return async (ctx: AppContext, next: Next) => {
    const token = bearer(ctx);
    if (token && isAppKey(token)) {
      ctx.state.app = (await appOfKey(pool, token)) ?? undefined;
      if (!ctx.state.app) throw new AppError(401, 'UNAUTHENTICATED', 'the API key is invalid or revoked');
    }
    await next();
  };
}

export function authenticate(secret: string) {
  return async (ctx: AppContext, next: Next) => {
    const header = ctx.get('authorization');
    if (header && !ctx.state.app) {
      const principal = bearer(ctx);
      ctx.state.principal = (principal && verifyToken(principal, secret)) || undefined;
      if (!ctx.state.principal) throw new AppError(401, 'UNAUTHENTICATED', 'the access token is invalid or expired');
    }
    await next();
  };
}

const appRefused = () => new AppError(403, 'FORBIDDEN', "an app's API key acts for its tenant on the organizer routes only; sign in as a person for this", { appKey: true });

export function requireRole(...roles: Role[]) {
  return async (ctx: AppContext, next: Next) => {
    if (ctx.state.app) throw appRefused();
    const principal = ctx.state.principal;
    if (!principal) throw new AppError(401, 'UNAUTHENTICATED', 'log in first: send Authorization: Bearer <token>');
    if (!roles.includes(principal.role)) throw new AppError(403, 'FORBIDDEN', `this needs the ${roles.join(' or ')} role`, { roles });
    await next();
  };
}

/** A tenant's organizer, or one of the tenant's apps (by its key): the organizer routes. */
export function requireTenantMember() {
  const organizer = requireRole('organizer');
  return async (ctx: AppContext, next: Next) => (ctx.state.app ? next() : organizer(ctx, next));
}

/** Whose tenant a request of the organizer routes acts for: the app's, or the organizer's (read in SQL with the role). */
export function tenantScope(ctx: AppContext): TenantScope {
  return ctx.state.app ? { tenantId: ctx.state.app.tenantId } : { organizerId: ctx.state.principal!.customerId };
}

/** Who acts, for the audit trail: the signed-in account (in the role it has now) or the app. */
export function actorOf(ctx: AppContext): Actor {
  const { app, principal } = ctx.state;
  if (app) return { kind: 'app', id: app.id, label: `app:${app.name} (${app.keyPrefix})` };
  return accountActor(principal!);
}

/** Any signed-in account, whatever its role (every role may buy tickets for itself). */
export const requireSignedIn = () => requireRole(...ROLES);
/** Support's work: the support role, and admins. */
export const requireStaff = () => requireRole(...STAFF_ROLES);

export const IdempotencyKeyHeader = z.object({
  'idempotency-key': z.string().min(8).max(200).optional()
    .meta({ description: 'A key of your own per intended operation: a retry with the same key gets the same answer and is never charged or held twice' }),
});
export const idempotencyKey = (ctx: Context): string | undefined => parse(IdempotencyKeyHeader, ctx.headers, 'headers')['idempotency-key'];
