import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { DatabasePool } from 'slonik';
import type { Config } from '../config.ts';
import { completeWakeup, leaseWakeups, postponeWakeup, wakeWaitlistsOf } from '../db/waitlist.ts';
import type { Logger } from '../logger.ts';
import type { SeatsChangedMessage } from '../realtime/relay.ts';
import type { waitlistWorkflow } from '../../workflows/waitlist.ts';
import { waitlistWorkflowId, wakeSignal } from '../../workflows/waitlist-messages.ts';
import { EventIdKey } from '../../workflows/search-attributes.ts';

/**
 * How released seats reach a section's waitlist, without touching the hold's hot path:
 * 1. the outbox relay, after it published a batch of seat changes, hands them to
 *    `wakeWaitlistsForReleases`: sections where seats became AVAILABLE and someone is waiting get a
 *    row in `waitlist_wakeups` (a join or a leave writes one too, in its own transaction). The
 *    relay marks its batch published only after this, so no release is missed (at least once);
 * 2. the waker (worker role, one per worker process; they share rows with SKIP LOCKED) signals
 *    each such section's waitlist workflow, starting it if it is not running (Signal-with-Start),
 *    and deletes the row, unless it was requested again meanwhile.
 */
export async function wakeWaitlistsForReleases(pool: DatabasePool, messages: readonly SeatsChangedMessage[]): Promise<void> {
  const sections = new Set(messages.flatMap((m) => m.seats.filter((s) => s.state === 'AVAILABLE').map((s) => s.sectionId)));
  if (sections.size > 0) await wakeWaitlistsOf(pool, [...sections]);
}

const LEASE_SECONDS = 30;
const BATCH = 50;

export function startWaitlistWaker(options: {
  pool: DatabasePool; temporal: Client; log: Logger; pollMs: number;
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'WAITLIST_OFFER_SECONDS' | 'PASSIVE_EXPIRY_GRACE_SECONDS'>;
}) {
  const { pool, temporal, config, pollMs } = options;
  const log = options.log.child({ component: 'waitlist-waker' });
  const stopping = new AbortController();

  async function wake(wakeup: Awaited<ReturnType<typeof leaseWakeups>>[number]): Promise<void> {
    try {
      await temporal.workflow.signalWithStart<typeof waitlistWorkflow, []>('waitlistWorkflow', {
        workflowId: waitlistWorkflowId(wakeup.eventId, wakeup.sectionId),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [{ eventId: wakeup.eventId, sectionId: wakeup.sectionId, offerSeconds: config.WAITLIST_OFFER_SECONDS, passiveGraceSeconds: config.PASSIVE_EXPIRY_GRACE_SECONDS }],
        signal: wakeSignal,
        signalArgs: [],
        typedSearchAttributes: [{ key: EventIdKey, value: wakeup.eventId }],
      });
      await completeWakeup(pool, wakeup);
    } catch (error) {
      log.warn({ err: error, sectionId: wakeup.sectionId, attempts: wakeup.attempts }, 'could not wake a waitlist workflow; trying again later');
      await postponeWakeup(pool, wakeup, Math.min(2 ** wakeup.attempts, 60)).catch(() => undefined);
    }
  }

  async function loop(): Promise<void> {
    while (!stopping.signal.aborted) {
      let leased = 0;
      try {
        const due = await leaseWakeups(pool, BATCH, LEASE_SECONDS);
        leased = due.length;
        await Promise.all(due.map(wake));
      } catch (error) {
        log.error({ err: error }, 'waitlist waker round failed; retrying');
      }
      if (leased < BATCH) await delay(pollMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  }
  const running = loop();
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
