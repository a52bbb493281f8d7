import { setTimeout as delay } from 'node:timers/promises';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { releaseReservation } from '../db/reservations.ts';
import { sql } from '../db/sql.ts';
import type { Logger } from '../logger.ts';

/**
 * The secondary path of invariant 3, for holds whose workflow was never started or was lost.
 * Their seats are claimable anyway once their own deadline passes (passive expiry); this
 * sweep also ends the reservation and releases the seats with a versioned change, so watching
 * seat maps and the customer learn of it. A reservation with a payment attempt still open is
 * left to the reconciler: money may have moved, and only its settlement may end it. The workflow timer stays the primary path: a hold
 * is swept only a margin after its seats' deadline, when its workflow should long have ended it.
 */
export async function sweepLostHolds(pool: DatabasePool, marginSeconds: number, limit = 100): Promise<number> {
  const lost = await pool.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT r.id FROM reservations r
    WHERE r.status IN ('HELD', 'PAYING') AND r.hold_expires_at < now() - make_interval(secs => ${marginSeconds})
      AND NOT EXISTS (SELECT 1 FROM seats s WHERE s.reservation_id = r.id AND s.state = 'HELD' AND s.hold_expires_at >= now())
      -- an open payment attempt is settled by its workflow (nudged by the reconciler), never swept
      AND NOT EXISTS (SELECT 1 FROM payment_intents p WHERE p.reservation_id = r.id AND p.status IN ('PENDING', 'REFUNDING'))
    ORDER BY r.hold_expires_at
    LIMIT ${limit}
  `);
  for (const reservationId of lost) {
    await releaseReservation(pool, { reservationId, outcome: 'EXPIRED', actor: 'sweeper', reason: 'the hold passed its deadline without its workflow ending it' });
  }
  return lost.length;
}

export function startLostHoldSweeper(options: { pool: DatabasePool; log: Logger; intervalMs: number; marginSeconds: number }) {
  const log = options.log.child({ component: 'lost-hold-sweeper' });
  const stopping = new AbortController();
  const running = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const swept = await sweepLostHolds(options.pool, options.marginSeconds);
        if (swept > 0) log.warn({ swept }, 'ended holds whose workflow did not');
      } catch (error) {
        log.error({ err: error }, 'lost-hold sweep failed; retrying');
      }
      await delay(options.intervalMs, undefined, { signal: stopping.signal }).catch(() => {});
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
