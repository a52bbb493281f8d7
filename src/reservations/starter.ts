import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { sql } from '../db/sql.ts';
import type { Logger } from '../logger.ts';
import { workflowStartsTotal } from '../metrics.ts';
import { type ReservationRecord, reservationStart, type StartConfig } from './workflow-start.ts';
import { ReservationStatus } from '../contract/reservations.ts';

/**
 * The starters: they turn the start requests that holds write (table workflow_starts) into
 * reservation workflows, after the customer has had the answer. Every worker process runs
 * one; they share the requests by leasing rows (`FOR UPDATE SKIP LOCKED`), keep up to
 * `inFlight` starts going at once, and delete each request once its workflow runs. A start
 * that fails is tried again after a backoff; a starter that dies lets its leases lapse.
 * Until the workflow runs, the hold is safe anyway: checkout, extend and cancel start it
 * themselves (Update/Signal-with-Start) and its seats carry their own deadline.
 * Answers first: new requests wait while a sale is in progress (`saleDeferMs`,
 * src/reservations/sale-signal.ts) or while the machine is busy (`deferMs`).
 */

const LEASE_SECONDS = 30;
/**
 * When the starters yield to the answers (see `deferMs`): this process's event loop (the API in
 * the same process) or the machine's CPUs (the API in another process on the same machine) busier than this.
 */
const BUSY = { eventLoop: 0.75, machine: 0.9 };

/**
 * Whether the starters should yield: this process's event loop (the API in the same process) or
 * the machine's CPUs (the API in another process on the same machine) busier than BUSY, sampled
 * at most every 250 ms.
 */
function loadProbe(): () => boolean {
  const busyMachine = machineBusy();
  let utilization = performance.eventLoopUtilization();
  let busy = false;
  let sampledAt = 0;
  return () => {
    if (Date.now() - sampledAt >= 250) {
      const now = performance.eventLoopUtilization();
      busy = performance.eventLoopUtilization(now, utilization).utilization > BUSY.eventLoop || busyMachine() > BUSY.machine;
      utilization = now;
      sampledAt = Date.now();
    }
    return busy;
  };
}

/** The machine's CPU use since the previous call (0..1), from the kernel's counters. */
function machineBusy(): () => number {
  const totals = () => cpus().reduce((sum, cpu) => {
    const all = Object.values(cpu.times).reduce((a, b) => a + b, 0);
    return { all: sum.all + all, idle: sum.idle + cpu.times.idle };
  }, { all: 0, idle: 0 });
  let last = totals();
  return () => {
    const now = totals();
    const all = now.all - last.all;
    const busy = all > 0 ? 1 - (now.idle - last.idle) / all : 0;
    last = now;
    return busy;
  };
}

const dueStart = z.object({
  id: z.string(), eventId: z.string(), customerId: z.string(), seatCount: z.number(), amountCents: z.number(),
  holdExpiresAt: z.string(), status: ReservationStatus, attempts: z.number(),
});

async function leaseStartRequests(pool: DatabasePool, limit: number, minAgeMs: number) {
  return pool.any(sql.type(dueStart)`
    UPDATE workflow_starts ws
    SET next_attempt_at = now() + make_interval(secs => ${LEASE_SECONDS}), attempts = ws.attempts + 1
    FROM reservations r
    WHERE r.id = ws.reservation_id AND ws.reservation_id IN (
      SELECT reservation_id FROM workflow_starts
      WHERE next_attempt_at <= now() AND requested_at <= now() - make_interval(secs => ${minAgeMs / 1000})
      ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING r.id, r.event_id AS "eventId", r.customer_id AS "customerId", r.seat_count AS "seatCount",
              r.amount_cents AS "amountCents", iso_utc(r.hold_expires_at) AS "holdExpiresAt", r.status, ws.attempts
  `);
}

