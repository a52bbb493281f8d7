/**
 * The invariant checks of the chaos runs (DESIGN.md invariants 1, 3, 4, 5, 6 and 7), read from
 * PostgreSQL, the simulated provider's ledger (payment_charges, payment_refunds) and Temporal.
 * Shared by the crash schedule (crash-schedule.ts) and the lifecycle run (lifecycle.ts): each
 * check returns its figures and the violations it found (none: it passed).
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { reservationWorkflowId } from '../../workflows/messages.ts';
import { ReservationStateKey } from '../../workflows/search-attributes.ts';
import { runPool } from '../lib/run.ts';
import type { SeatWatcher } from './seat-watcher.ts';

export interface Check<F extends object = Record<string, unknown>> {
  name: string;
  figures: F;
  violations: string[];
}

const LIVE = sql.fragment`('HELD', 'PAYING')`;
const count = z.object({ n: z.number() });
const statusRow = z.object({ id: z.string(), status: z.string() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const reservationStatuses = (pool: DatabasePool, eventId: string) =>
  pool.any(sql.type(statusRow)`SELECT id, status FROM reservations WHERE event_id = ${eventId}`);

/**
 * Waits until every reservation of the event is terminal, no workflow start request is pending,
 * and Temporal lists no Running workflow of the event (errors of a server that is coming back
 * count as "not yet"). Returns how it ended.
 */
export async function waitUntilSettled(options: {
  pool: DatabasePool; client: Client; eventId: string; timeoutMs: number; progress?: (line: string) => void;
}): Promise<{ settled: boolean; ms: number; open: number; pendingStarts: number; running: number }> {
  const { pool, client, eventId } = options;
  const started = Date.now();
  let last = { open: -1, pendingStarts: -1, running: -1 };
  let reported = started;
  for (;;) {
    try {
      const open = await pool.oneFirst(sql.type(count)`SELECT count(*)::int AS n FROM reservations WHERE event_id = ${eventId} AND status IN ${LIVE}`);
      const pendingStarts = await pool.oneFirst(sql.type(count)`SELECT count(*)::int AS n FROM workflow_starts`);
      const running = open === 0 && pendingStarts === 0
        ? (await client.workflow.count(`WorkflowType="reservationWorkflow" AND BookingEventId="${eventId}" AND ExecutionStatus="Running"`)).count
        : -1;
      last = { open, pendingStarts, running };
      if (running === 0) return { settled: true, ms: Date.now() - started, ...last };
    } catch {
      // Temporal (or PostgreSQL) not answering right now: not settled yet
    }
    if (Date.now() - started > options.timeoutMs) return { settled: false, ms: Date.now() - started, ...last };
    if (options.progress && Date.now() - reported >= 10_000) {
      reported = Date.now();
      options.progress(`waiting to settle (${Math.round((reported - started) / 1000)} s): ${last.open} open reservations, ${last.pendingStarts} pending workflow starts${last.running >= 0 ? `, ${last.running} running workflows` : ''}`);
    }
    await sleep(1000);
  }
}

/** Invariant 4: charges minus refunds equal the bookings, one charge at most per reservation, no attempt left open, no charge without a booking or a refund. */
export async function checkMoney(pool: DatabasePool): Promise<Check<{ chargedCents: number; refundedCents: number; bookedCents: number; chargedTwice: number; openAttempts: number; chargedWithoutBooking: number }>> {
  const money = await pool.one(sql.type(z.object({ charged: z.number(), refunded: z.number(), booked: z.number(), doubles: z.number(), open: z.number(), unbooked: z.number() }))`
    SELECT (SELECT COALESCE(sum(amount_cents), 0)::int FROM payment_charges WHERE status IN ('SUCCEEDED', 'REFUNDED')) AS charged,
           (SELECT COALESCE(sum(amount_cents), 0)::int FROM payment_refunds) AS refunded,
           (SELECT COALESCE(sum(amount_cents), 0)::int FROM bookings) AS booked,
           (SELECT count(*)::int FROM (SELECT reservation_id FROM payment_charges WHERE status IN ('SUCCEEDED', 'REFUNDED')
                                       GROUP BY reservation_id HAVING count(*) > 1) d) AS doubles,
           (SELECT count(*)::int FROM payment_intents WHERE status IN ('PENDING', 'REFUNDING')) AS open,
           (SELECT count(*)::int FROM payment_charges c WHERE c.status = 'SUCCEEDED'
              AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.reservation_id = c.reservation_id)) AS unbooked`);
  const violations: string[] = [];
  if (money.charged - money.refunded !== money.booked) violations.push(`charges ${money.charged} − refunds ${money.refunded} ≠ bookings ${money.booked} (cents)`);
  if (money.doubles > 0) violations.push(`${money.doubles} reservations were charged more than once`);
  if (money.open > 0) violations.push(`${money.open} payment attempts are still open`);
  if (money.unbooked > 0) violations.push(`${money.unbooked} customers charged without a booking or a refund`);
  return {
    name: 'charges − refunds = bookings, ≤ 1 charge per reservation, no attempt open',
    figures: { chargedCents: money.charged, refundedCents: money.refunded, bookedCents: money.booked, chargedTwice: money.doubles, openAttempts: money.open, chargedWithoutBooking: money.unbooked },
    violations,
  };
}

