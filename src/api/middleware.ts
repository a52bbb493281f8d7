import type { Context, Next } from 'koa';
import { z } from 'zod';
import { type Principal, type Role, verifyToken } from '../auth/tokens.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export interface AppState {
  log: Logger;
  principal?: Principal;
}
export type AppContext = Context & { state: AppState };

/**
 * First in the chain: a per-request logger, and the one place that builds error bodies
 * `{ error: { code, message, details } }`. Handlers throw; they never build error responses.
 */
export function errors(log: Logger, exposeInternals: boolean) {
  return async (ctx: AppContext, next: Next) => {
    const started = performance.now();
    ctx.state.log = log.child({ req: { method: ctx.method, url: ctx.url } });
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.path.startsWith('/api')) {
        throw new AppError(404, 'NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      }
    } catch (error) {
      const known = toAppError(error);
      const details = exposeInternals && known.code === 'INTERNAL' ? { stack: (error as Error)?.stack } : known.details;
      ctx.status = known.status;
      ctx.body = { error: { code: known.code, message: known.message, details } };
      if (known.status >= 500) ctx.state.log.error({ err: error }, 'request failed');
    } finally {
      ctx.state.log.debug({ status: ctx.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  };
}

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) return validationError(error, 'request');
  const status = (error as { status?: number; expose?: boolean })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // koa / bodyparser errors: malformed JSON, wrong content type, body too large
    const message = (error as { type?: string }).type === 'entity.parse.failed' ? 'the request body is not valid JSON' : (error as Error).message;
    return new AppError(status, 'VALIDATION_FAILED', message, {});
  }
  return new AppError(500, 'INTERNAL', 'something went wrong on our side; nothing was changed by this request');
}

function validationError(error: z.ZodError, where: string): AppError {
  const issues = error.issues.map((i) => ({ path: [where, ...i.path].join('.'), message: i.message }));
  return new AppError(400, 'VALIDATION_FAILED', `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

/** Parses one part of the request with its zod schema, or throws 400 VALIDATION_FAILED naming every problem. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' | 'headers'): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

export function authenticate(secret: string) {
  return async (ctx: AppContext, next: Next) => {
    const header = ctx.get('authorization');
    if (header) {
      const principal = /^Bearer (.+)$/i.exec(header)?.[1];
      ctx.state.principal = (principal && verifyToken(principal, secret)) || undefined;
      if (!ctx.state.principal) throw new AppError(401, 'UNAUTHENTICATED', 'the access token is invalid or expired');
    }
    await next();
  };
}

export function requireRole(...roles: Role[]) {
  return async (ctx: AppContext, next: Next) => {
    const principal = ctx.state.principal;
    if (!principal) throw new AppError(401, 'UNAUTHENTICATED', 'log in first: send Authorization: Bearer <token>');
    if (!roles.includes(principal.role)) throw new AppError(403, 'FORBIDDEN', `this needs the ${roles.join(' or ')} role`);
    await next();
  };
}

export const idempotencyKey = (ctx: Context): string | undefined =>
  parse(z.object({ 'idempotency-key': z.string().min(8).max(200).optional() }), ctx.headers, 'headers')['idempotency-key'];