export function startWorkflowStarter(options: {
  pool: DatabasePool; temporal: Client; config: StartConfig; log: Logger; inFlight: number; pollMs: number;
  /** Eager start: the server hands the first workflow task straight back to this process's worker (needs the worker's NativeConnection). */
  eager?: boolean;
  /**
   * Answers first: while the machine's CPUs are busier than BUSY (a burst of holds answered on
   * the same machine), a new request waits up to this long, so the starts do not take the CPU
   * the answers need; older requests are started at once. 0: never wait.
   */
  deferMs?: number;
  /**
   * Answers first, whatever the topology: while a sale is in progress (`saleInProgress`: the API
   * processes answering holds fast, src/reservations/sale-signal.ts), a new request waits up to
   * this long, so the winners' starts come once the sale's answers are out. 0: never wait.
   */
  saleDeferMs?: number;
  /** Whether a sale is in progress now (default: never). */
  saleInProgress?: () => boolean;
  /**
   * Visible first, run next: while the machine is busy, or in a burst of holds (`burstSize`), a
   * workflow is started with its first workflow task this much later (Temporal's start delay).
   * The start is then one write on the server instead of a start, a task and its completion, so
   * every hold is listed in the Temporal UI (Running, ReservationState=HELD) sooner, and its
   * timer is set once the burst has passed (a hold checked out before then has it run with its
   * checkout: one task instead of two).
   * A checkout or extension (an Update), a cancel (Signal-with-Start), "Request Cancellation"
   * and the Temporal UI's Update-with-Start run the task at once; a plain signal (`temporal
   * workflow signal`) waits for it. Never past the hold's own deadline (less a second). 0: never delay.
   */
  firstTaskDelayMs?: number;
  /**
   * A burst: when a round's new starts and those still in flight are at least this many (a flash
   * sale's winners; at the default poll of 50 ms, 8 new ones a round is 160 holds a second), the
   * round's workflows get their first task delayed as `firstTaskDelayMs` says, however idle the
   * CPUs. 0: only while busy.
   */
  burstSize?: number;
  /** Whether the machine is busy now (default: the event loop and the CPUs, see BUSY). */
  isBusy?: () => boolean;
}) {
  const { pool, temporal, config, inFlight, pollMs } = options;
  const log = options.log.child({ component: 'workflow-starter' });
  const stopping = new AbortController();
  let running = 0;
  let started: string[] = [];
  let wake: (() => void) | undefined;

  /** How long this start's first workflow task waits: only in a round that delays (busy, or a burst), and never up to the hold's deadline. */
  function firstTaskDelay(request: ReservationRecord, delaying: boolean): number {
    if (!delaying || !options.firstTaskDelayMs || request.status !== 'HELD') return 0;
    const beforeDeadline = Date.parse(request.holdExpiresAt) - Date.now() - 1000;
    return beforeDeadline >= options.firstTaskDelayMs ? options.firstTaskDelayMs : 0;
  }

  async function start(request: ReservationRecord & { attempts: number }, delaying: boolean): Promise<void> {
    try {
      const delayMs = firstTaskDelay(request, delaying);
      // eager start hands the first task straight back, so it cannot wait
      await temporal.workflow.start('reservationWorkflow', {
        ...reservationStart(request, config), requestEagerStart: delayMs === 0 && (options.eager ?? false), ...(delayMs > 0 ? { startDelay: delayMs } : {}),
      });
      workflowStartsTotal.inc({ outcome: delayMs > 0 ? 'started_delayed' : 'started' });
      started.push(request.id);
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        // its run already ended normally (a checkout or cancel started it and it finished)
        workflowStartsTotal.inc({ outcome: 'already_ended' });
        started.push(request.id);
        return;
      }
      workflowStartsTotal.inc({ outcome: 'failed' });
      const backoffSeconds = Math.min(2 ** Math.min(request.attempts, 5), LEASE_SECONDS);
      log.warn({ err: error, reservationId: request.id, attempts: request.attempts }, `could not start a reservation workflow; retrying in ${backoffSeconds} s`);
      await pool.query(sql.typeAlias('void')`
        UPDATE workflow_starts SET next_attempt_at = now() + make_interval(secs => ${backoffSeconds}) WHERE reservation_id = ${request.id}
      `).catch(() => undefined); // the lease lapses on its own
    }
  }

  /** Deletes the requests whose workflows now run, in one statement per round. */
  async function forgetStarted(): Promise<void> {
    if (started.length === 0) return;
    const ids = started;
    started = [];
    await pool.query(sql.typeAlias('void')`DELETE FROM workflow_starts WHERE reservation_id = ANY(${sql.array(ids, 'uuid')})`);
  }

  const isBusy = options.isBusy ?? loadProbe();
  const saleInProgress = options.saleInProgress ?? (() => false);
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await forgetStarted();
        const busy = isBusy();
        const room = inFlight - running;
        // answers first: new requests wait while a sale is in progress, or while the machine is busy
        const minAgeMs = Math.max(saleInProgress() ? options.saleDeferMs ?? 0 : 0, busy ? options.deferMs ?? 0 : 0);
        const due = room > 0 ? await leaseStartRequests(pool, room, minAgeMs) : [];
        // a burst: this many starts at once, the ones still in flight and the ones just leased
        const burst = (options.burstSize ?? 0) > 0 && due.length > 0 && running + due.length >= options.burstSize!;
        for (const request of due) {
          running++;
          void start(request, busy || burst).finally(() => {
            running--;
            wake?.();
          });
        }
        // until a start finishes (a slot frees up) or the next poll
        await Promise.race([delay(pollMs, undefined, { signal: stopping.signal }), new Promise<void>((resolve) => (wake = resolve))]).catch(() => {});
      } catch (error) {
        log.error({ err: error }, 'workflow starter round failed; retrying');
        await delay(1000, undefined, { signal: stopping.signal }).catch(() => {});
      }
    }
  })();
  log.info({ inFlight, pollMs }, 'workflow starter running');

  return {
    async stop() {
      stopping.abort();
      wake?.();
      await loop;
      while (running > 0) await delay(20);
      await forgetStarted().catch((error) => log.warn({ err: error }, 'could not clear started requests; they will be started again (harmlessly)'));
    },
  };
}
