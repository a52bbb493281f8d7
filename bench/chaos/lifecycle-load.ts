/**
 * The lifecycle load of the chaos run: customer journeys started at a steady rate, each a hold of
 * 1–4 adjacent seats picked from the live seat map (the Socket.io watcher's view), then one of:
 *   pay       checkout with the success card (then a look at the reservation)
 *   slow      checkout with the slow card (the provider answers after PAYMENT_SLOW_MS)
 *   declined  checkout with a declined card; half of them pay with the success card after that
 *   abandon   a short hold, left to expire
 *   support   a hold that support staff cancel (POST /api/support/reservations/:id/cancel)
 * A few journeys belong to one "hot" customer, whom the hold rate limit refuses now and then.
 * A request that finds a process down (no answer, 5xx, or "a payment is being settled") is
 * sent again with the same Idempotency-Key, with a growing pause, within a time budget. Every
 * request's outcome is counted; each reservation's last checkout answer is kept for the check
 * that every answer was true.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_CARDS } from '../../src/payments/simulated.ts';
import { type Answer, type ApiClient } from '../lib/http.ts';
import type { CustomerAnswer } from './checks.ts';
import type { SeatWatcher } from './seat-watcher.ts';

export type JourneyKind = 'pay' | 'slow' | 'declined' | 'abandon' | 'support';
export const JOURNEY_MIX: ReadonlyArray<[JourneyKind, number]> = [['pay', 0.5], ['slow', 0.1], ['declined', 0.12], ['abandon', 0.18], ['support', 0.1]];
const HOT_CUSTOMER_SHARE = 0.05;

export interface LoadOptions {
  api: ApiClient;
  eventId: string;
  /** Seat ids by row, in seat order (adjacent seats are neighbours). */
  rows: string[][];
  watcher: SeatWatcher;
  customerTokens: string[];
  hotCustomerToken: string;
  supportToken: string;
  /** Journeys started per second. */
  rate: number;
  /** Holds that go on to a checkout or a cancel, and holds left to expire. */
  holdSeconds: number;
  shortHoldSeconds: number;
  /** How long a request is retried while processes are down. */
  retryBudgetMs: number;
  random: () => number;
}

export interface JourneyRecord {
  kind: JourneyKind;
  reservationId?: string;
  seats: number;
  /** How the journey ended: "held", "paid", "declined", "cancelled", "seat taken", ... */
  outcome: string;
}

export interface LoadStats {
  journeys: JourneyRecord[];
  /** "hold 201", "checkout 503 SERVICE_UNAVAILABLE", "cancel no answer (UND_ERR_SOCKET)", ... → count */
  requests: Map<string, number>;
  /** Requests sent again after an answer that said a process was down. */
  retries: number;
  /** Every answer's time, by request kind (ms). */
  latencies: Map<string, number[]>;
  /** Requests (by kind) without an answer or with a 5xx: when they were sent (ms since the epoch), how long they took. */
  failures: Array<{ sentAt: number; request: string; outcome: string; ms: number }>;
  lastCheckoutAnswers: Map<string, CustomerAnswer>;
  inFlight(): number;
}

export interface Load {
  stats: LoadStats;
  /** Stops starting journeys and waits for those in flight; `abandon`: without sending anything again (a run that failed). */
  stop(options?: { abandon?: boolean }): Promise<void>;
}

/** "503 SERVICE_UNAVAILABLE", "no answer (UND_ERR_SOCKET)": a request's outcome, for counting. */
function outcomeOf(answer: Answer): string {
  if (answer.status === 0) return `no answer (${answer.error?.split(':')[0] ?? 'error'})`;
  const code = answer.body?.error?.code;
  return code ? `${answer.status} ${code}` : String(answer.status);
}

const processDown = (answer: Answer) => answer.status === 0 || answer.status >= 500;
const paymentSettling = (answer: Answer) => answer.status === 409 && answer.body?.error?.details?.retryable === true;

