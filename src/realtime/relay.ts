import { setTimeout as delay } from 'node:timers/promises';
import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { relayBatch, type OutboxRow } from '../db/outbox.ts';
import { sql } from '../db/sql.ts';
import { commitToPublishSeconds, outboxPublishedTotal } from '../metrics.ts';
import type { Logger } from '../logger.ts';

/**
 * The outbox relay: the only path from a committed change to the sockets (invariant 5).
 *
 * It reads unpublished outbox rows in id (insert) order, broadcasts each through the
 * Socket.io Redis emitter to every gateway instance, and only then marks the rows published.
 * A crash anywhere before the mark means the rows are sent again by the next relay: delivery
 * is at least once, and every message carries the seat versions (and `changeId`, the outbox
 * id) that let a client apply it idempotently and in any order.
 *
 * The emitter's own `publish` calls are fire-and-forget; the relay hands it a client that
 * records every PUBLISH and waits for Redis to acknowledge them, so a batch that did not reach
 * Redis is never marked published.
 *
 * Every gateway process runs a relay, but only one publishes at a time: the leader holds a
 * PostgreSQL advisory lock on a connection of its own; the others retry for the lock, and take
 * over when the leader's connection goes away. (Two leaders for a moment would only send
 * duplicates, which clients ignore by version.)
 */

export const SEATS_CHANGED_EVENT = 'seats:changed';
export const RESERVATION_UPDATED_EVENT = 'reservation:updated';
export const eventRoom = (eventId: string) => `event:${eventId}`;
export const customerRoom = (customerId: string) => `customer:${customerId}`;

export type SeatState = 'AVAILABLE' | 'HELD' | 'SOLD';

/** Sent to room `event:<eventId>`: the new state and version of every seat one commit changed. */
export interface SeatsChangedMessage {
  eventId: string;
  /** The outbox row id (insert order; concurrent transactions may commit out of it, so clients order by seat version). */
  changeId: number;
  /** When the change committed, ms since the epoch. */
  committedAt: number;
  seats: { id: string; sectionId: string; state: SeatState; version: number }[];
}

/** Sent to room `customer:<customerId>`: a reservation of that customer changed status. */
export interface ReservationUpdatedMessage {
  reservationId: string;
  status: string;
  actor: string | null;
  reason: string | null;
  bookingReference: string | null;
  /** The hold's deadline (ISO) when this update moved it (an extension); null otherwise. */
  holdExpiresAt: string | null;
  changeId: number;
  committedAt: number;
}

/** The `key` the emitter and the gateways' Redis adapter share (their channel prefix). */
export const DEFAULT_REDIS_KEY = 'socket.io';

export interface OutboxRelayOptions {
  pool: DatabasePool;
  /** Used for PUBLISH only; the caller owns it and closes it after `stop()`. */
  redis: Redis;
  log: Logger;
  /** How long to sleep when the outbox is empty (and between retries after an error). */
  pollMs: number;
  batchSize?: number;
  /** Channel prefix; must equal the gateways' `key`. */
  key?: string;
  /**
   * Told of every batch's seat changes after Redis acknowledged them and before the batch is
   * marked published (so at least once): the waitlists follow released seats here
   * (src/waitlist/waker.ts). If it throws, the batch is sent again later.
   */
  onSeatsChanged?: (messages: readonly SeatsChangedMessage[]) => Promise<void>;
}

export interface OutboxRelay {
  /** Ends the loop; resolves once the batch in flight (if any) has finished. */
  stop(): Promise<void>;
  /** Publishes everything unpublished right now; rejects when a batch fails. */
  drain(): Promise<void>;
}

const seatsChangedPayload = z.object({
  eventId: z.string(),
  seats: z.array(
    z.object({
      id: z.string(),
      sectionId: z.string(),
      state: z.enum(['AVAILABLE', 'HELD', 'SOLD']),
      version: z.number(),
    }),
  ),
});

const reservationUpdatedPayload = z.object({
  reservationId: z.string(),
  customerId: z.string(),
  status: z.string(),
  actor: z.string().nullish(),
  reason: z.string().nullish(),
  bookingReference: z.string().nullish(),
  holdExpiresAt: z.string().nullish(),
});

const MAX_ERROR_BACKOFF_MS = 5_000;
/** Advisory lock key of the relay leader (any constant shared by all relays of a database). */
const RELAY_LOCK_KEY = 7_041_977;

