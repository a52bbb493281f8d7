import { type CommonQueryMethods, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { sql } from './sql.ts';

/**
 * The transactional outbox. Seat and reservation changes write a row here inside the
 * transaction that made them; the relay (src/realtime/relay.ts) publishes rows after commit,
 * so a change is never published for a rolled-back transaction and never lost by a crash
 * between commit and publish.
 */
export type SeatChange = { id: string; sectionId: string; state: 'AVAILABLE' | 'HELD' | 'SOLD'; version: number };

export type ReservationUpdate = {
  reservationId: string;
  customerId: string;
  status: string;
  actor?: string | null;
  reason?: string | null;
  bookingReference?: string;
  /** A hold's new deadline, when it was extended. */
  holdExpiresAt?: string;
};

export async function seatsChanged(tx: CommonQueryMethods, eventId: string, seats: readonly SeatChange[]): Promise<void> {
  if (seats.length === 0) return;
  const payload = { eventId, seats: seats.map(({ id, sectionId, state, version }) => ({ id, sectionId, state, version })) };
  await tx.query(sql.typeAlias('void')`
    INSERT INTO outbox (topic, payload) VALUES ('seats.changed', ${sql.jsonb(payload)})
  `);
}

export async function reservationUpdated(tx: CommonQueryMethods, update: ReservationUpdate): Promise<void> {
  await tx.query(sql.typeAlias('void')`
    INSERT INTO outbox (topic, payload) VALUES ('reservation.updated', ${sql.jsonb(update)})
  `);
}

export const outboxRow = z.object({
  id: z.number().int(),
  topic: z.enum(['seats.changed', 'reservation.updated']),
  payload: z.record(z.string(), z.unknown()),
  committedAt: z.number(),
});
export type OutboxRow = z.infer<typeof outboxRow>;

/**
 * Publishes one batch of unpublished rows in id (insert) order, then marks them published.
 * Publishing happens outside any transaction; if it throws, nothing is marked and the rows
 * are sent again later: delivery is at least once, and clients apply changes idempotently
 * by seat version. Returns how many rows were published.
 */
export async function relayBatch(
  pool: DatabasePool,
  limit: number,
  publish: (rows: readonly OutboxRow[]) => Promise<void>,
): Promise<number> {
  const rows = await pool.any(sql.type(outboxRow)`
    SELECT id, topic, payload, committed_at AS "committedAt"
    FROM outbox WHERE published_at IS NULL
    ORDER BY id LIMIT ${limit}
  `);
  if (rows.length === 0) return 0;
  await publish(rows);
  await pool.query(sql.typeAlias('void')`
    UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY(${sql.array(rows.map((r) => r.id), 'int8')})
  `);
  return rows.length;
}
