import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { io, type Socket } from 'socket.io-client';
import { api, freshAccessToken, notifyUnauthorized } from './api';
import { currentToken } from './session';
import type { JoinAck, ReservationUpdate, Seat, SeatChange, SeatsChangedMessage } from './types';

/* ------------------------------------------------------------------ socket */

let socket: Socket | null = null;
let retryTimer: number | undefined;
let retryDelayMs = 1000;
/** A refused token was renewed once since the last connect (a second refusal logs out). */
let renewedForSocket = false;
const MAX_RETRY_DELAY_MS = 30_000;

/** The one shared socket; it authenticates with the current token on every (re)connect. */
export function getSocket(): Socket {
  if (socket) return socket;
  const created = io({
    // a token about to expire is renewed first (api.ts), so a reconnect does not fail on it
    auth: (cb) => {
      freshAccessToken().then((token) => cb(token ? { token } : {}), () => cb({}));
    },
  });
  // A rejection by the server's middleware is not retried by socket.io itself. A refused token is
  // renewed once and the socket reconnects; when it cannot be renewed the user is logged out
  // (api.ts; which reconnects anonymously). Anything else is retried with backoff.
  created.on('connect_error', (error: Error) => {
    if (created.active || retryTimer !== undefined) return;
    const refused = currentToken();
    if (error.message === 'invalid token' && refused) {
      if (renewedForSocket) {
        notifyUnauthorized(); // a fresh token was refused too
        return;
      }
      renewedForSocket = true;
      freshAccessToken({ rejected: refused }).then((token) => { if (token && !created.connected) created.connect(); }, () => {});
      return;
    }
    retryTimer = window.setTimeout(() => {
      retryTimer = undefined;
      if (!created.connected) created.connect();
    }, retryDelayMs);
    retryDelayMs = Math.min(retryDelayMs * 2, MAX_RETRY_DELAY_MS);
  });
  created.on('connect', () => {
    renewedForSocket = false;
    retryDelayMs = 1000;
  });
  socket = created;
  return created;
}

/** Called when the user logs in or out so the socket re-authenticates (and rooms are re-joined). */
export function reconnectSocket(): void {
  if (!socket) return;
  socket.disconnect();
  socket.connect();
}

/* ------------------------------------------------------- seat version store */

export type SeatIndex = ReadonlyMap<string, Seat>;

/** Takes a full snapshot, keeping any seat we already hold at a newer version. */
export function mergeSnapshot(current: SeatIndex, snapshot: readonly Seat[]): Map<string, Seat> {
  const next = new Map<string, Seat>();
  for (const seat of snapshot) {
    const known = current.get(seat.id);
    next.set(seat.id, known && known.version > seat.version ? { ...seat, state: known.state, version: known.version } : seat);
  }
  return next;
}

/** Applies each change only if it is newer than what we hold; idempotent and order-independent. */
export function applySeatChanges(current: SeatIndex, changes: readonly SeatChange[]): { seats: SeatIndex; unknown: SeatChange[] } {
  let next: Map<string, Seat> | null = null;
  const unknown: SeatChange[] = [];
  for (const change of changes) {
    const seat = (next ?? current).get(change.id);
    if (!seat) {
      unknown.push(change);
      continue;
    }
    if (change.version <= seat.version) continue;
    next ??= new Map(current);
    next.set(change.id, { ...seat, state: change.state, version: change.version });
  }
  return { seats: next ?? current, unknown };
}

export class SeatStore {
  private seats: SeatIndex = new Map();
  private hasSnapshot = false;
  /** Changes for seats not in any snapshot yet, newest version per seat. */
  private pending = new Map<string, SeatChange>();
  private listeners = new Set<() => void>();

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SeatIndex => this.seats;

  applySnapshot(snapshot: readonly Seat[]): void {
    let next: SeatIndex = mergeSnapshot(this.seats, snapshot);
    if (this.pending.size > 0) {
      next = applySeatChanges(next, [...this.pending.values()]).seats;
      this.pending.clear();
    }
    this.hasSnapshot = true;
    this.publish(next);
  }