/**
 * Invariant 1, and the seats agreeing with their reservations: no seat sold to two confirmed
 * reservations, no seat held by two reservations that are both still live (PAYING, or HELD
 * before their deadline plus grace, when their seats can first be claimed by another), every
 * confirmed reservation owning all its seats as SOLD, no HELD seat of an ended reservation, no
 * SOLD seat without its booking, no booking of a reservation that is not CONFIRMED. Safe to run
 * at any moment, under load too.
 */
export async function checkSeats(pool: DatabasePool, eventId: string, graceSeconds: number): Promise<Check<{ soldTwice: number; heldTwice: number; confirmedWithoutSeats: number; disagreeing: number; sold: number; held: number; available: number }>> {
  const seats = await pool.one(sql.type(z.object({ soldTwice: z.number(), heldTwice: z.number(), confirmedWithoutSeats: z.number(), disagreeing: z.number(), sold: z.number(), held: z.number(), available: z.number() }))`
    SELECT
      (SELECT count(*)::int FROM (
         SELECT rs.seat_id FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id
         WHERE r.event_id = ${eventId} AND r.status = 'CONFIRMED' GROUP BY rs.seat_id HAVING count(*) > 1) d) AS "soldTwice",
      (SELECT count(*)::int FROM (
         SELECT rs.seat_id FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id
         WHERE r.event_id = ${eventId}
           AND (r.status = 'PAYING' OR (r.status = 'HELD' AND r.hold_expires_at + make_interval(secs => ${graceSeconds}) > now()))
         GROUP BY rs.seat_id HAVING count(*) > 1) d) AS "heldTwice",
      (SELECT count(*)::int FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id
         LEFT JOIN seats s ON s.id = rs.seat_id AND s.reservation_id = r.id AND s.state = 'SOLD'
         LEFT JOIN booking_seats bs ON bs.seat_id = rs.seat_id
         LEFT JOIN bookings b ON b.id = bs.booking_id AND b.reservation_id = r.id
       WHERE r.event_id = ${eventId} AND r.status = 'CONFIRMED' AND (s.id IS NULL OR b.id IS NULL)) AS "confirmedWithoutSeats",
      (SELECT count(*)::int FROM seats s JOIN reservations r ON r.id = s.reservation_id
         WHERE s.event_id = ${eventId} AND s.state = 'HELD' AND r.status NOT IN ${LIVE})
      + (SELECT count(*)::int FROM seats s WHERE s.event_id = ${eventId} AND s.state = 'SOLD'
           AND NOT EXISTS (SELECT 1 FROM booking_seats bs WHERE bs.seat_id = s.id))
      + (SELECT count(*)::int FROM bookings b JOIN reservations r ON r.id = b.reservation_id
           WHERE b.event_id = ${eventId} AND r.status <> 'CONFIRMED') AS disagreeing,
      (SELECT count(*)::int FROM seats WHERE event_id = ${eventId} AND state = 'SOLD') AS sold,
      (SELECT count(*)::int FROM seats WHERE event_id = ${eventId} AND state = 'HELD') AS held,
      (SELECT count(*)::int FROM seats WHERE event_id = ${eventId} AND state = 'AVAILABLE') AS available`);
  const violations: string[] = [];
  if (seats.soldTwice > 0) violations.push(`${seats.soldTwice} seats sold to two confirmed reservations`);
  if (seats.heldTwice > 0) violations.push(`${seats.heldTwice} seats held by two live reservations`);
  if (seats.confirmedWithoutSeats > 0) violations.push(`${seats.confirmedWithoutSeats} seats of confirmed reservations are not SOLD to them with a booking`);
  if (seats.disagreeing > 0) violations.push(`${seats.disagreeing} seats or bookings disagree with their reservation`);
  return { name: 'no seat sold twice or held by two live reservations; seats agree with reservations', figures: seats, violations };
}

