/**
 * One webhook delivery: one event of a tenant to one of its endpoints.
 *
 *   PENDING ──attempt (2xx)──► SUCCEEDED
 *      │  └─attempt fails──► wait (backoff, doubling) ──► attempt ...
 *      └─ attempts run out ──► FAILED          endpoint deleted ──► GONE
 *
 * The dispatcher (src/webhooks/dispatcher.ts) starts it for each delivery row that the database's
 * triggers wrote with the event. Each attempt is the activity `deliverWebhook`, which signs, sends and
 * logs the attempt in PostgreSQL (the organizer's delivery log); a failed attempt fails the activity
 * and Temporal retries it with exponential backoff (the retry policy comes in the input, so a change
 * of configuration applies to new deliveries and never changes a running one's history).
 */
import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { type WebhookDeliveryInput, type WebhookDeliveryResult, WebhookDeliveryFailures } from './webhook-delivery-messages.ts';

const bookkeeping = proxyActivities<Activities>({ startToCloseTimeout: '15s', retry: { initialInterval: '200ms', maximumInterval: '10s', maximumAttempts: 100 } });

const positive = (value: unknown, max: number) => typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;

function validInput(input: WebhookDeliveryInput | undefined): input is WebhookDeliveryInput {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(String(input?.deliveryId))
    && positive(input?.timeoutMs, 60_000) && positive(input?.retry?.initialIntervalMs, 86_400_000)
    && positive(input?.retry?.maximumIntervalMs, 86_400_000) && positive(input?.retry?.maximumAttempts, 100);
}

export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  if (!validInput(input)) {
    throw ApplicationFailure.create({ type: WebhookDeliveryFailures.InvalidRequest, nonRetryable: true, message: 'the input is not a webhook delivery: it needs deliveryId (uuid), timeoutMs and retry {initialIntervalMs, maximumIntervalMs, maximumAttempts}' });
  }
  const { deliveryId, retry } = input;
  const attempts = proxyActivities<Activities>({
    startToCloseTimeout: input.timeoutMs + 15_000,
    retry: { initialInterval: retry.initialIntervalMs, backoffCoefficient: 2, maximumInterval: retry.maximumIntervalMs, maximumAttempts: retry.maximumAttempts },
  });
  try {
    const { outcome } = await attempts.deliverWebhook({ deliveryId });
    return { deliveryId, outcome };
  } catch (error) {
    if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
    const reason = error.cause?.message ?? error.message;
    await bookkeeping.failWebhookDelivery({ deliveryId, error: `gave up after ${retry.maximumAttempts} attempts; the last: ${reason}` });
    return { deliveryId, outcome: 'FAILED' };
  }
}
