import { setTimeout as delay } from 'node:timers/promises';
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { DatabasePool } from 'slonik';
import { failDelivery, leaseDeliveriesToCheck, leaseDueDeliveries, markDeliveriesStarted, redispatchDelivery, retryDeliveryStartIn } from '../db/webhooks.ts';
import type { Logger } from '../logger.ts';
import { type WebhookDeliveryInput, webhookDeliveryWorkflowId } from '../../workflows/webhook-delivery-messages.ts';

export interface WebhookDispatchSettings {
  taskQueue: string;
  timeoutMs: number;
  retry: WebhookDeliveryInput['retry'];
  /** How long after its start, and then how often, a PENDING delivery's workflow is looked at (WEBHOOK_CHECK_INTERVAL_MS). */
  checkIntervalMs: number;
}

/** The reason a delivery is FAILED with when its workflow closed without recording an outcome, by the workflow's status. */
const CLOSED_WITHOUT_OUTCOME: Record<string, string> = {
  TERMINATED: 'workflow terminated',
  CANCELLED: 'workflow cancelled',
  TIMED_OUT: 'workflow timed out',
  FAILED: 'workflow failed',
  COMPLETED: 'workflow completed without recording an outcome',
  CONTINUED_AS_NEW: 'workflow continued as new',
};

/**
 * The webhook dispatcher (worker role): turns the delivery rows that the database's triggers write
 * with each event (migrations/1733910000000_webhooks.sql) into delivery workflows, one per
 * delivery, id `webhook-delivery-<delivery id>`. Like the reservation starters it leases rows
 * (`FOR UPDATE SKIP LOCKED`, so every worker process may run one) and marks them once their
 * workflow runs; a start that fails is tried again after a backoff, a dispatcher that dies lets its
 * lease lapse. Nothing of this is on the checkout's path: the event row is all the booking writes.
 *
 * It also looks after the workflows it started: a delivery still PENDING whose workflow closed
 * without recording an outcome (terminated or cancelled from the Temporal UI or CLI, timed out) is
 * ended FAILED with the reason ("workflow terminated"), and one whose workflow Temporal does not
 * know is started again. Each started delivery is looked at `checkIntervalMs` after its start and
 * every `checkIntervalMs` after that until it ends (the workflow's own outcome usually comes first).
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

  const checkSeconds = settings.checkIntervalMs / 1000;
  /** Deliveries leased per round: a full batch means more may be waiting, so the next round comes at once. */
  const batch = options.batch ?? 50;

  /** Looks at the workflow of one started, PENDING delivery; ends the delivery when the workflow closed without an outcome. */
  async function check(deliveryId: string): Promise<void> {
    try {
      const { status } = await temporal.workflow.getHandle(webhookDeliveryWorkflowId(deliveryId)).describe();
      if (status.name === 'RUNNING') return;
      const reason = CLOSED_WITHOUT_OUTCOME[status.name] ?? `workflow ${status.name.toLowerCase()}`;
      // the workflow records SUCCEEDED or FAILED before it completes: a delivery that ended is left as it is
      await failDelivery(pool, deliveryId, reason);
      log.warn({ deliveryId, workflowStatus: status.name }, 'a webhook delivery\'s workflow closed without an outcome; the delivery is FAILED');
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      log.warn({ deliveryId }, 'a webhook delivery\'s workflow is unknown to Temporal; starting it again');
      await redispatchDelivery(pool, deliveryId);
    }
  }

  let nextCheck = Date.now() + settings.checkIntervalMs;
  async function checkRound(): Promise<void> {
    if (Date.now() < nextCheck) return;
    nextCheck = Date.now() + settings.checkIntervalMs;
    const due = await leaseDeliveriesToCheck(pool, batch, checkSeconds);
    const results = await Promise.allSettled(due.map(check));
    for (const result of results) if (result.status === 'rejected') log.warn({ err: result.reason }, 'could not look at a webhook delivery\'s workflow; looking again later');
    if (due.length === batch) nextCheck = Date.now();
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const due = await leaseDueDeliveries(pool, batch);
        const started = await Promise.all(due.map(async (id) => ((await start(id)) ? id : undefined)));
        await markDeliveriesStarted(pool, started.filter((id): id is string => id !== undefined), checkSeconds);
        await checkRound();
        if (due.length === batch) continue;
      } catch (error) {
        log.error({ err: error }, 'webhook dispatch round failed; retrying');
      }
      await delay(pollMs, undefined, { signal: stopping.signal }).catch(() => {});
    }
  })();
  log.info({ pollMs, checkIntervalMs: settings.checkIntervalMs }, 'webhook dispatcher running');
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