/**
 * Invariant 3: every reservation whose deadline plus grace has passed is terminal. At the end of a
 * run (`toleranceSeconds` 0) that is every reservation. During the load, a hold gets
 * `toleranceSeconds` more for its workflow's timer or the lost-hold sweep to end it, and one with
 * a payment attempt open is left to the reconciler. Figures: the longest a live reservation has
 * been past its deadline now, how late PostgreSQL recorded the expiries, and how many the sweep
 * ended rather than the workflow.
 */
export async function checkTerminal(pool: DatabasePool, eventId: string, graceSeconds: number, toleranceSeconds = 0): Promise<Check<{ reservations: number; overdue: number; longestPastDeadlineS: number; expired: number; expiryLateP50s: number; expiryLateP99s: number; expiryLateMaxS: number; endedBySweeper: number }>> {
  const row = await pool.one(sql.type(z.object({ reservations: z.number(), overdue: z.number(), longest: z.number().nullable(), expired: z.number(), p50: z.number().nullable(), p99: z.number().nullable(), max: z.number().nullable(), swept: z.number() }))`
    SELECT count(*)::int AS reservations,
           (count(*) FILTER (WHERE status IN ${LIVE} AND hold_expires_at + make_interval(secs => ${graceSeconds + toleranceSeconds}) < now()
              AND (${toleranceSeconds} = 0 OR NOT EXISTS (SELECT 1 FROM payment_intents p WHERE p.reservation_id = r.id AND p.status IN ('PENDING', 'REFUNDING')))))::int AS overdue,
           (max(extract(epoch FROM now() - hold_expires_at)) FILTER (WHERE status IN ${LIVE}))::float8 AS longest,
           (count(*) FILTER (WHERE status = 'EXPIRED'))::int AS expired,
           (percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - hold_expires_at)) FILTER (WHERE status = 'EXPIRED'))::float8 AS p50,
           (percentile_disc(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - hold_expires_at)) FILTER (WHERE status = 'EXPIRED'))::float8 AS p99,
           (max(extract(epoch FROM updated_at - hold_expires_at)) FILTER (WHERE status = 'EXPIRED'))::float8 AS max,
           (count(*) FILTER (WHERE cancelled_by = 'sweeper'))::int AS swept
    FROM reservations r WHERE event_id = ${eventId}`);
  const round = (v: number | null) => (v === null ? Number.NaN : Math.round(v * 10) / 10);
  return {
    name: 'every reservation terminal once its deadline plus grace has passed',
    figures: {
      reservations: row.reservations, overdue: row.overdue, longestPastDeadlineS: row.longest === null ? 0 : Math.max(0, round(row.longest)), expired: row.expired,
      expiryLateP50s: round(row.p50), expiryLateP99s: round(row.p99), expiryLateMaxS: round(row.max), endedBySweeper: row.swept,
    },
    violations: row.overdue > 0
      ? [`${row.overdue} reservations are still HELD or PAYING ${toleranceSeconds ? `more than ${toleranceSeconds} s ` : ''}past their deadline plus ${graceSeconds} s${toleranceSeconds ? ' (without a payment attempt open)' : ''}`]
      : [],
  };
}

/**
 * Invariant 7 at the end of a run: every reservation's workflow exists, is closed, and its
 * ReservationState search attribute equals PostgreSQL's status; Temporal lists no Running
 * workflow of the event.
 */
