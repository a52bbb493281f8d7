import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { sql } from '../db/sql.ts';
import { type ChargeRequest, declineMessage, PaymentAttemptClosedError, PaymentDeclinedError, type PaymentProvider, TransientPaymentError } from './provider.ts';

/** Test cards of the simulated provider (spaces are ignored). Any other 16-digit number succeeds. */
export const TEST_CARDS = {
  success: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  transientFailure: '4000000000000119',
  slow: '4000000000000259',
} as const;

type Behaviour = 'SUCCESS' | 'DECLINED' | 'INSUFFICIENT_FUNDS' | 'TRANSIENT_FAILURE' | 'SLOW' | 'INVALID_NUMBER';

const BEHAVIOUR_OF_CARD: Record<string, Behaviour> = {
  [TEST_CARDS.success]: 'SUCCESS',
  [TEST_CARDS.declined]: 'DECLINED',
  [TEST_CARDS.insufficientFunds]: 'INSUFFICIENT_FUNDS',
  [TEST_CARDS.transientFailure]: 'TRANSIENT_FAILURE',
  [TEST_CARDS.slow]: 'SLOW',
};

const DECLINES: Partial<Record<Behaviour, { code: string }>> = {
  DECLINED: { code: 'card_declined' },
  INSUFFICIENT_FUNDS: { code: 'insufficient_funds' },
  INVALID_NUMBER: { code: 'invalid_number' },
};
const UNKNOWN_TOKEN = { code: 'invalid_token' };
/** How many calls with the transient-failure card fail before one succeeds. */
const TRANSIENT_FAILURES = 2;

const chargeRow = z.object({ id: z.string(), status: z.enum(['SUCCEEDED', 'DECLINED', 'REFUNDED', 'VOIDED']), declineCode: z.string().nullable() });
const methodRow = z.object({ behaviour: z.enum(['SUCCESS', 'DECLINED', 'INSUFFICIENT_FUNDS', 'TRANSIENT_FAILURE', 'SLOW', 'INVALID_NUMBER']), last4: z.string() });

/**
 * A provider that behaves like a real one by test card number and records every payment
 * method, charge and refund in PostgreSQL (payment_methods, payment_charges,
 * payment_refunds), keyed by token and idempotency key. It keeps no card number: a token
 * stands for the behaviour of its test card and the card's last four digits.
 */
export function createSimulatedProvider(pool: DatabasePool, options: { slowMs: number }): PaymentProvider {
  async function record(request: ChargeRequest, last4: string, decline?: { code: string }) {
    return pool.one(sql.type(chargeRow)`
      WITH inserted AS (
        INSERT INTO payment_charges (id, reservation_id, idempotency_key, amount_cents, status, decline_code, card_last4)
        VALUES (${randomUUID()}, ${request.reservationId}, ${request.idempotencyKey}, ${request.amountCents},
                ${decline ? 'DECLINED' : 'SUCCEEDED'}, ${decline?.code ?? null}, ${last4})
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
    async tokenize(card) {
      const digits = card.number.replace(/[\s-]/g, '');
      const valid = /^\d{12,19}$/.test(digits);
      const behaviour: Behaviour = valid ? BEHAVIOUR_OF_CARD[digits] ?? 'SUCCESS' : 'INVALID_NUMBER';
      const last4 = valid ? digits.slice(-4) : '0000';
      const paymentToken = `pm_sim_${randomUUID()}`;
      await pool.query(sql.typeAlias('void')`
        INSERT INTO payment_methods (token, behaviour, card_last4) VALUES (${paymentToken}, ${behaviour}, ${last4})
      `);
      return { paymentToken, last4 };
    },

    async charge(request) {
      const earlier = await pool.maybeOne(sql.type(chargeRow)`
        SELECT id, status, decline_code AS "declineCode" FROM payment_charges WHERE idempotency_key = ${request.idempotencyKey}
      `);
      const outcome = earlier ?? (await decide(request));
      if (outcome.status === 'VOIDED') throw new PaymentAttemptClosedError(request.idempotencyKey);
      if (outcome.status === 'DECLINED') {
        const code = outcome.declineCode ?? 'card_declined';
        throw new PaymentDeclinedError(code, declineMessage(code));
      }
      return { chargeId: outcome.id };
    },
    async closeAttempt({ idempotencyKey, reservationId, amountCents }) {
      // the first record under a key wins: a charge that arrives after this finds VOIDED
      const outcome = await pool.one(sql.type(chargeRow)`
        WITH closed AS (
          INSERT INTO payment_charges (id, reservation_id, idempotency_key, amount_cents, status, card_last4)
          VALUES (${randomUUID()}, ${reservationId}, ${idempotencyKey}, ${Math.max(1, amountCents)}, 'VOIDED', '0000')
          ON CONFLICT (idempotency_key) DO NOTHING
          RETURNING id, status, decline_code AS "declineCode"
        )
        SELECT * FROM closed
        UNION ALL
        SELECT id, status, decline_code FROM payment_charges WHERE idempotency_key = ${idempotencyKey}
        LIMIT 1
      `);
      if (outcome.status === 'VOIDED') return { outcome: 'NOT_CHARGED' };
      if (outcome.status === 'DECLINED') return { outcome: 'DECLINED', declineCode: outcome.declineCode ?? 'card_declined' };
      return { outcome: 'CHARGED', chargeId: outcome.id };
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

  async function decide(request: ChargeRequest) {
    const method = await pool.maybeOne(sql.type(methodRow)`
      SELECT behaviour, card_last4 AS "last4" FROM payment_methods WHERE token = ${request.paymentToken}
    `);
    if (!method) return record(request, '0000', UNKNOWN_TOKEN);
    const decline = DECLINES[method.behaviour];
    if (decline) return record(request, method.last4, decline);
    if (method.behaviour === 'TRANSIENT_FAILURE') {
      const attempts = await pool.oneFirst(sql.type(z.object({ attempts: z.number() }))`
        INSERT INTO payment_attempts (idempotency_key, attempts) VALUES (${request.idempotencyKey}, 1)
        ON CONFLICT (idempotency_key) DO UPDATE SET attempts = payment_attempts.attempts + 1
        RETURNING attempts
      `);
      if (attempts <= TRANSIENT_FAILURES) throw new TransientPaymentError(`simulated provider outage (attempt ${attempts})`);
    }
    if (method.behaviour === 'SLOW') await sleep(options.slowMs);
    return record(request, method.last4);
  }
}
