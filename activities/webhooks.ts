import { ApplicationFailure } from '@temporalio/activity';
import type { DatabasePool } from 'slonik';
import { deliveryToSend, failDelivery, recordDeliveryAttempt } from '../src/db/webhooks.ts';
import { webhookSecrets } from '../src/webhooks/secrets.ts';
import { sendWebhook } from '../src/webhooks/send.ts';
import { signedHeaders } from '../src/webhooks/signing.ts';
import { type WebhookDeliveryOutcome, WebhookDeliveryFailures } from '../workflows/webhook-delivery-messages.ts';

/** How deliveries are made (config.webhooks, src/config.ts). */
export interface WebhookSettings {
  /** Opens the endpoints' stored secrets; undefined in production until WEBHOOK_SECRET_KEY is set. */
  secretKey: string | undefined;
  allowHttpLoopback: boolean;
  timeoutMs: number;
}

/**
 * The delivery workflow's side effects (workflows/webhook-delivery.ts). `deliverWebhook` is one
 * attempt: it signs the event for this moment, POSTs it, and logs the attempt (and a success) in
 * PostgreSQL; a failed attempt throws, and Temporal retries the activity with exponential backoff.
 */
export function createWebhookActivities({ pool, settings }: { pool: DatabasePool; settings: WebhookSettings | undefined }) {
  const secrets = settings?.secretKey ? webhookSecrets(settings.secretKey) : undefined;
  return {
    async deliverWebhook({ deliveryId }: { deliveryId: string }): Promise<{ outcome: WebhookDeliveryOutcome }> {
      const delivery = await deliveryToSend(pool, deliveryId);
      if (!delivery) return { outcome: 'GONE' }; // its endpoint was deleted
      if (delivery.status !== 'PENDING') return { outcome: delivery.status };
      if (!delivery.enabled) {
        await failDelivery(pool, deliveryId, 'the endpoint was disabled before the event could be delivered');
        return { outcome: 'FAILED' };
      }
      if (!settings || !secrets) {
        // retried: it goes through once an operator sets the key
        throw ApplicationFailure.create({ type: WebhookDeliveryFailures.NotConfigured, message: 'WEBHOOK_SECRET_KEY is not set: webhooks cannot be signed' });
      }
      let secret: string;
      try {
        secret = secrets.open(delivery.secretCiphertext, delivery.endpointId);
      } catch {
        await failDelivery(pool, deliveryId, 'the endpoint\'s secret cannot be read with this WEBHOOK_SECRET_KEY: register the endpoint again');
        return { outcome: 'FAILED' };
      }
      const body = JSON.stringify(delivery.event);
      const attemptedAt = new Date();
      const result = await sendWebhook(delivery.url, signedHeaders(secret, delivery.event.id, attemptedAt, body), body, settings);
      const attempt = await recordDeliveryAttempt(pool, deliveryId, { attemptedAt, ...result });
      if (result.error !== null) {
        throw ApplicationFailure.create({ type: WebhookDeliveryFailures.AttemptFailed, message: `attempt ${attempt}: ${result.error}` });
      }
      return { outcome: 'SUCCEEDED' };
    },

    /** The workflow's last word when every attempt failed. */
    async failWebhookDelivery({ deliveryId, error }: { deliveryId: string; error: string }): Promise<void> {
      await failDelivery(pool, deliveryId, error);
    },
  };
}