export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { pool, redis, pollMs } = options;
  const batchSize = options.batchSize ?? 100;
  const log = options.log.child({ component: 'outbox-relay' });

  // Every PUBLISH the emitter makes lands here, so a batch can wait for Redis to acknowledge it.
  let pending: Promise<unknown>[] = [];
  const recordingClient = {
    publish(channel: string, message: string | Buffer): Promise<number> {
      const sent = redis.publish(channel, message);
      pending.push(sent);
      return sent;
    },
  };
  const emitter = new Emitter(recordingClient, { key: options.key ?? DEFAULT_REDIS_KEY });

  async function publish(rows: readonly OutboxRow[]): Promise<void> {
    pending = [];
    const seatChanges: SeatsChangedMessage[] = [];
    for (const row of rows) {
      if (row.topic === 'seats.changed') {
        const payload = seatsChangedPayload.safeParse(row.payload);
        if (!payload.success) {
          // A malformed row would block the queue forever if retried: report it and move on.
          log.error({ outboxId: row.id, issues: payload.error.issues }, 'skipping malformed seats.changed outbox row');
          continue;
        }
        const message: SeatsChangedMessage = {
          eventId: payload.data.eventId,
          changeId: row.id,
          committedAt: row.committedAt,
          seats: payload.data.seats,
        };
        emitter.to(eventRoom(payload.data.eventId)).emit(SEATS_CHANGED_EVENT, message);
        seatChanges.push(message);
      } else {
        const payload = reservationUpdatedPayload.safeParse(row.payload);
        if (!payload.success) {
          log.error({ outboxId: row.id, issues: payload.error.issues }, 'skipping malformed reservation.updated outbox row');
          continue;
        }
        const message: ReservationUpdatedMessage = {
          reservationId: payload.data.reservationId,
          status: payload.data.status,
          actor: payload.data.actor ?? null,
          reason: payload.data.reason ?? null,
          bookingReference: payload.data.bookingReference ?? null,
          holdExpiresAt: payload.data.holdExpiresAt ?? null,
          changeId: row.id,
          committedAt: row.committedAt,
        };
        emitter.to(customerRoom(payload.data.customerId)).emit(RESERVATION_UPDATED_EVENT, message);
      }
    }
    const sent = pending;
    pending = [];
    await Promise.all(sent);
    if (options.onSeatsChanged && seatChanges.length > 0) await options.onSeatsChanged(seatChanges);
    const now = Date.now();
    for (const row of rows) {
      outboxPublishedTotal.inc({ topic: row.topic });
      commitToPublishSeconds.observe(Math.max(0, now - row.committedAt) / 1000);
    }
  }

  // One batch at a time, whether the loop or drain() asks: two overlapping batches would
  // select the same rows and could publish them out of order.
  let lane: Promise<unknown> = Promise.resolve();
  function exclusiveBatch(): Promise<number> {
    const run = lane.then(() => relayBatch(pool, batchSize, publish));
    lane = run.catch(() => undefined);
    return run;
  }

  let stopped = false;
  const wake = new AbortController();

  async function sleep(ms: number): Promise<void> {
    try {
      await delay(ms, undefined, { signal: wake.signal });
    } catch {
      // woken by stop()
    }
  }

  /** Publishes batches while this relay is the leader; returns when stopped. */
  async function publishWhileLeader(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      try {
        const published = await exclusiveBatch();
        failures = 0;
        if (published > 0) log.debug({ published }, 'published outbox rows');
        if (published < batchSize) await sleep(pollMs);
      } catch (error) {
        failures += 1;
        log.error({ err: error, failures }, 'outbox relay batch failed; retrying');
        await sleep(Math.min(pollMs * 2 ** Math.min(failures - 1, 10), MAX_ERROR_BACKOFF_MS));
      }
    }
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        await pool.connect(async (connection) => {
          const leader = await connection.oneFirst(sql.type(z.object({ locked: z.boolean() }))`
            SELECT pg_try_advisory_lock(${RELAY_LOCK_KEY}) AS locked
          `);
          if (!leader) return sleep(Math.max(pollMs * 4, 1000));
          log.info('this relay is the outbox leader');
          try {
            await publishWhileLeader();
          } finally {
            await connection.query(sql.typeAlias('void')`SELECT FROM pg_advisory_unlock(${RELAY_LOCK_KEY})`);
          }
        });
      } catch (error) {
        log.error({ err: error }, 'outbox relay lost its database connection; retrying');
        await sleep(MAX_ERROR_BACKOFF_MS);
      }
    }
  }

  const running = loop().catch((error: unknown) => {
    // loop() catches per batch; this only guards against a bug turning into an unhandled rejection
    log.fatal({ err: error }, 'outbox relay loop ended unexpectedly');
  });
  log.info({ pollMs, batchSize }, 'outbox relay started');

  return {
    async stop() {
      stopped = true;
      wake.abort();
      await running;
      await lane;
      log.info('outbox relay stopped');
    },
    async drain() {
      while ((await exclusiveBatch()) === batchSize) {
        // a full batch: there may be more
      }
    },
  };
}
