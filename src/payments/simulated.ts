import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { sql } from '../db/sql.ts';
import { type ChargeRequest, PaymentDeclinedError, type PaymentProvider, TransientPaymentError } from './provider.ts';

/** Test cards of the simulated provider (spaces are ignored). Any other 16-digit number succeeds. */
export const TEST_CARDS = {
  success: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  transientFailure: '4000000000000119',
  slow: '4000000000000259',
} as const;

const DECLINES: Record<string, { code: string; message: string }> = {
  [TEST_CARDS.declined]: { code: 'card_declined', message: 'The card was declined.' },
  [TEST_CARDS.insufficientFunds]: { code: 'insufficient_funds', message: 'The card has insufficient funds.' },
};
/** How many calls with the transient-failure card fail before one succeeds. */
const TRANSIENT_FAILURES = 2;

const chargeRow = z.object({ id: z.string(), status: z.enum(['SUCCEEDED', 'DECLINED', 'REFUNDED']), declineCode: z.string().nullable() });

/**
 * A provider that behaves like a real one by test card number and records every charge and
 * refund in PostgreSQL (payment_charges, payment_refunds), keyed by idempotency key.
 */
export function createSimulatedProvider(pool: DatabasePool, options: { slowMs: number }): PaymentProvider {
  async function record(request: ChargeRequest, card: string, decline?: { code: string }) {
    return pool.one(sql.type(chargeRow)`
      WITH inserted AS (
        INSERT INTO payment_charges (id, reservation_id, idempotency_key, amount_cents, status, decline_code, card_last4)
        VALUES (${randomUUID()}, ${request.reservationId}, ${request.idempotencyKey}, ${request.amountCents},
                ${decline ? 'DECLINED' : 'SUCCEEDED'}, ${decline?.code ?? null}, ${card.slice(-4)})
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id, status, decline_code AS "declineCode"
      )
      SELECT * FROM inserted
      UNION ALL
      SELECT id, status, decline_code FROM payment_charges WHERE idempotency_key = ${request.idempotencyKey}
      LIMIT 1
    `);
  }

  return {
    async charge(request) {
      const card = request.paymentToken.replace(/[\s-]/g, '');
      const earlier = await pool.maybeOne(sql.type(chargeRow)`
        SELECT id, status, decline_code AS "declineCode" FROM payment_charges WHERE idempotency_key = ${request.idempotencyKey}
      `);
      const outcome = earlier ?? (await decide(request, card));
      if (outcome.status === 'DECLINED') {
        const decline = Object.values(DECLINES).find((d) => d.code === outcome.declineCode);
        throw new PaymentDeclinedError(outcome.declineCode ?? 'card_declined', decline?.message ?? 'The card was declined.');
      }
      return { chargeId: outcome.id };
    },

    async refund({ idempotencyKey, reason }) {
      return pool.transaction(async (tx) => {
        const charge = await tx.maybeOne(sql.type(z.object({ id: z.string(), amountCents: z.number() }))`
          SELECT id, amount_cents AS "amountCents" FROM payment_charges
          WHERE idempotency_key = ${idempotencyKey} AND status IN ('SUCCEEDED', 'REFUNDED')
          FOR UPDATE
        `);
        if (!charge) return { refunded: false };
        await tx.query(sql.typeAlias('void')`
          INSERT INTO payment_refunds (id, charge_id, idempotency_key, amount_cents, reason)
          VALUES (${randomUUID()}, ${charge.id}, ${`refund:${idempotencyKey}`}, ${charge.amountCents}, ${reason})
          ON CONFLICT (charge_id) DO NOTHING
        `);
        await tx.query(sql.typeAlias('void')`
          UPDATE payment_charges SET status = 'REFUNDED', updated_at = now() WHERE id = ${charge.id}
        `);
        return { refunded: true };
      });
    },
  };

  async function decide(request: ChargeRequest, card: string) {
    if (!/^\d{12,19}$/.test(card)) {
      return record(request, '0000', { code: 'invalid_number' });
    }
    const decline = DECLINES[card];
    if (decline) return record(request, card, decline);
    if (card === TEST_CARDS.transientFailure) {
      const attempts = await pool.oneFirst(sql.type(z.object({ attempts: z.number() }))`
        INSERT INTO payment_attempts (idempotency_key, attempts) VALUES (${request.idempotencyKey}, 1)
        ON CONFLICT (idempotency_key) DO UPDATE SET attempts = payment_attempts.attempts + 1
        RETURNING attempts
      `);
      if (attempts <= TRANSIENT_FAILURES) throw new TransientPaymentError(`simulated provider outage (attempt ${attempts})`);
    }
    if (card === TEST_CARDS.slow) await sleep(options.slowMs);
    return record(request, card);
  }
}
