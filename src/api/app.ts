import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Koa from 'koa';
import helmet from 'koa-helmet';
import serve from 'koa-static';
import type { DatabasePool } from 'slonik';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { httpMetrics, metricsRoute, registerDatabaseGauges } from '../metrics.ts';
import type { ReservationService } from '../reservations/service.ts';
import { AppError } from '../errors.ts';
import { jsonBody } from './body.ts';
import { corsPolicy } from './cors.ts';
import { type AppContext, type AppState, authenticate, authenticateApp, errors } from './middleware.ts';
import { anyAppAllowsOrigin } from '../db/apps.ts';
import { appRoutes } from './routes/apps.ts';
import type { RateLimits } from './rate-limits.ts';
import { adminRoutes } from './routes/admin.ts';
import { authRoutes } from './routes/auth.ts';
import { organizerRoutes, organizerStatsRoutes } from './routes/organizer.ts';
import { eventRoutes } from './routes/events.ts';
import { reservationRoutes } from './routes/reservations.ts';
import { supportRoutes } from './routes/support.ts';
import { ticketRoutes } from './routes/tickets.ts';
import { bookingRoutes } from './routes/bookings.ts';
import type { BookingService } from '../bookings/service.ts';
import type { EventLifecycleService } from '../events/lifecycle.ts';
import { createTicketService } from '../tickets/service.ts';
import { docsRoutes } from './routes/docs.ts';
import { discountRoutes } from './routes/discounts.ts';
import { healthRoutes } from './routes/health.ts';
import { organizerWebhookRoutes, paymentWebhookRoutes } from './routes/webhooks.ts';
import { waitlistRoutes } from './routes/waitlist.ts';
import { createWaitlistService } from '../waitlist/service.ts';
import { openApiDocument } from './openapi.ts';

export interface ApiDeps {
  config: Config;
  pool: DatabasePool;
  service: ReservationService;
  log: Logger;
  /** Readiness probes of the engine's dependencies, by name. */
  health: Record<string, () => Promise<unknown>>;
  /** Redis-backed rate limits (see rate-limits.ts); none when absent. */
  limits?: RateLimits;
  /** Cancellation and refund of bookings; without it those routes answer 503. */
  bookings?: BookingService;
  /** Event workflows (publish, reschedule, cancel with refunds); without it publishing starts none and cancelling answers 503. */
  lifecycle?: EventLifecycleService;
}

/** The HTTP API under /api, and the built web client for every other GET. */
export function createApi({ config, pool, service, log, health, limits, bookings, lifecycle }: ApiDeps): Koa<AppState, AppContext> {
  const app = new Koa<AppState, AppContext>();
  // X-Forwarded-For is trusted for exactly TRUST_PROXY_HOPS proxies (the last entries, which
  // those proxies appended); with 0 the client address is the socket's. Rate limits key on it.
  app.proxy = config.TRUST_PROXY_HOPS > 0;
  app.maxIpsCount = config.TRUST_PROXY_HOPS;
  app.silent = true; // errors are logged by the error middleware
  app.use(httpMetrics());
  app.use(errors(log));
  // security headers for the API and the web client (helmet's defaults: a same-origin content
  // security policy, no sniffing, no framing by others); plain-HTTP local use keeps http
  const production = config.NODE_ENV === 'production';
  app.use(helmet({
    // images: the app's own, data: (helmet's default) and events' images, which are https:// URLs only (src/contract/catalog.ts ImageUrl)
    contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:', 'https:'], 'upgrade-insecure-requests': production ? [] : null } },
    strictTransportSecurity: production,
  }));
  // a tenant app's key is known before CORS, which allows it from that app's origins only
  app.use(authenticateApp(pool));
  app.use(corsPolicy(config.CORS_ORIGINS, (origin) => anyAppAllowsOrigin(pool, origin)));
  app.use(jsonBody({ limit: '64kb' }));
  app.use(authenticate(config.JWT_SECRET));
  if (config.METRICS_PORT === undefined) {
    // Prometheus scrapes this port unless metrics have a port of their own
    registerDatabaseGauges(pool);
    app.use(metricsRoute());
  }

  const temporalUi = { url: config.temporalUiUrl, namespace: config.TEMPORAL_NAMESPACE };
  for (const router of [
    authRoutes({ pool, jwtSecret: config.JWT_SECRET, accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS, refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS, limits }),
    eventRoutes({ pool }),
    adminRoutes({ pool }),
    organizerRoutes({ pool, lifecycle, temporalUi }),
    organizerStatsRoutes({ pool }),
    appRoutes({ pool }),
    organizerWebhookRoutes({ pool, settings: config.webhooks }),
    paymentWebhookRoutes({ pool, secret: config.STRIPE_WEBHOOK_SECRET, toleranceSeconds: config.STRIPE_WEBHOOK_TOLERANCE_SECONDS }),
    reservationRoutes({ service, config, limits }),
    discountRoutes({ pool }),
    supportRoutes({ service, pool, temporalUi }),
    ticketRoutes({ tickets: createTicketService({ pool, signingSecret: config.TICKET_SIGNING_SECRET }) }),
    bookingRoutes({ bookings }),
    waitlistRoutes({ waitlist: createWaitlistService({ pool, reservations: service, config, log }) }),
    healthRoutes(health),
    docsRoutes({ document: openApiDocument(config) }),
  ]) {
    app.use(router.routes()).use(router.allowedMethods());
  }

  const webRoot = resolve(config.WEB_DIST);
  app.use(serve(webRoot, { index: 'index.html', maxage: 0 }));
  app.use(async (ctx) => {
    // single-page app: unknown non-API paths get index.html, and the client routes them
    if (ctx.path.startsWith('/api') || ctx.body !== undefined) return;
    if (ctx.method === 'OPTIONS') {
      ctx.set('Allow', 'GET, HEAD, OPTIONS');
      ctx.status = 204;
      return;
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD, OPTIONS');
      throw new AppError(405, 'METHOD_NOT_ALLOWED', `${ctx.method} is not allowed on ${ctx.path}; the web client's pages are GET only`, { allow: ['GET', 'HEAD', 'OPTIONS'] });
    }
    const index = join(webRoot, 'index.html');
    ctx.type = 'html';
    ctx.body = existsSync(index) ? readFileSync(index) : '<p>The web client is not built yet: run <code>npm run build:web</code>.</p>';
  });
  return app;
}