export function startLifecycleLoad(options: LoadOptions): Load {
  const { api, random } = options;
  const stats: LoadStats = { journeys: [], requests: new Map(), retries: 0, latencies: new Map(), failures: [], lastCheckoutAnswers: new Map(), inFlight: () => running.size };
  const running = new Set<Promise<void>>();
  const claiming = new Set<string>();
  let stopped = false;
  let abandoned = false;
  let journeyNumber = 0;
  const runId = Math.floor(random() * 1e9).toString(36);
  const between = (min: number, max: number) => min + random() * (max - min);

  /** Sends, and sends again (same request, same Idempotency-Key) while a process is down. */
  async function send(kind: string, method: string, path: string, token: string, body: unknown, key: string | undefined, retryable: (a: Answer) => boolean): Promise<Answer> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const sentAt = Date.now();
      const answer = await api.request(method, path, { token, body, headers: key ? { 'idempotency-key': key } : {} });
      const outcome = `${kind} ${outcomeOf(answer)}`;
      stats.requests.set(outcome, (stats.requests.get(outcome) ?? 0) + 1);
      if (!stats.latencies.has(kind)) stats.latencies.set(kind, []);
      stats.latencies.get(kind)!.push(answer.ms);
      if (processDown(answer)) stats.failures.push({ sentAt, request: kind, outcome: outcomeOf(answer), ms: Math.round(answer.ms) });
      if (!retryable(answer) || abandoned || Date.now() - started > options.retryBudgetMs) return answer;
      stats.retries++;
      await sleep(Math.min(4000, 500 * 2 ** attempt));
    }
  }

  /** 1–4 adjacent seats that the live map shows AVAILABLE and no journey of ours is claiming. */
  function pickSeats(count: number): string[] | null {
    const view = options.watcher.view();
    const free = (id: string) => view.get(id)?.state === 'AVAILABLE' && !claiming.has(id);
    for (let attempt = 0; attempt < 30; attempt++) {
      const row = options.rows[Math.floor(random() * options.rows.length)];
      const start = Math.floor(random() * Math.max(1, row.length - count + 1));
      const seats = row.slice(start, start + count);
      if (seats.length === count && seats.every(free)) return seats;
    }
    return null;
  }

  async function checkout(reservationId: string, token: string, card: string, key: string): Promise<Answer> {
    const answer = await send('checkout', 'POST', `/api/reservations/${reservationId}/checkout`, token, { card: { number: card } }, key,
      (a) => processDown(a) || paymentSettling(a));
    stats.lastCheckoutAnswers.set(reservationId, { reservationId, status: answer.status, body: answer.body });
    return answer;
  }

  async function journey(n: number): Promise<void> {
    let roll = random();
    let kind: JourneyKind = JOURNEY_MIX[JOURNEY_MIX.length - 1][0];
    for (const [k, share] of JOURNEY_MIX) {
      if (roll < share) { kind = k; break; }
      roll -= share;
    }
    const token = random() < HOT_CUSTOMER_SHARE ? options.hotCustomerToken : options.customerTokens[Math.floor(random() * options.customerTokens.length)];
    const record: JourneyRecord = { kind, seats: 1 + Math.floor(random() * 4), outcome: 'started' };
    stats.journeys.push(record);
    const seats = pickSeats(record.seats);
    if (!seats) {
      record.outcome = 'no free seats in view';
      return;
    }
    for (const id of seats) claiming.add(id);
    let held: Answer;
    try {
      const holdSeconds = kind === 'abandon' ? options.shortHoldSeconds : options.holdSeconds;
      held = await send('hold', 'POST', '/api/reservations', token, { eventId: options.eventId, seatIds: seats, holdSeconds }, `hold-${runId}-${n}`, processDown);
    } finally {
      for (const id of seats) claiming.delete(id);
    }
    if (held.status !== 201 && held.status !== 200) {
      record.outcome = `hold refused: ${outcomeOf(held)}`;
      return;
    }
    const reservationId: string = held.body.reservation.id;
    record.reservationId = reservationId;
    record.outcome = 'held';
    // the reservation page: the hold and its countdown
    await send('status', 'GET', `/api/reservations/${reservationId}`, token, undefined, undefined, processDown);
    await sleep(between(300, 2000));

    switch (kind) {
      case 'abandon':
        record.outcome = 'abandoned';
        return;
      case 'support': {
        await sleep(between(500, 3000));
        const cancelled = await send('support cancel', 'POST', `/api/support/reservations/${reservationId}/cancel`, options.supportToken, { reason: 'chaos run: customer called' }, undefined, processDown);
        record.outcome = cancelled.status === 202 ? 'cancelled by support' : `cancel refused: ${outcomeOf(cancelled)}`;
        return;
      }
      case 'pay':
      case 'slow':
      case 'declined': {
        const card = kind === 'pay' ? TEST_CARDS.success : kind === 'slow' ? TEST_CARDS.slow : TEST_CARDS.declined;
        let answer = await checkout(reservationId, token, card, `checkout-${reservationId}-1`);
        if (kind === 'declined' && answer.status === 402) {
          if (random() < 0.5) {
            record.outcome = 'declined, abandoned';
            return;
          }
          await sleep(between(500, 1500));
          answer = await checkout(reservationId, token, TEST_CARDS.success, `checkout-${reservationId}-2`);
        }
        record.outcome = answer.status === 200 ? (kind === 'declined' ? 'declined, then paid' : 'paid') : `checkout: ${outcomeOf(answer)}`;
        // the confirmation page
        if (answer.status === 200) await send('status', 'GET', `/api/reservations/${reservationId}`, token, undefined, undefined, processDown);
        return;
      }
    }
  }

  const started = performance.now();
  const loop = (async () => {
    while (!stopped) {
      const n = journeyNumber++;
      const run = journey(n).catch((error: unknown) => {
        const key = `journey error ${(error as Error).message.slice(0, 80)}`;
        stats.requests.set(key, (stats.requests.get(key) ?? 0) + 1);
      }).finally(() => running.delete(run));
      running.add(run);
      // a steady rate: the next journey starts at its slot, however long this one takes
      const next = started + ((n + 1) * 1000) / options.rate;
      await sleep(Math.max(0, next - performance.now()));
    }
  })();

  return {
    stats,
    async stop({ abandon = false } = {}) {
      stopped = true;
      abandoned ||= abandon;
      await loop;
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
