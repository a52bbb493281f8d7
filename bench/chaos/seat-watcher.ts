/**
 * A live seat map as the web client keeps one (web/src/realtime.ts), for the chaos runs: a real
 * Socket.io client (websocket transport) connected to the gateway, joined to one event. On every
 * (re)connect it joins again and takes the snapshot from the ack; `seats:changed` deltas apply by
 * seat version (newer only), so duplicates and reordering do no harm. It records every message
 * (changeId), every snapshot with its versions, and when it was joined, for checkSeatStream.
 */
import { io, type Socket } from 'socket.io-client';
import type { JoinAck } from '../../src/realtime/gateway.ts';
import type { SeatsChangedMessage } from '../../src/realtime/relay.ts';

export interface SeatView { state: string; version: number }

export interface SeatWatcher {
  /** The client's current view: snapshot plus deltas, by seat id. */
  view(): ReadonlyMap<string, SeatView>;
  receivedChangeIds(): ReadonlySet<number>;
  /** Messages received, counting duplicates (at-least-once delivery). */
  messages(): number;
  duplicateMessages(): number;
  snapshots(): ReadonlyArray<{ at: number; versions: ReadonlyMap<string, number> }>;
  /** Whether the client was joined to the event (connected, snapshot taken) at `at` (ms since the epoch). */
  joinedAt(at: number): boolean;
  /** Connections after the first one, and the intervals it was not joined. */
  reconnects(): number;
  outages(): ReadonlyArray<{ from: number; to: number | null; reason: string }>;
  close(): void;
}

const JOIN_TIMEOUT_MS = 8000;

/** Connects and joins; resolves once the first snapshot is in. */
export async function watchSeats(url: string, eventId: string, log: (line: string) => void = () => {}): Promise<SeatWatcher> {
  const socket: Socket = io(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 500, reconnectionDelayMax: 3000 });
  const view = new Map<string, SeatView>();
  const received = new Set<number>();
  const snapshots: Array<{ at: number; versions: Map<string, number> }> = [];
  const outages: Array<{ from: number; to: number | null; reason: string }> = [];
  let messages = 0;
  let duplicates = 0;
  let connects = 0;
  let joined = false;
  let closed = false;
  let firstSnapshot: () => void;
  const ready = new Promise<void>((resolve) => (firstSnapshot = resolve));

  const down = (reason: string) => {
    if (joined || outages.length === 0 || outages.at(-1)!.to !== null) outages.push({ from: Date.now(), to: null, reason });
    joined = false;
  };
  const join = () => {
    socket.timeout(JOIN_TIMEOUT_MS).emit('event:join', { eventId }, (error: Error | null, ack?: JoinAck) => {
      if (closed) return;
      if (error || !ack?.ok) {
        log(`seat watcher: join failed (${error?.message ?? JSON.stringify(ack)}); retrying`);
        setTimeout(() => { if (socket.connected && !joined) join(); }, 1000);
        return;
      }
      const at = Date.now();
      const versions = new Map<string, number>();
      for (const seat of ack.seats) {
        versions.set(seat.id, seat.version);
        const known = view.get(seat.id);
        if (!known || known.version <= seat.version) view.set(seat.id, { state: seat.state, version: seat.version });
      }
      snapshots.push({ at, versions });
      if (outages.length > 0 && outages.at(-1)!.to === null) outages.at(-1)!.to = at;
      joined = true;
      firstSnapshot();
    });
  };
  socket.on('connect', () => {
    connects++;
    if (connects > 1) log(`seat watcher: reconnected (${connects - 1}); joining again for a snapshot`);
    join();
  });
  socket.on('disconnect', (reason) => {
    if (!closed) log(`seat watcher: disconnected (${reason})`);
    down(String(reason));
  });
  socket.on('connect_error', (error) => down(`connect_error: ${error.message}`));
  socket.on('seats:changed', (message: SeatsChangedMessage) => {
    if (message.eventId !== eventId) return;
    messages++;
    if (received.has(message.changeId)) duplicates++;
    received.add(message.changeId);
    for (const seat of message.seats) {
      const known = view.get(seat.id);
      if (!known || known.version < seat.version) view.set(seat.id, { state: seat.state, version: seat.version });
    }
  });

  await Promise.race([ready, new Promise((_, reject) => setTimeout(() => reject(new Error(`the seat watcher could not join event ${eventId} at ${url} within 30 s`)), 30_000))]);
  return {
    view: () => view,
    receivedChangeIds: () => received,
    messages: () => messages,
    duplicateMessages: () => duplicates,
    snapshots: () => snapshots,
    joinedAt: (at) => {
      if (snapshots.length === 0 || at < snapshots[0].at) return false;
      return !outages.some((o) => at >= o.from && (o.to === null || at < o.to));
    },
    reconnects: () => Math.max(0, connects - 1),
    outages: () => outages,
    close() {
      closed = true;
      socket.disconnect();
    },
  };
}
