/**
 * The webhook delivery workflow's id and shapes, shared by the workflow (webhook-delivery.ts), its
 * activities (activities/webhooks.ts) and the dispatcher (src/webhooks/dispatcher.ts). One workflow
 * per delivery (one event to one endpoint), its id built from the delivery:
 *   temporal workflow describe --workflow-id webhook-delivery-<delivery id>
 */
export const webhookDeliveryWorkflowId = (deliveryId: string) => `webhook-delivery-${deliveryId}`;

export interface WebhookDeliveryInput {
  deliveryId: string;
  /** How long one attempt may take (the HTTP timeout; the activity gets a margin on top). */
  timeoutMs: number;
  /** Exponential backoff (doubling) between attempts, as configured when the delivery started. */
  retry: { initialIntervalMs: number; maximumIntervalMs: number; maximumAttempts: number };
}

/** SUCCEEDED (a 2xx), FAILED (attempts ran out, the endpoint disabled), GONE (the endpoint was deleted). */
export type WebhookDeliveryOutcome = 'SUCCEEDED' | 'FAILED' | 'GONE';

export interface WebhookDeliveryResult {
  deliveryId: string;
  outcome: WebhookDeliveryOutcome;
}

export const WebhookDeliveryFailures = {
  /** The input is not a delivery (e.g. started by hand from the CLI). */
  InvalidRequest: 'InvalidRequest',
  /** One attempt failed (no answer, or not a 2xx): retried with backoff. */
  AttemptFailed: 'WebhookAttemptFailed',
  /** WEBHOOK_SECRET_KEY is not set: retried until it is. */
  NotConfigured: 'WebhookNotConfigured',
} as const;
