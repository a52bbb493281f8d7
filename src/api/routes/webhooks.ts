import Router from '@koa/router';
import type { DatabasePool } from 'slonik';
import Stripe from 'stripe';
import { z } from 'zod';
import {
  MAX_WEBHOOK_ENDPOINTS, NewWebhookEndpoint, WebhookDeliveryQuery, WebhookEndpointEdit, WebhookEndpointParams,
} from '../../contract/webhooks.ts';
import {
  createWebhookEndpoint, deleteWebhookEndpoint, listWebhookDeliveries, listWebhookEndpoints, recordPaymentWebhookEvent, setWebhookEndpointEnabled,
} from '../../db/webhooks.ts';
import { AppError, notFound } from '../../errors.ts';
import { webhookSecrets } from '../../webhooks/secrets.ts';
import { endpointUrlProblem } from '../../webhooks/url-policy.ts';
import { type AppContext, type AppState, parse, requireRole } from '../middleware.ts';

/**
 * Organizers' webhook endpoints (/api/organizer/webhooks): register one (its signing secret is in
 * that answer only), list them, disable or enable one, delete one, and read an endpoint's delivery
 * log. Scoped to the organizer's tenant in SQL (src/db/webhooks.ts): another tenant's endpoint is a 404.
 */
export function organizerWebhookRoutes(deps: { pool: DatabasePool; settings: { secretKey: string | undefined; allowHttpLoopback: boolean } }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizer/webhooks' });
  router.use(requireRole('organizer'));
  const me = (ctx: AppContext) => ctx.state.principal!.customerId;
  const secrets = deps.settings.secretKey ? webhookSecrets(deps.settings.secretKey) : undefined;

  router.get('/', async (ctx) => {
    ctx.body = { items: await listWebhookEndpoints(deps.pool, me(ctx)) };
  });

  router.post('/', async (ctx) => {
    const input = parse(NewWebhookEndpoint, ctx.request.body, 'body');
    const problem = endpointUrlProblem(input.url, deps.settings.allowHttpLoopback);
    if (problem) {
      throw new AppError(400, 'VALIDATION_FAILED', `invalid body: body.url: ${problem}`, { issues: [{ path: 'body.url', message: problem }] });
    }
    if (!secrets) throw new AppError(503, 'SERVICE_UNAVAILABLE', 'webhooks are not configured on this server (WEBHOOK_SECRET_KEY is not set)');
    const secret = secrets.generate();
    const created = await createWebhookEndpoint(deps.pool, me(ctx), `organizer:${ctx.state.principal!.email}`, input, (id) => secrets.seal(secret, id));
    if (created.outcome === 'NO_TENANT') throw new AppError(403, 'FORBIDDEN', 'this account is no organizer of a tenant (any more)');
    if (created.outcome === 'TOO_MANY') {
      throw new AppError(409, 'INVALID_STATE', `a tenant has at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints: delete one first`, { max: MAX_WEBHOOK_ENDPOINTS });
    }
    ctx.status = 201;
    ctx.set('Location', `/api/organizer/webhooks/${created.endpoint.id}`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { endpoint: created.endpoint, secret };
  });

  router.patch('/:endpointId', async (ctx) => {
    const { endpointId } = parse(WebhookEndpointParams, ctx.params, 'params');
    const { enabled } = parse(WebhookEndpointEdit, ctx.request.body, 'body');
    const endpoint = await setWebhookEndpointEnabled(deps.pool, me(ctx), endpointId, enabled);
    if (!endpoint) throw notFound('Endpoint', endpointId);
    ctx.body = { endpoint };
  });

  router.delete('/:endpointId', async (ctx) => {
    const { endpointId } = parse(WebhookEndpointParams, ctx.params, 'params');
    if (!(await deleteWebhookEndpoint(deps.pool, me(ctx), endpointId))) throw notFound('Endpoint', endpointId);
    ctx.status = 204;
  });

  router.get('/:endpointId/deliveries', async (ctx) => {
    const { endpointId } = parse(WebhookEndpointParams, ctx.params, 'params');
    const { limit } = parse(WebhookDeliveryQuery, ctx.query, 'query');
    const items = await listWebhookDeliveries(deps.pool, me(ctx), endpointId, limit);
    if (!items) throw notFound('Endpoint', endpointId);
    ctx.body = { items };
  });
  return router;
}

export const StripeSignatureHeader = z.object({
  'stripe-signature': z.string().min(1).max(4000).meta({ description: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">' }),
});

/**
 * The payment provider's webhooks: POST /api/payments/stripe/webhook. Verified with the Stripe SDK
 * (`webhooks.constructEvent`: HMAC-SHA256 over "<timestamp>.<raw body>" under STRIPE_WEBHOOK_SECRET,
 * compared in constant time) within STRIPE_WEBHOOK_TOLERANCE_SECONDS of now (in both directions: the
 * SDK refuses old timestamps, this route also refuses ones from the future), and the event's id is
 * recorded, so the same event a second time is refused (409 WEBHOOK_REPLAYED), even with a signature
 * that is valid and fresh. The engine settles payments from Stripe's records by idempotency key
 * (src/payments/stripe.ts), so an accepted event is recorded and acknowledged, and changes nothing else.
 */
export function paymentWebhookRoutes(deps: { pool: DatabasePool; secret: string | undefined; toleranceSeconds: number }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api/payments' });
  router.post('/stripe/webhook', async (ctx) => {
    if (!deps.secret) throw new AppError(503, 'SERVICE_UNAVAILABLE', 'Stripe webhooks are not configured on this server (STRIPE_WEBHOOK_SECRET is not set)');
    const refuse = (reason: string, message: string) => new AppError(400, 'WEBHOOK_SIGNATURE_INVALID', message, { reason });
    const header = ctx.get('stripe-signature');
    if (!header) throw refuse('MISSING', 'the Stripe-Signature header is missing');
    const raw = (ctx.request as { rawBody?: unknown }).rawBody;
    if (typeof raw !== 'string' || raw.length === 0) {
      // nothing was read as JSON (another media type, or no body): the signature covers the JSON body
      parse(z.object({}).passthrough(), ctx.request.body, 'body');
      throw refuse('MISMATCH', 'the body is empty: nothing was signed');
    }
    const timestamp = Number(/(?:^|,)\s*t=(\d{1,12})(?:,|$)/.exec(header)?.[1]);
    if (Number.isFinite(timestamp) && timestamp - Date.now() / 1000 > deps.toleranceSeconds) {
      throw refuse('TIMESTAMP_OUTSIDE_TOLERANCE', `the signature's timestamp is more than ${deps.toleranceSeconds} s in the future`);
    }
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(raw, header, deps.secret, deps.toleranceSeconds);
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) throw error;
      const stale = /tolerance/i.test(error.message);
      throw refuse(stale ? 'TIMESTAMP_OUTSIDE_TOLERANCE' : 'MISMATCH', stale
        ? `the signature's timestamp is more than ${deps.toleranceSeconds} s old`
        : 'the Stripe-Signature header does not match the body under this endpoint\'s secret');
    }
    const verified = z.object({ id: z.string().min(1).max(255), type: z.string().min(1).max(255), created: z.number().int() }).safeParse(event);
    if (!verified.success) throw new AppError(400, 'VALIDATION_FAILED', 'the signed body is not a Stripe event (id, type, created)');
    const { id, type, created } = verified.data;
    const first = await recordPaymentWebhookEvent(deps.pool, { provider: 'stripe', id, type, createdAt: new Date(created * 1000) });
    if (!first) throw new AppError(409, 'WEBHOOK_REPLAYED', `event ${id} was received before: a replay is refused`, { eventId: id });
    ctx.state.log.info({ stripeEventId: id, type }, 'Stripe webhook event accepted');
    ctx.body = { received: true, eventId: id, type };
  });
  return router;
}
