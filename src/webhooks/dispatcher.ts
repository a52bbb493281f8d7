import { setTimeout as delay } from 'node:timers/promises';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { DatabasePool } from 'slonik';
import { leaseDueDeliveries, markDeliveriesStarted, retryDeliveryStartIn } from '../db/webhooks.ts';
import type { Logger } from '../logger.ts';
import { type WebhookDeliveryInput, webhookDeliveryWorkflowId } from '../../workflows/webhook-delivery-messages.ts';

export interface WebhookDispatchSettings {
  taskQueue: string;
  timeoutMs: number;
  retry: WebhookDeliveryInput['retry'];
}

/**
 * The webhook dispatcher (worker role): turns the delivery rows that the database's triggers write
 * with each event (migrations/1733910000000_webhooks.sql) into delivery workflows, one per
 * delivery, id `webhook-delivery-<delivery id>`. Like the reservation starters it leases rows
 * (`FOR UPDATE SKIP LOCKED`, so every worker process may run one) and marks them once their
 * workflow runs; a start that fails is tried again after a backoff, a dispatcher that dies lets its
 * lease lapse. Nothing of this is on the checkout's path: the event row is all the booking writes.
 */
export function startWebhookDispatcher(options: { pool: DatabasePool; temporal: Client; log: Logger; pollMs: number; settings: WebhookDispatchSettings; batch?: number }) {
  const { pool, temporal, pollMs, settings } = options;
  const log = options.log.child({ component: 'webhook-dispatcher' });
  const stopping = new AbortController();

  async function start(deliveryId: string): Promise<boolean> {
    const input: WebhookDeliveryInput = { deliveryId, timeoutMs: settings.timeoutMs, retry: settings.retry };
    try {
      await temporal.workflow.start('webhookDeliveryWorkflow', {
        taskQueue: settings.taskQueue, workflowId: webhookDeliveryWorkflowId(deliveryId), args: [input],
      });
      return true;
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return true;
      log.warn({ err: error, deliveryId }, 'could not start a webhook delivery workflow; retrying in 5 s');
      await retryDeliveryStartIn(pool, deliveryId, 5).catch(() => undefined); // else the lease lapses
      return false;
    }
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const due = await leaseDueDeliveries(pool, options.batch ?? 50);
        const started = await Promise.all(due.map(async (id) => ((await start(id)) ? id : undefined)));
        await markDeliveriesStarted(pool, started.filter((id): id is string => id !== undefined));
        if (due.length === (options.batch ?? 50)) continue;
      } catch (error) {
        log.error({ err: error }, 'webhook dispatch round failed; retrying');
      }
      await delay(pollMs, undefined, { signal: stopping.signal }).catch(() => {});
    }
  })();
  log.info({ pollMs }, 'webhook dispatcher running');
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
