/**
 * `node bench/realtime-latency.ts`: how long a committed seat change takes to reach the
 * browsers watching the seat map, with 100 and with 1,000 Socket.io clients in the room.
 *
 * One process holds everything: a fresh migrated database, one http server with the realtime
 * gateway (its own Redis key), one outbox relay (pollMs 20, same key) and N socket.io-client
 * sockets (websocket transport) joined to one event's room. For each client count it makes
 * ~50 real seat changes (createHold, then releaseReservation, alternately, each hold on a seat
 * of its own), spaced 50–100 ms apart, and records for every (change, client) delivery
 * `Date.now() - committedAt` (committedAt is PostgreSQL's clock_timestamp() at the outbox
 * insert; PostgreSQL and Node read the same machine clock).
 *
 * The path is split into hops, each timed on Node's clock:
 *   commit → relay PUBLISH     the relay's PUBLISH call (bounded by pollMs + one outbox query)
 *   PUBLISH → gateway          the gateway's Redis subscriber received the message
 *   gateway → client           fan-out to every socket and the clients' decoding
 * Clients run in the gateway's own process and share its event loop and CPU, so the last hop
 * is a pessimistic figure for the server: it includes 1,000 clients' parsing, serialised.
 *
 * Progress goes to stdout, then a Markdown table. Exit code 1 when a delivery is missing.
 * Everything is torn down at the end: sockets, relay, Redis, gateway, http server, database.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { z } from 'zod';
import { createEvent } from '../src/db/events.ts';
import { createHold, releaseReservation } from '../src/db/reservations.ts';
import { sql } from '../src/db/sql.ts';
import { createGateway, type Gateway, type JoinAck } from '../src/realtime/gateway.ts';
import { startOutboxRelay, type OutboxRelay, type SeatsChangedMessage } from '../src/realtime/relay.ts';
import { createTestDatabase, type TestDatabase } from '../tests/helpers/database.ts';
import { percentile, progress } from './lib/run.ts';

// ---------------------------------------------------------------- sizes of the run
const CLIENT_COUNTS = [100, 1_000];
const CHANGES_PER_RUN = 50; // 25 holds + 25 releases
const WARMUP_CHANGES = 4; // before the first run, not counted
const SPACING_MS = [50, 100] as const;
const POLL_MS = 20;
const CONNECT_BATCH = 50;
const CONNECT_TIMEOUT_MS = 10_000;
const DELIVERY_TIMEOUT_MS = 15_000;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const JWT_SECRET = 'bench-realtime-secret-at-least-32-characters';

// ---------------------------------------------------------------- small helpers
interface Stats { n: number; median: number; p99: number; max: number }
function stats(values: readonly number[]): Stats {
  return { n: values.length, median: percentile(values, 50), p99: percentile(values, 99), max: values.length ? Math.max(...values) : Number.NaN };
}

/**
 * The `changeId` of a seats:changed message in the msgpack buffer the emitter publishes
 * (notepack encoding: the fixstr key "changeId", then an unsigned int or a float64).
 * Null when it cannot be found, e.g. for reservation:updated messages.
 */
const CHANGE_ID_KEY = Buffer.from([0xa8, ...Buffer.from('changeId')]);
function changeIdOf(message: Buffer | string): number | null {
  const buf = typeof message === 'string' ? Buffer.from(message, 'latin1') : message;
  const at = buf.indexOf(CHANGE_ID_KEY);
  if (at < 0) return null;
  let i = at + CHANGE_ID_KEY.length;
  const tag = buf[i++];
  if (tag === undefined) return null;
  if (tag < 0x80) return tag;
  if (tag === 0xcc) return buf.readUInt8(i);
  if (tag === 0xcd) return buf.readUInt16BE(i);
  if (tag === 0xce) return buf.readUInt32BE(i);
  if (tag === 0xcf) return Number(buf.readBigUInt64BE(i));
  if (tag === 0xcb) return buf.readDoubleBE(i);
  return null;
}

// ---------------------------------------------------------------- state shared with the hooks
/** When the relay called PUBLISH for a change, by changeId (first call only). */
const publishedAt = new Map<number, number>();
/** When the gateway's Redis subscriber received a change, by changeId (first message only). */
const gatewayAt = new Map<number, number>();