export async function checkWorkflows(pool: DatabasePool, client: Client, eventId: string): Promise<Check<{ workflowsChecked: number; running: number }>> {
  const rows = await reservationStatuses(pool, eventId);
  const violations: string[] = [];
  let checked = 0;
  await runPool(rows.length, 8, async (i) => {
    const row = rows[i];
    try {
      const described = await client.workflow.getHandle(reservationWorkflowId(row.id)).describe();
      const state = described.typedSearchAttributes.get(ReservationStateKey);
      checked++;
      if (described.status.name === 'RUNNING') violations.push(`${row.id}: workflow still running for a ${row.status} reservation`);
      if (state !== row.status) violations.push(`${row.id}: workflow says ${state}, PostgreSQL says ${row.status}`);
    } catch (error) {
      violations.push(`${row.id}: no workflow (${(error as Error).message})`);
    }
  });
  const running = (await client.workflow.count(`WorkflowType="reservationWorkflow" AND BookingEventId="${eventId}" AND ExecutionStatus="Running"`)).count;
  if (running > 0) violations.push(`Temporal lists ${running} Running workflows of the event`);
  return { name: 'each workflow closed, agreeing with PostgreSQL (ReservationState = status)', figures: { workflowsChecked: checked, running }, violations };
}

/**
 * Invariant 7 while a run goes on: a live reservation whose start request has been taken (no
 * row left in workflow_starts) has a Running workflow. A reservation that ended meanwhile is
 * read again and passes. Returns `skipped` instead of violations when Temporal does not answer
 * (it may be restarting). Checks at most `limit` of the live reservations (all when omitted).
 */
