import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { DatabasePool } from 'slonik';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import { originAllowed } from '../api/cors.ts';
import { verifyToken, type Principal } from '../auth/tokens.ts';
import { seatSnapshot, type SeatView } from '../db/events.ts';
import { sql } from '../db/sql.ts';
import type { Logger } from '../logger.ts';
import { trackSocketServer } from '../metrics.ts';
import {
  customerRoom,
  DEFAULT_REDIS_KEY,
  eventRoom,
  type ReservationUpdatedMessage,
  type SeatsChangedMessage,
} from './relay.ts';

/**
 * The realtime gateway: a Socket.io server that browsers connect to for live seat maps and
 * for private updates about their own reservations.
 *
 * Rooms: `event:<eventId>` (joined on request, gets `seats:changed`) and
 * `customer:<customerId>` (joined automatically when the handshake carries a valid token,
 * gets `reservation:updated`). The gateway never publishes changes itself: the outbox relay
 * (./relay.ts) emits them through Redis, and every gateway instance fans them out to its own
 * sockets.
 *
 * Client protocol for a seat map: emit `event:join` `{ eventId }`, keep any `seats:changed`
 * received meanwhile, and apply them on top of the snapshot in the ack by seat version (a
 * change applies only if its version is higher than the one held). On reconnect, join again:
 * the new snapshot replaces whatever was missed while disconnected.
 */

export type JoinAck =
  | { ok: true; eventId: string; seats: SeatView[] }
  | { ok: false; error: { code: 'VALIDATION_FAILED' | 'NOT_FOUND' | 'INTERNAL'; message: string } };
export type LeaveAck = { ok: true; eventId: string } | { ok: false; error: { code: 'VALIDATION_FAILED'; message: string } };

export interface ClientToServerEvents {
  'event:join': (input: { eventId: string }, ack: (reply: JoinAck) => void) => void;
  'event:leave': (input: { eventId: string }, ack?: (reply: LeaveAck) => void) => void;
}

export interface ServerToClientEvents {
  'seats:changed': (message: SeatsChangedMessage) => void;
  'reservation:updated': (message: ReservationUpdatedMessage) => void;
}

export interface SocketData {
  principal: Principal | null;
}

type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface GatewayOptions {
  httpServer: HttpServer;
  pool: DatabasePool;
  redisUrl: string;
  jwtSecret: string;
  log: Logger;
  /**
   * Origins other than the page's own that may connect (CORS_ORIGINS). Browsers from any
   * other origin are refused at the handshake; clients that send no Origin (not browsers) pass.
   */
  corsOrigins?: readonly string[];
  /** Redis channel prefix; must equal the outbox relay's `key`. */
  key?: string;
}

export interface Gateway {
  io: GatewayServer;
  /** Disconnects every socket, closes the http server (Socket.io does) and the Redis clients. */
  close(): Promise<void>;
}

const eventInput = z.object({ eventId: z.string().uuid() });

export function createGateway(options: GatewayOptions): Gateway {
  const { httpServer, pool, jwtSecret } = options;
  const corsOrigins = options.corsOrigins ?? [];
  const log = options.log.child({ component: 'gateway' });

  // The plain pub/sub adapter, not the streams adapter: durability already comes from the
  // transactional outbox (a change is re-published until Redis accepted it, and a reconnecting
  // client resyncs from a snapshot), so the adapter only has to fan a message out to every
  // gateway instance that is up right now.
  const pubClient = new Redis(options.redisUrl);
  const subClient = pubClient.duplicate();
  for (const [role, client] of [['pub', pubClient], ['sub', subClient]] as const) {
    client.on('error', (error: Error) => log.warn({ err: error, redis: role }, 'redis connection error'));
  }

  const io: GatewayServer = new Server(httpServer, {
    adapter: createAdapter(pubClient, subClient, { key: options.key ?? DEFAULT_REDIS_KEY }),
    serveClient: false,
    // the polling transport's CORS headers for listed origins; the handshake check below
    // refuses every other foreign origin (CORS alone would not stop a WebSocket)
    ...(corsOrigins.length > 0 ? { cors: { origin: [...corsOrigins] } } : {}),
    allowRequest: (req, callback) => {
      const allowed = originAllowed(req.headers.origin, req.headers.host, corsOrigins);
      if (!allowed) log.debug({ origin: req.headers.origin }, 'socket refused: origin not allowed');
      callback(allowed ? null : 'origin not allowed', allowed);
    },
  });
  const untrack = trackSocketServer(io);

  // Authentication is optional (anyone may watch a seat map), but a token that is present must
  // be valid: a client with a stale token learns it at once instead of silently missing its
  // private updates. An empty string counts as no token.
  io.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (token === undefined || token === null || token === '') {
      socket.data.principal = null;
      return next();
    }
    const principal = typeof token === 'string' ? verifyToken(token, jwtSecret) : null;
    if (!principal) return next(new Error('invalid token'));
    socket.data.principal = principal;
    next();
  });

  io.on('connection', (socket: GatewaySocket) => {
    const principal = socket.data.principal;
    if (principal) void socket.join(customerRoom(principal.customerId));
    log.debug({ socketId: socket.id, customerId: principal?.customerId }, 'socket connected');

    socket.on('event:join', async (input, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const parsed = eventInput.safeParse(input);
      if (!parsed.success) {
        return reply({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'eventId must be a UUID' } });
      }
      const { eventId } = parsed.data;
      try {
        const found = await pool.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
          SELECT id FROM events WHERE id = ${eventId}
        `);
        if (!found) return reply({ ok: false, error: { code: 'NOT_FOUND', message: `event ${eventId} was not found` } });
        // Join before reading: a change committed after the snapshot's read is then certain to
        // reach this socket; one committed before it may arrive too, and the versions discard it.
        await socket.join(eventRoom(eventId));
        const seats = await seatSnapshot(pool, eventId);
        reply({ ok: true, eventId, seats });
      } catch (error) {
        log.error({ err: error, eventId, socketId: socket.id }, 'event:join failed');
        reply({ ok: false, error: { code: 'INTERNAL', message: 'the seat map could not be loaded; try again' } });
      }
    });

    socket.on('event:leave', async (input, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const parsed = eventInput.safeParse(input);
      if (!parsed.success) return reply({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'eventId must be a UUID' } });
      await socket.leave(eventRoom(parsed.data.eventId));
      reply({ ok: true, eventId: parsed.data.eventId });
    });
  });

  return {
    io,
    async close() {
      untrack();
      await io.close();
      await Promise.all(
        [pubClient, subClient].map((client) =>
          client.quit().then(
            () => undefined,
            () => client.disconnect(),
          ),
        ),
      );
    },
  };
}