interface Delivery { client: number; changeId: number; at: number; committedAt: number }
let deliveries: Delivery[] = [];

interface BenchClient { index: number; socket: Socket }

// ---------------------------------------------------------------- the run
let db: TestDatabase | undefined;
let gateway: Gateway | undefined;
let relayRedis: Redis | undefined;
let relay: OutboxRelay | undefined;
const clients: BenchClient[] = [];

interface RunResult {
  clients: number;
  changes: number;
  expected: number;
  received: number;
  duplicates: number;
  total: Stats;
  toPublish: Stats;
  toGateway: Stats;
  fanOut: Stats;
  /** clock_timestamp() at the outbox insert → createHold/releaseReservation resolved (commit acknowledged). */
  insertToCommitAck: Stats;
  /** Per change: relay PUBLISH − the change's call resolved (negative when the relay was faster than the ack). */
  ackToPublish: Stats;
  /** Node event-loop delay during the run, ms. */
  loopDelay: Stats;
  /** Per change: first client received − last client received. */
  spread: Stats;
  cpuPercent: number;
  /** The machine's 1-minute load average at the end of the run (other processes included). */
  load: number;
}

async function main(): Promise<number> {
  progress(`realtime latency bench: ${CLIENT_COUNTS.join(' and ')} clients, ${CHANGES_PER_RUN} changes each, pollMs ${POLL_MS}`);
  db = await createTestDatabase('bench_rt');
  const pool = db.pool;
  progress(`database ${new URL(db.url).pathname.slice(1)} migrated`);

  const key = `bench-rt-${randomBytes(4).toString('hex')}`;
  const log = pino({ level: 'warn' });
  const httpServer = createServer();
  gateway = createGateway({ httpServer, pool, redisUrl: REDIS_URL, jwtSecret: JWT_SECRET, log, key });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;

  // Timestamp every message the gateway's subscriber gets, ahead of the adapter's own listener
  // (which fans the message out synchronously).
  const adapter = gateway.io.of('/').adapter as unknown as {
    subClient: Redis;
    serverCount(): Promise<number>;
  };
  adapter.subClient.prependListener('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, message: Buffer) => {
    const at = Date.now();
    const id = changeIdOf(message);
    if (id !== null && !gatewayAt.has(id)) gatewayAt.set(id, at);
  });
  for (let i = 0; (await adapter.serverCount()) < 1; i++) {
    if (i > 300) throw new Error('the gateway never subscribed to Redis');
    await delay(10);
  }
  progress(`gateway on ${url}, redis key ${key}`);

  // The relay's Redis client, with every PUBLISH timestamped.
  relayRedis = new Redis(REDIS_URL);
  const realPublish = relayRedis.publish.bind(relayRedis) as (channel: string, message: string | Buffer) => Promise<number>;
  const recordingRedis = new Proxy(relayRedis, {
    get(target, property, receiver) {
      if (property === 'publish') {
        return (channel: string, message: string | Buffer) => {
          const at = Date.now();
          const id = changeIdOf(message);
          if (id !== null && !publishedAt.has(id)) publishedAt.set(id, at);
          return realPublish(channel, message);
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  relay = startOutboxRelay({ pool, redis: recordingRedis, log, pollMs: POLL_MS, key });

  // The event: one section, one seat per hold of every run (and the warm-up).
  const holdsNeeded = WARMUP_CHANGES / 2 + (CLIENT_COUNTS.length * CHANGES_PER_RUN) / 2;
  const { eventId } = await createEvent(pool, {
    venueName: 'Bench Hall',
    name: 'Realtime latency bench',
    startsAt: new Date(Date.now() + 7 * 24 * 3600 * 1000),
    sections: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 2500, rows: 1, seatsPerRow: holdsNeeded + 10 }],
  });
  const seatIds = [
    ...(await pool.anyFirst(sql.type(z.object({ id: z.string() }))`
      SELECT id FROM seats WHERE event_id = ${eventId} ORDER BY seat_number
    `)),
  ];
  const customerId = randomUUID();
  await pool.query(sql.typeAlias('void')`
    INSERT INTO customers (id, email, name, password_hash)
    VALUES (${customerId}, ${`${customerId}@bench.test`}, 'Bench Customer', 'not-a-real-hash')
  `);
  progress(`event ${eventId} with ${seatIds.length} seats, customer ${customerId}`);

  async function connectClients(target: number): Promise<void> {
    const started = performance.now();
    while (clients.length < target) {
      const batch = Math.min(CONNECT_BATCH, target - clients.length);
      const connected = await Promise.all(
        Array.from({ length: batch }, async () => {
          const index = clients.length;
          const socket = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: CONNECT_TIMEOUT_MS });
          const client: BenchClient = { index, socket };
          clients.push(client);
          socket.on('seats:changed', (message: SeatsChangedMessage) => {
            deliveries.push({ client: index, changeId: message.changeId, at: Date.now(), committedAt: message.committedAt });
          });
          await new Promise<void>((resolve, reject) => {
            socket.once('connect', () => resolve());
            socket.once('connect_error', reject);
          });
          const ack = (await socket.timeout(CONNECT_TIMEOUT_MS).emitWithAck('event:join', { eventId })) as JoinAck;
          if (!ack.ok) throw new Error(`client ${index} could not join: ${ack.error.message}`);
          return client;
        }),
      );
      if (clients.length % 250 === 0 || clients.length === target) {
        progress(`  ${clients.length}/${target} clients connected and joined (${connected.length} in the last batch)`);
      }
    }
    progress(`  ${target} clients ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }

  // Seat changes: hold seat k, release it, hold seat k+1, ...
  let nextSeat = 0;
  let openHold: string | null = null;
  const doneAt = new Map<number, number>(); // changeId → when the call that made it resolved
  async function oneChange(): Promise<void> {
    if (openHold === null) {
      const seat = seatIds[nextSeat++];
      const hold = await createHold(pool, {
        customerId,
        eventId,
        seatIds: [seat],
        idempotencyKey: `bench-${nextSeat}`,
        holdSeconds: 600,
        passiveGraceSeconds: 5,
      });
      if (!hold.created) throw new Error(`hold of seat ${seat} was not created`);
      openHold = hold.reservationId;
    } else {
      const released = await releaseReservation(pool, { reservationId: openHold, outcome: 'CANCELLED', reason: 'bench' });
      if (!released) throw new Error(`release of ${openHold} released nothing`);
      openHold = null;
    }
  }

  const lastOutboxId = async (): Promise<number> =>
    (await pool.oneFirst(sql.type(z.object({ id: z.number() }))`SELECT coalesce(max(id), 0)::int8 AS id FROM outbox`));

  async function makeChanges(count: number, label: string): Promise<{ ids: number[]; committedAt: Map<number, number> }> {
    const before = await lastOutboxId();
    for (let i = 0; i < count; i++) {
      await oneChange();
      const resolvedAt = Date.now();
      const newest = await lastOutboxId();
      doneAt.set(newest, resolvedAt); // refined below: only seats.changed rows matter
      if ((i + 1) % 10 === 0) progress(`  ${label}: ${i + 1}/${count} changes committed`);
      const [lo, hi] = SPACING_MS;
      await delay(lo + Math.floor(Math.random() * (hi - lo + 1)));
    }
    const rows = await pool.any(sql.type(z.object({ id: z.number(), committedAt: z.number() }))`
      SELECT id, committed_at AS "committedAt" FROM outbox
      WHERE id > ${before} AND topic = 'seats.changed' AND payload->>'eventId' = ${eventId}
      ORDER BY id
    `);
    return { ids: rows.map((r) => r.id), committedAt: new Map(rows.map((r) => [r.id, r.committedAt])) };
  }

  async function awaitDeliveries(ids: readonly number[], clientCount: number): Promise<void> {
    const wanted = new Set(ids);
    const expected = ids.length * clientCount;
    const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
    for (;;) {
      const unique = new Set(deliveries.filter((d) => wanted.has(d.changeId)).map((d) => `${d.client}:${d.changeId}`)).size;
      if (unique >= expected) return;
      if (Date.now() > deadline) {
        progress(`  timed out waiting: ${unique}/${expected} deliveries`);
        return;
      }
      await delay(50);
    }
  }

  // warm-up: JIT, pool connections, Redis subscriptions; not counted
  await connectClients(CLIENT_COUNTS[0]);
  progress(`warm-up: ${WARMUP_CHANGES} changes (not counted)`);
  const warm = await makeChanges(WARMUP_CHANGES, 'warm-up');
  await awaitDeliveries(warm.ids, clients.length);

  const results: RunResult[] = [];
  for (const count of CLIENT_COUNTS) {
    if (clients.length < count) {
      progress(`connecting ${count - clients.length} more clients in batches of ${CONNECT_BATCH}`);
      await connectClients(count);
    }
    await delay(500); // let the connection burst settle
    deliveries = [];
    progress(`run with ${count} clients: ${CHANGES_PER_RUN} changes, ${SPACING_MS[0]}–${SPACING_MS[1]} ms apart`);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const { ids, committedAt } = await makeChanges(CHANGES_PER_RUN, `${count} clients`);
    await awaitDeliveries(ids, count);
    const cpu = process.cpuUsage(cpuBefore);
    loop.disable();
    const loopDelay: Stats = {
      n: loop.count,
      median: Math.round(loop.percentile(50) / 1e6),
      p99: Math.round(loop.percentile(99) / 1e6),
      max: Math.round(loop.max / 1e6),
    };
    const cpuPercent = ((cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore)) * 100;

    const wanted = new Set(ids);
    const seen = new Set<string>();
    const total: number[] = [];
    const fanOut: number[] = [];
    const firstAt = new Map<number, number>();
    const lastAt = new Map<number, number>();
    let duplicates = 0;
    for (const d of deliveries) {
      if (!wanted.has(d.changeId)) continue;
      const pair = `${d.client}:${d.changeId}`;
      if (seen.has(pair)) {
        duplicates++;
        continue;
      }
      seen.add(pair);
      if (d.committedAt !== committedAt.get(d.changeId)) throw new Error(`committedAt of change ${d.changeId} differs from the outbox row`);
      total.push(d.at - d.committedAt);
      const g = gatewayAt.get(d.changeId);
      if (g !== undefined) fanOut.push(d.at - g);
      firstAt.set(d.changeId, Math.min(firstAt.get(d.changeId) ?? Infinity, d.at));
      lastAt.set(d.changeId, Math.max(lastAt.get(d.changeId) ?? -Infinity, d.at));
    }
    const toPublish: number[] = [];
    const toGateway: number[] = [];
    const insertToCommitAck: number[] = [];
    const ackToPublish: number[] = [];
    for (const id of ids) {
      const c = committedAt.get(id)!;
      const p = publishedAt.get(id);
      const g = gatewayAt.get(id);
      if (p !== undefined) toPublish.push(p - c);
      if (p !== undefined && g !== undefined) toGateway.push(g - p);
      // a release also writes a reservation.updated row after its seats.changed row
      const resolved = doneAt.get(id) ?? doneAt.get(id + 1);
      if (resolved !== undefined) insertToCommitAck.push(resolved - c);
      if (resolved !== undefined && p !== undefined) ackToPublish.push(p - resolved);
    }
    const spread = ids.filter((id) => firstAt.has(id)).map((id) => lastAt.get(id)! - firstAt.get(id)!);
    const result: RunResult = {
      clients: count,
      changes: ids.length,
      expected: ids.length * count,
      received: seen.size,
      duplicates,
      total: stats(total),
      toPublish: stats(toPublish),
      toGateway: stats(toGateway),
      fanOut: stats(fanOut),
      insertToCommitAck: stats(insertToCommitAck),
      ackToPublish: stats(ackToPublish),
      loopDelay,
      spread: stats(spread),
      cpuPercent,
      load: loadavg()[0],
    };
    results.push(result);
    progress(
      `  ${count} clients: ${result.received}/${result.expected} deliveries, commit→client median ${result.total.median} ms, ` +
        `p99 ${result.total.p99} ms, worst ${result.total.max} ms; process CPU ${cpuPercent.toFixed(0)}% of one core, machine load ${loadavg()[0].toFixed(1)}`,
    );
  }

  // ---------------------------------------------------------------- report
  const ms = (v: number) => (Number.isNaN(v) ? '–' : `${v}`);
  const out: string[] = [];
  out.push('');
  out.push(`## Realtime latency: commit → socket.io client (pollMs ${POLL_MS}, one process, ${CHANGES_PER_RUN} changes per run)`);
  out.push('');
  out.push('| clients | changes | deliveries expected | received | duplicates | median ms | p99 ms | worst ms | bench CPU (of one core) | machine load (1 min) |');
  out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    out.push(
      `| ${r.clients} | ${r.changes} | ${r.expected} | ${r.received} | ${r.duplicates} | ${ms(r.total.median)} | ${ms(r.total.p99)} | ${ms(r.total.max)} | ${r.cpuPercent.toFixed(0)}% | ${r.load.toFixed(1)} |`,
    );
  }
  out.push('');
  out.push('### Split by hop (ms; median / p99 / worst)');
  out.push('');
  out.push('| clients | commit → relay PUBLISH | of which: outbox insert → commit acked | commit acked → relay PUBLISH | PUBLISH → gateway (Redis) | gateway → client (fan-out) |');
  out.push('|---:|---:|---:|---:|---:|---:|');
  const cell = (s: Stats) => `${ms(s.median)} / ${ms(s.p99)} / ${ms(s.max)}`;
  for (const r of results) {
    out.push(`| ${r.clients} | ${cell(r.toPublish)} | ${cell(r.insertToCommitAck)} | ${cell(r.ackToPublish)} | ${cell(r.toGateway)} | ${cell(r.fanOut)} |`);
  }
  out.push('');
  out.push('| clients | first → last client, per change | Node event-loop delay during the run |');
  out.push('|---:|---:|---:|');
  for (const r of results) out.push(`| ${r.clients} | ${cell(r.spread)} | ${cell(r.loopDelay)} |`);
  out.push('');
  out.push(`- commit → relay PUBLISH is bounded by the relay's poll interval, pollMs = ${POLL_MS} ms: an idle relay sleeps pollMs between outbox queries, so a committed change waits 0–${POLL_MS} ms for the next poll, plus at most one batch in flight (SELECT, PUBLISH, UPDATE). Anything above ~${POLL_MS + 5} ms there is the insert → commit gap and event-loop lag of this shared process, not the poll.`);
  out.push('- "commit" is committedAt: PostgreSQL clock_timestamp() at the outbox insert inside the transaction, a little before the actual COMMIT. "outbox insert → commit acked" is that gap as an upper bound (until createHold/releaseReservation resolved); "commit acked → relay PUBLISH" is negative when the relay published before the caller saw its own COMMIT acknowledged.');
  out.push('- Hops from commit to gateway have one sample per change; commit → client and gateway → client have one sample per (change, client) delivery. Timestamps are Date.now() (1 ms resolution); PostgreSQL and Node share this machine\'s clock.');
  out.push('- Clients, gateway, relay and database driver share one Node process (2 cores for everything, PostgreSQL and Redis included, and whatever else runs: see the machine load), so fan-out includes every client\'s websocket read and decode, serialised on the same event loop as the server.');
  out.push('');
  process.stdout.write(`${out.join('\n')}\n`);

  const missing = results.some((r) => r.received !== r.expected);
  if (missing) progress('FAILED: some deliveries never arrived');
  return missing ? 1 : 0;
}

async function cleanup(): Promise<void> {
  for (const client of clients) client.socket.disconnect();
  await relay?.stop().catch(() => undefined);
  await relayRedis?.quit().catch(() => relayRedis?.disconnect());
  await gateway?.close().catch(() => undefined);
  await db?.drop().catch((error: unknown) => progress(`could not drop the database: ${String(error)}`));
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  process.stdout.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exitCode = 1;
} finally {
  progress('cleaning up');
  await cleanup();
  progress('done');
}
process.exitCode = exitCode;
