import cors from '@koa/cors';
import type { Next } from 'koa';
import { AppError } from '../errors.ts';
import type { AppContext } from './middleware.ts';

/**
 * The origin policy of the API and the Socket.io gateway: same-origin, plus the origins listed
 * in CORS_ORIGINS. A request without an Origin header is not a cross-origin browser request
 * (browsers send one on every cross-origin request and WebSocket handshake), so it passes.
 * "The page's own origin" is one whose host is the request's Host: behind a proxy that keeps
 * the Host header that works unchanged; a proxy that rewrites it needs its public origin listed.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, listed: readonly string[]): boolean {
  if (!origin) return true;
  if (listed.includes(origin)) return true;
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and anything unparsable
  }
}

/**
 * CORS for the API (@koa/cors): listed origins get the CORS headers (tokens travel in the
 * Authorization header, so no credentials mode); a preflight from any other foreign origin is
 * refused with 403, so the browser never sends the request it announced.
 */
export function corsPolicy(listed: readonly string[]) {
  const allowListed = cors({
    origin: (ctx) => (listed.includes(ctx.get('Origin')) ? ctx.get('Origin') : ''),
    allowMethods: ['GET', 'HEAD', 'POST'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
    exposeHeaders: ['Location', 'Retry-After'],
    maxAge: 600,
  });
  return async (ctx: AppContext, next: Next) => {
    const origin = ctx.get('Origin');
    const preflight = ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method') !== '';
    if (preflight && !originAllowed(origin, ctx.host, listed)) {
      ctx.vary('Origin');
      throw new AppError(403, 'FORBIDDEN', `cross-origin requests from ${origin} are not allowed`, { origin });
    }
    return allowListed(ctx, next);
  };
}