export async function checkLiveReservationsHaveWorkflows(pool: DatabasePool, client: Client, eventId: string, limit?: number): Promise<Check<{ live: number; checked: number; skipped: boolean }>> {
  const candidates = await pool.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT r.id FROM reservations r
    WHERE r.event_id = ${eventId} AND r.status IN ${LIVE}
      AND NOT EXISTS (SELECT 1 FROM workflow_starts ws WHERE ws.reservation_id = r.id)
    ORDER BY random()`);
  const live = candidates.slice(0, limit ?? candidates.length);
  const suspects: string[] = [];
  let checked = 0;
  let unreachable = false;
  await runPool(live.length, 8, async (i) => {
    if (unreachable) return;
    try {
      const described = await client.workflow.getHandle(reservationWorkflowId(live[i])).describe();
      checked++;
      if (described.status.name !== 'RUNNING') suspects.push(`${live[i]}: workflow ${described.status.name}`);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        checked++;
        suspects.push(`${live[i]}: no workflow`);
      } else unreachable = true;
    }
  });
  if (unreachable) return { name: 'no live reservation without a Running workflow', figures: { live: candidates.length, checked, skipped: true }, violations: [] };
  const violations: string[] = [];
  for (const suspect of suspects) {
    const id = suspect.slice(0, 36);
    const status = await pool.oneFirst(sql.type(z.object({ status: z.string() }))`SELECT status FROM reservations WHERE id = ${id}`);
    if (status === 'HELD' || status === 'PAYING') violations.push(`${suspect} for a ${status} reservation`);
  }
  return { name: 'no live reservation without a Running workflow', figures: { live: candidates.length, checked, skipped: false }, violations };
}

export interface CustomerAnswer { reservationId: string; status: number; body: any }

/**
 * Every answer a customer got was true: a 200 has a booking, "nothing was charged" was not
 * charged (or was refunded), "refunded" was refunded. Give each reservation's last checkout
 * answer only: a decline followed by a paid checkout is two true answers about two attempts.
 */
export async function checkAnswers(pool: DatabasePool, answers: readonly CustomerAnswer[]): Promise<Check<{ answers: number }>> {
  const violations: string[] = [];
  const ids = [...new Set(answers.map((a) => a.reservationId))];
  const statuses = new Map((await pool.any(sql.type(statusRow)`SELECT id, status FROM reservations WHERE id = ANY(${sql.array(ids, 'uuid')})`)).map((r) => [r.id, r.status]));
  const charges = new Map((await pool.any(sql.type(z.object({ id: z.string(), charged: z.boolean(), refunded: z.boolean() }))`
    SELECT reservation_id AS id, bool_or(status IN ('SUCCEEDED', 'REFUNDED')) AS charged, bool_or(status = 'REFUNDED') AS refunded
    FROM payment_charges WHERE reservation_id = ANY(${sql.array(ids, 'uuid')}) GROUP BY reservation_id`)).map((c) => [c.id, c]));
  for (const answer of answers) {
    const id = answer.reservationId;
    const status = statuses.get(id);
    const money = charges.get(id) ?? { charged: false, refunded: false };
    if (answer.status === 200 && status !== 'CONFIRMED') violations.push(`${id}: answered 200 but ended ${status}`);
    if (answer.status !== 200) {
      const details = answer.body?.error?.details ?? {};
      if (details.charged === false && money.charged && !money.refunded) violations.push(`${id}: told "nothing was charged" but was charged`);
      if (details.refunded === true && !money.refunded) violations.push(`${id}: told "refunded" but no refund was made`);
    }
  }
  return { name: 'every checkout answer a customer got was true', figures: { answers: answers.length }, violations };
}

const outboxSeats = z.object({
  id: z.number(),
  committedAt: z.number(),
  publishedAt: z.number().nullable(),
  seats: z.array(z.object({ id: z.string(), state: z.string(), version: z.number() })),
});

/**
 * Invariant 5, for a Socket.io client watching the event the whole run (seat-watcher.ts).
 * Every outbox `seats.changed` row of the event must have reached it: received as a message
 * (by changeId), or covered by a snapshot the client took when it (re)joined, which already had
 * every seat of the row at that version or newer (a change committed while it was away). And
 * its final view, snapshot plus deltas applied by version, must equal PostgreSQL's seats.
 */
export async function checkSeatStream(pool: DatabasePool, eventId: string, watcher: SeatWatcher): Promise<Check<{ outboxRows: number; received: number; coveredBySnapshot: number; missed: number; missedWhileJoined: number; duplicates: number; snapshots: number; seats: number; finalViewDiffers: number }>> {
  const rows = await pool.any(sql.type(outboxSeats)`
    SELECT id::int, (extract(epoch FROM committed_at) * 1000)::float8 AS "committedAt",
           (extract(epoch FROM published_at) * 1000)::float8 AS "publishedAt", payload->'seats' AS seats
    FROM outbox WHERE topic = 'seats.changed' AND payload->>'eventId' = ${eventId} ORDER BY id`);
  const received = watcher.receivedChangeIds();
  let coveredBySnapshot = 0;
  const missed: Array<{ id: number; publishedAt: number | null }> = [];
  for (const row of rows) {
    if (received.has(row.id)) continue;
    const covered = watcher.snapshots().some((snapshot) => snapshot.at >= row.committedAt
      && row.seats.every((seat) => (snapshot.versions.get(seat.id) ?? -1) >= seat.version));
    if (covered) coveredBySnapshot++;
    else missed.push({ id: row.id, publishedAt: row.publishedAt });
  }
  const missedWhileJoined = missed.filter((m) => m.publishedAt !== null && watcher.joinedAt(m.publishedAt)).length;

  const truth = await pool.any(sql.type(z.object({ id: z.string(), state: z.string(), version: z.number() }))`
    SELECT id, state, version FROM seats WHERE event_id = ${eventId}`);
  const view = watcher.view();
  const differs = truth.filter((seat) => {
    const seen = view.get(seat.id);
    return !seen || seen.state !== seat.state || seen.version !== seat.version;
  });
  const violations: string[] = [];
  if (missed.length > 0) {
    violations.push(`${missed.length} of ${rows.length} seats.changed outbox rows never reached the client (${missedWhileJoined} published while it was joined), e.g. ids ${missed.slice(0, 5).map((m) => m.id).join(', ')}`);
  }
  if (differs.length > 0) {
    const example = differs[0];
    violations.push(`the client's final view differs from PostgreSQL for ${differs.length} seats, e.g. ${example.id}: PostgreSQL ${example.state} v${example.version}, client ${JSON.stringify(view.get(example.id) ?? null)}`);
  }
  return {
    name: 'every committed seat change reached the connected Socket.io client',
    figures: {
      outboxRows: rows.length, received: rows.filter((r) => received.has(r.id)).length, coveredBySnapshot, missed: missed.length, missedWhileJoined,
      duplicates: watcher.duplicateMessages(), snapshots: watcher.snapshots().length, seats: truth.length, finalViewDiffers: differs.length,
    },
    violations,
  };
}
