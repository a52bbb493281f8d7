import { z } from 'zod';

/**
 * Webhooks as they cross a boundary, defined once: the organizer's API (src/api/routes/webhooks.ts),
 * PostgreSQL rows (src/db/webhooks.ts), what receivers get (src/webhooks/signing.ts), the delivery
 * workflow (types only) and the web client (web/src/pages/WebhooksPage.tsx, types only).
 *
 * Outbound deliveries follow the Standard Webhooks specification (https://www.standardwebhooks.com):
 * headers `webhook-id` (the event id: the same on every retry, so receivers de-duplicate),
 * `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`
 * (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` under the endpoint's secret, the bytes
 * after `whsec_` base64-decoded). Receivers should refuse timestamps more than 5 minutes away.
 */
export const WEBHOOK_EVENT_TYPES = ['booking.confirmed', 'booking.refunded', 'ticket.transferred'] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

export const WEBHOOK_DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export const WebhookDeliveryStatus = z.enum(WEBHOOK_DELIVERY_STATUSES);
export type WebhookDeliveryStatus = z.infer<typeof WebhookDeliveryStatus>;

/** At most this many endpoints per tenant. */
export const MAX_WEBHOOK_ENDPOINTS = 20;

const noNul = (value: string) => !value.includes('\u0000');

/**
 * An endpoint's URL as given: http(s), no credentials, no fragment, at most 2,000 characters.
 * Whether plain http (loopback only) is allowed is the server's setting (WEBHOOK_ALLOW_HTTP_LOOPBACK),
 * checked by the route with src/webhooks/url-policy.ts.
 */
export const WebhookUrl = z.string().trim().min(10).max(2000).refine(noNul, 'must not contain NUL characters')
  .superRefine((value, ctx) => {
    let url: URL;
    try { url = new URL(value); } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute URL, e.g. https://hooks.example.com/booking-events' });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: 'must be an https:// URL' });
    if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password: the signature authenticates the sender' });
    if (url.hash) ctx.addIssue({ code: 'custom', message: 'must not have a #fragment' });
  });

/** `POST /api/organizer/webhooks` */
export const NewWebhookEndpoint = z.object({
  url: WebhookUrl,
  description: z.string().trim().max(200).refine(noNul, 'must not contain NUL characters').default(''),
  eventTypes: z.array(WebhookEventType).min(1).max(WEBHOOK_EVENT_TYPES.length)
    .transform((types) => [...new Set(types)])
    .default([...WEBHOOK_EVENT_TYPES])
    .meta({ description: 'The event types to deliver; all of them when absent' }),
}).strict();
export type NewWebhookEndpoint = z.infer<typeof NewWebhookEndpoint>;

/** `PATCH /api/organizer/webhooks/:endpointId`: disable (or enable again). */
export const WebhookEndpointEdit = z.object({ enabled: z.boolean() }).strict();
export type WebhookEndpointEdit = z.infer<typeof WebhookEndpointEdit>;

export const WebhookEndpointParams = z.object({ endpointId: z.string().uuid() });

export const WebhookDeliveryQuery = z.object({
  limit: z.string().regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100').transform(Number).pipe(z.number().int().min(1).max(100)).default(50),
});

/** An endpoint as its organizers see it; the secret is never shown again after creation. */
export const WebhookEndpoint = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(WebhookEventType),
  enabled: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

/** What `POST /api/organizer/webhooks` answers: the endpoint and its signing secret, this once. */
export const CreatedWebhookEndpoint = z.object({
  endpoint: WebhookEndpoint,
  secret: z.string().meta({ description: 'whsec_<base64>: the signing secret. Shown only in this answer; keep it in the receiver' }),
});
export type CreatedWebhookEndpoint = z.infer<typeof CreatedWebhookEndpoint>;

/** One try to deliver: when, how long, what the endpoint answered or why it could not be reached. */
export const WebhookDeliveryAttempt = z.object({
  attempt: z.number().int(),
  attemptedAt: z.string(),
  durationMs: z.number().int(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
});
export type WebhookDeliveryAttempt = z.infer<typeof WebhookDeliveryAttempt>;

export const WebhookDelivery = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: WebhookEventType,
  status: WebhookDeliveryStatus,
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  lastError: z.string().nullable(),
  attempts: z.array(WebhookDeliveryAttempt),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookEndpointList = z.object({ items: z.array(WebhookEndpoint) });
export const WebhookDeliveryList = z.object({ items: z.array(WebhookDelivery) });

/** The JSON body a receiver gets. `data` depends on `type` (see the README's Webhooks section). */
export const WebhookPayload = z.object({
  id: z.string().meta({ description: 'The event id, also in the webhook-id header; the same on every retry' }),
  type: WebhookEventType,
  createdAt: z.string(),
  tenantId: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type WebhookPayload = z.infer<typeof WebhookPayload>;

/** What the payment provider's inbound webhook answers once it accepted an event. */
export const PaymentWebhookAccepted = z.object({ received: z.literal(true), eventId: z.string(), type: z.string() });