  /** Returns true when a change named a seat we don't know, i.e. a fresh snapshot is needed. */
  applyChanges(changes: readonly SeatChange[]): boolean {
    const { seats, unknown } = applySeatChanges(this.seats, changes);
    for (const change of unknown) {
      const queued = this.pending.get(change.id);
      if (!queued || queued.version < change.version) this.pending.set(change.id, change);
    }
    this.publish(seats);
    return unknown.length > 0 && this.hasSnapshot;
  }

  private publish(next: SeatIndex): void {
    if (next === this.seats) return;
    this.seats = next;
    for (const listener of this.listeners) listener();
  }
}

/* -------------------------------------------------------------------- hooks */

export type LiveStatus = 'connecting' | 'live' | 'offline';

const JOIN_TIMEOUT_MS = 8000;

/**
 * Live seat states of one event: starts from `initialSeats` (e.g. the event REST response), joins the
 * event room for a versioned snapshot plus `seats:changed` deltas, re-joins on reconnect and refetches
 * the REST snapshot whenever a delta names a seat it does not know.
 */
export function useEventSeats(eventId: string, initialSeats?: readonly Seat[]) {
  const store = useMemo(() => new SeatStore(), [eventId]);
  const seats = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [status, setStatus] = useState<LiveStatus>('connecting');

  useEffect(() => {
    if (initialSeats) store.applySnapshot(initialSeats);
  }, [store, initialSeats]);

  const resync = useCallback(async () => {
    try {
      const snapshot = await api.getEventSeats(eventId);
      store.applySnapshot(snapshot.seats);
    } catch {
      // Keep what we have; the next push or reconnect brings a fresh snapshot.
    }
  }, [eventId, store]);

  useEffect(() => {
    const live = getSocket();
    let resyncing = false;
    const resyncOnce = () => {
      if (resyncing) return;
      resyncing = true;
      void resync().finally(() => {
        resyncing = false;
      });
    };
    const join = () => {
      live.timeout(JOIN_TIMEOUT_MS).emit('event:join', { eventId }, (err: Error | null, ack?: JoinAck) => {
        if (!err && ack?.ok) {
          store.applySnapshot(ack.seats);
          setStatus('live');
        } else {
          setStatus('offline');
          resyncOnce();
        }
      });
    };
    const onChanged = (message: SeatsChangedMessage) => {
      if (message.eventId !== eventId) return;
      if (store.applyChanges(message.seats)) resyncOnce();
    };
    const onDown = () => setStatus('offline');

    live.on('connect', join);
    live.on('disconnect', onDown);
    live.on('connect_error', onDown);
    live.on('seats:changed', onChanged);
    if (live.connected) join();

    return () => {
      live.off('connect', join);
      live.off('disconnect', onDown);
      live.off('connect_error', onDown);
      live.off('seats:changed', onChanged);
      if (live.connected) live.emit('event:leave', { eventId });
    };
  }, [eventId, store, resync]);

  return { seats, status, resync };
}

/**
 * Private `reservation:updated` pushes for the logged-in customer. `onReconnect` runs on every
 * (re)connection so callers can refetch anything they may have missed while not subscribed.
 */
export function useReservationUpdates(
  handler: (update: ReservationUpdate) => void,
  options: { enabled?: boolean; onReconnect?: () => void } = {},
): void {
  const { enabled = true } = options;
  const handlerRef = useRef(handler);
  const reconnectRef = useRef(options.onReconnect);
  useEffect(() => {
    handlerRef.current = handler;
    reconnectRef.current = options.onReconnect;
  });

  useEffect(() => {
    if (!enabled) return;
    const live = getSocket();
    const onUpdate = (update: ReservationUpdate) => handlerRef.current(update);
    const onConnect = () => reconnectRef.current?.();
    live.on('reservation:updated', onUpdate);
    live.on('connect', onConnect);
    return () => {
      live.off('reservation:updated', onUpdate);
      live.off('connect', onConnect);
    };
  }, [enabled]);
}
