/**
 * The life of one published event, on timers:
 *
 *   UPCOMING ──sales open──► ON_SALE ⇄ SOLD_OUT ──sales close──► CLOSED ──the event starts──► COMPLETED
 *   (CANCELLED by its organizer at any point before COMPLETED: src/events/lifecycle.ts)
 *
 * The event's row in PostgreSQL is the truth (claim_hold sells only ON_SALE): this workflow decides
 * *when* the status moves, and its one activity, syncEventStatus (src/db/lifecycle.ts), moves it with
 * a compare-and-set and answers the row, whose status and schedule the workflow adopts. So a missed
 * message, a crash or an edit made while the worker was down never leaves the two apart for longer
 * than the next wake-up. SOLD_OUT follows the inventory: while on sale, the workflow wakes every
 * `inventoryCheckSeconds` and the activity asks PostgreSQL whether any seat is unsold (one indexed
 * EXISTS, no lock, nothing on the hold path).
 *
 * Messages: `reschedule` (Update, validated: a malformed or disordered schedule is rejected before
 * it enters the history), `refresh` (Signal, empty: read the row again), `lifecycle` (Query). The
 * status is the search attribute `EventLifecycle` (with `BookingEventId`): in the Temporal UI,
 * `EventLifecycle="SOLD_OUT"`. Ends when the event is COMPLETED, CANCELLED, back to DRAFT or deleted.
 */
import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, proxyLocalActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import {
  type EventLifecycleInput, type EventLifecycleView, type EventPhase, type EventSchedule,
  EventLifecycleFailures, lifecycleQuery, refreshSignal, rescheduleUpdate,
} from './event-lifecycle-messages.ts';
import { EventLifecycleKey } from './search-attributes.ts';

const { syncEventStatus } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s', retry: { initialInterval: '500ms', maximumInterval: '30s' },
});

/** Iterations of one run before it continues as new (a sale of months stays a short history). */
const ITERATIONS_PER_RUN = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The longest a timer may run (about 24 days); farther dates are reached in steps. */
const MAX_SLEEP_MS = 2_000_000_000;

/** What the timers say at `now`. */
export function phaseAt(schedule: EventSchedule, now: number): EventPhase {
  if (now >= Date.parse(schedule.startsAt)) return 'COMPLETED';
  if (schedule.salesEndAt !== null && now >= Date.parse(schedule.salesEndAt)) return 'CLOSED';
  if (schedule.salesStartAt !== null && now < Date.parse(schedule.salesStartAt)) return 'UPCOMING';
  return 'ON_SALE';
}

/** The next instant at which the phase changes. */
function nextChange(schedule: EventSchedule, now: number): number {
  const instants = [schedule.salesStartAt, schedule.salesEndAt, schedule.startsAt].filter((v): v is string => v !== null).map(Date.parse);
  return Math.min(...instants.filter((at) => at > now), Number.POSITIVE_INFINITY);
}

/** Why a schedule from outside cannot be taken (an Update from the API, the CLI or the UI); null when it can. */
export function scheduleProblem(schedule: unknown): string | null {
  if (typeof schedule !== 'object' || schedule === null) return 'the schedule must be an object {startsAt, salesStartAt, salesEndAt}';
  const { startsAt, salesStartAt, salesEndAt } = schedule as Record<string, unknown>;
  const isInstant = (v: unknown) => typeof v === 'string' && v.length <= 40 && Number.isFinite(Date.parse(v));
  if (!isInstant(startsAt)) return 'startsAt must be an ISO instant';
  if (salesStartAt !== null && !isInstant(salesStartAt)) return 'salesStartAt must be an ISO instant or null';
  if (salesEndAt !== null && !isInstant(salesEndAt)) return 'salesEndAt must be an ISO instant or null';
  const at = (v: unknown) => (v === null ? null : Date.parse(v as string));
  const [start, end, event] = [at(salesStartAt), at(salesEndAt), at(startsAt)!];
  if (start !== null && end !== null && start >= end) return 'sales must close after they open';
  if (end !== null && end > event) return 'sales must close by the time the event starts';
  if (start !== null && start >= event) return 'sales must open before the event starts';
  return null;
}

export async function eventLifecycleWorkflow(input: EventLifecycleInput): Promise<EventLifecycleView> {
  if (!UUID.test(String(input?.eventId))) {
    throw ApplicationFailure.create({ type: EventLifecycleFailures.InvalidRequest, nonRetryable: true, message: 'the input is not an event: it needs an eventId (uuid)' });
  }
  const { eventId } = input;
  const checkMs = 1000 * (Number.isInteger(input.inventoryCheckSeconds) && input.inventoryCheckSeconds! > 0 ? input.inventoryCheckSeconds! : 30);
  let view: EventLifecycleView = { status: 'UPCOMING', schedule: null, phase: null, syncedAt: null };
  let wake = false;
  let syncs = 0;

  setHandler(lifecycleQuery, () => view);
  setHandler(refreshSignal, () => { wake = true; });
  setHandler(rescheduleUpdate, async (schedule) => {
    view = { ...view, schedule: { startsAt: schedule.startsAt, salesStartAt: schedule.salesStartAt, salesEndAt: schedule.salesEndAt } };
    const before = syncs;
    wake = true;
    await condition(() => syncs > before); // answered with the row after the sync that follows
    return view;
  }, {
    validator: (schedule) => {
      const problem = scheduleProblem(schedule);
      if (problem) throw new Error(problem);
    },
  });

  for (let iteration = 0; ; iteration++) {
    wake = false;
    // the first sync only reads the row (the schedule is not known yet); every later one applies the timers' phase
    const phase = view.schedule ? phaseAt(view.schedule, Date.now()) : null;
    const synced = await syncEventStatus({ eventId, phase, schedule: view.schedule });
    if (synced.status !== view.status || syncs === 0) upsertSearchAttributes([{ key: EventLifecycleKey, value: synced.status }]);
    view = { status: synced.status, schedule: synced.schedule, phase, syncedAt: new Date().toISOString() };
    syncs += 1;
    if (synced.status === 'COMPLETED' || synced.status === 'CANCELLED' || synced.status === 'DRAFT' || synced.status === 'DELETED') break;
    const schedule = synced.schedule!;
    // the row's schedule gives another phase than the one just applied: apply the right one at once
    if (phaseAt(schedule, Date.now()) !== phase) continue;
    if ((iteration >= ITERATIONS_PER_RUN || workflowInfo().continueAsNewSuggested) && allHandlersFinished()) {
      return continueAsNew<typeof eventLifecycleWorkflow>(input);
    }
    const now = Date.now();
    const selling = synced.status === 'ON_SALE' || synced.status === 'SOLD_OUT';
    await condition(() => wake, Math.max(1, Math.min(nextChange(schedule, now) - now, selling ? checkMs : MAX_SLEEP_MS, MAX_SLEEP_MS)));
  }
  await condition(allHandlersFinished);
  return view;
}
