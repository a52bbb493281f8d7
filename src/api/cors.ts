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
 *
 * Tenants' apps (src/db/apps.ts) list origins of their own, and a request made with an app's key
 * is allowed from those origins only: CORS_ORIGINS and the page's own origin do not count for it,
 * and a key sent from any other origin is refused (403) before the route runs. A preflight carries
 * no key, so it passes when some live app lists its origin (`appOriginListed`), and the browser
 * then sends the request, which is judged by its key. Requests without an Origin (servers) pass.
 */
export function corsPolicy(listed: readonly string[], appOriginListed: (origin: string) => Promise<boolean> = async () => false) {
  const allowListed = cors({
    origin: (ctx) => (listed.includes(ctx.get('Origin')) ? ctx.get('Origin') : ''),
    allowMethods: ['GET', 'HEAD', 'POST'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
    exposeHeaders: ['Location', 'Retry-After'],
    maxAge: 600,
  });
  // an app's key works on the organizer routes, which PUT, PATCH and DELETE too
  const allowApps = cors({
    origin: (ctx) => ctx.get('Origin'),
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
    exposeHeaders: ['Location', 'Retry-After'],
    maxAge: 600,
  });
  return async (ctx: AppContext, next: Next) => {
    const origin = ctx.get('Origin');
    const app = ctx.state.app;
    if (app) {
      ctx.vary('Origin');
      if (origin && !app.allowedOrigins.includes(origin)) {
        throw new AppError(403, 'FORBIDDEN', `this API key is not allowed from ${origin}; its app lists ${app.allowedOrigins.join(', ') || 'no origin (servers only)'}`, { origin });
      }
      return origin ? allowApps(ctx, next) : next();
    }
    const preflight = ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method') !== '';
    if (preflight && origin && (await appOriginListed(origin))) {
      ctx.vary('Origin');
      return allowApps(ctx, next);
    }
    if (preflight && !originAllowed(origin, ctx.host, listed)) {
      ctx.vary('Origin');
      throw new AppError(403, 'FORBIDDEN', `cross-origin requests from ${origin} are not allowed`, { origin });
    }
    return allowListed(ctx, next);
  };
}
