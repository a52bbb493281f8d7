/**
 * The Stripe provider: PaymentMethods, PaymentIntents and refunds through the official `stripe`
 * SDK, with the reservation's idempotency key as Stripe's idempotency key.
 *
 * A charge is one request: create a PaymentIntent with `confirm: true` under our key. Before it
 * is sent, the provider writes its own record (table stripe_attempts) with every parameter of
 * that request. That record is what makes `closeAttempt` possible.
 *
 * closeAttempt: "say what became of the key, and make sure no later charge under it can take
 * money". Stripe stores the result of the first request made under an idempotency key and
 * answers every later request with the same key and the same parameters with that stored result
 * (and refuses different parameters). So the provider finds out by sending the identical request
 * again, built from the record:
 *  - the first request completed: Stripe replays its answer (the PaymentIntent, or the decline);
 *  - the first request never reached Stripe: this one is performed now, and its result is the
 *    truth about the key (charged or declined);
 *  - the first request is still in flight: Stripe answers 409, which is transient: asked again.
 * In every case the key now has a stored result, so a charge still on its way (a retry from a
 * process that was cut off) is answered with it and cannot take money a second time. When no
 * record exists, no request was ever sent: closeAttempt writes a closed record (no payment
 * method) in its place, and a charge that comes later finds it and sends nothing. The record's
 * primary key orders the two, as payment_charges does for the simulated provider.
 * A PaymentIntent already known is read back instead (GET: its state now, nothing sent), and one
 * left unfinished (3-D Secure required, which this server-side flow cannot complete) is
 * cancelled, so it can never be completed later.
 *
 * What remains a risk:
 *  - Stripe keeps idempotency keys for at least 24 hours. A record older than 23 hours is never
 *    sent again (a pruned key would charge anew): its PaymentIntent is looked up by listing the
 *    PaymentIntents created in its time range and matching `metadata.idempotencyKey`; none found
 *    means nothing was charged. A request sent in the last minutes of the window and still in
 *    flight when the lookup lists could be missed; requests time out after 15 s, so only a
 *    settlement that happens to start exactly 23 hours after a charge that is still in flight
 *    could be wrong.
 *  - Sending the request again performs a charge the crash prevented. If the engine was down for
 *    a long time, the hold's seats may be gone by then, and the engine refunds (money moves
 *    twice, correctly, instead of never).
 *  - If Stripe's stored answer to the first request is a 5xx error, it replays that error for
 *    24 hours: the provider then looks the PaymentIntent up by listing, as above.
 *  - The request is rebuilt by `send` from the record: a deploy that changes its parameters
 *    (say, a description) makes Stripe refuse the re-sent request of an attempt made before the
 *    deploy (a different request under a used key), and that attempt's settlement fails until
 *    someone looks. Change `send` only together with a way to rebuild the old request.
 *  - A changed STRIPE_SECRET_KEY (another account) cannot see the attempts of the old one.
 *
 * Card numbers: in a real deployment the browser tokenizes the card with Stripe.js and the engine
 * only ever sees a PaymentMethod id. `tokenize` exists for the API's test-card flow and works in
 * test mode only: Stripe's documented test cards become PaymentMethods made from Stripe's test
 * tokens (tok_visa, tok_visa_chargeDeclined, ...), so no card number is sent at all; other numbers
 * are sent as card details, which Stripe accepts only on accounts allowed to send raw card data.
 * With a live key it refuses to send card numbers.
 */
import Stripe from 'stripe';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { sql } from '../db/sql.ts';
import {
  type AttemptOutcome, type ChargeRequest, declineMessage, PaymentAttemptClosedError, PaymentDeclinedError, type PaymentProvider, TransientPaymentError, CardNumbersRefusedError,
} from './provider.ts';

export interface StripeSettings {
  /** sk_live_..., sk_test_... or a restricted rk_... key. */
  secretKey: string;
  /** Another API address (stripe-mock), e.g. http://127.0.0.1:12111; default Stripe's own. */
  apiBase?: string;
}

/** A payment's local activity has 60 s in all (workflows/reservation.ts): a request may take 15, and is retried once. */
const REQUEST_TIMEOUT_MS = 15_000;
/** Stripe keeps idempotency keys for at least 24 hours; we re-send only well inside that. */
const REPLAY_WINDOW_HOURS = 23;
/** Where a PaymentIntent under a key can have been created, around its record's time (clock skew, late retries). */
const LISTING_MARGIN_SECONDS = 600;

export function createStripeClient({ secretKey, apiBase }: StripeSettings): Stripe {
  const base = apiBase ? new URL(apiBase) : undefined;
  return new Stripe(secretKey, {
    maxNetworkRetries: 1,
    timeout: REQUEST_TIMEOUT_MS,
    appInfo: { name: 'booking-engine' },
    ...(base
      ? { host: base.hostname, port: base.port || (base.protocol === 'https:' ? 443 : 80), protocol: base.protocol === 'https:' ? 'https' : 'http' }
      : {}),
  });
}

/** Stripe's documented test cards, and the test token each stands for (no card number is sent for them). */
export const STRIPE_TEST_CARD_TOKENS: Record<string, string> = {
  '4242424242424242': 'tok_visa',
  '4000056655665556': 'tok_visa_debit',
  '5555555555554444': 'tok_mastercard',
  '378282246310005': 'tok_amex',
  '4000000000000002': 'tok_visa_chargeDeclined',
  '4000000000009995': 'tok_visa_chargeDeclinedInsufficientFunds',
  '4000000000009987': 'tok_visa_chargeDeclinedLostCard',
  '4000000000009979': 'tok_visa_chargeDeclinedStolenCard',
  '4000000000000069': 'tok_visa_chargeDeclinedExpiredCard',
  '4000000000000127': 'tok_visa_chargeDeclinedIncorrectCvc',
  '4000000000000119': 'tok_visa_chargeDeclinedProcessingError',
  '4100000000000019': 'tok_visa_chargeDeclinedFraudulent',
  '4000000000003220': 'tok_threeDSecure2Required',
};

/** What Stripe's refusal of a request means for the payment. */
export type StripeRefusal =
  /** The card or the request was refused: nothing was charged under this request. */
  | { kind: 'DECLINED'; declineCode: string; message: string; paymentIntentId?: string }
  /** Worth asking again with the same key: network, timeout, rate limit, a request in flight (409), a 5xx. */
  | { kind: 'TRANSIENT'; message: string }
  /** Stripe replayed its stored answer to the first request, which was an error of its own: that request is over, its outcome unknown. */
  | { kind: 'REPLAYED_FAILURE'; message: string }
  /** Not about the payment: a wrong key, missing permissions, a request that differs from the first under its key (a bug). */
  | { kind: 'FATAL' };

/** Classifies an error thrown by the SDK for a request that would create a charge or a PaymentMethod. */
export function classifyStripeError(error: unknown): StripeRefusal {
  if (error instanceof Stripe.errors.StripeCardError) {
    return { kind: 'DECLINED', declineCode: error.decline_code || error.code || 'card_declined', message: error.message, paymentIntentId: error.payment_intent?.id };
  }
  // a different request under a used key: our record should make that impossible, so it is a bug
  if (error instanceof Stripe.errors.StripeIdempotencyError) return { kind: 'FATAL' };
  if (error instanceof Stripe.errors.StripeRateLimitError || error instanceof Stripe.errors.StripeConnectionError) {
    return { kind: 'TRANSIENT', message: `Stripe: ${error.message}` };
  }
  if (error instanceof Stripe.errors.StripeAPIError) {
    const replayed = error.headers?.['idempotent-replayed'] === 'true';
    return replayed && (error.statusCode ?? 500) >= 500
      ? { kind: 'REPLAYED_FAILURE', message: `Stripe: ${error.message}` }
      : { kind: 'TRANSIENT', message: `Stripe: ${error.message}` };
  }
  // Stripe refused the request itself (an unknown payment method, an amount it does not take):
  // no money moved, and sending it again gets the same answer
  if (error instanceof Stripe.errors.StripeInvalidRequestError) {
    return { kind: 'DECLINED', declineCode: error.code || 'invalid_request', message: error.message };
  }
  return { kind: 'FATAL' };
}

/** An error of a request that moves no money (read, list, cancel, refund): transient, or as it is. */
function transientOr(error: unknown): unknown {
  const refusal = classifyStripeError(error);
  return refusal.kind === 'TRANSIENT' || refusal.kind === 'REPLAYED_FAILURE' ? new TransientPaymentError(refusal.message) : error;
}

const attemptRow = z.object({
  idempotencyKey: z.string(),
  reservationId: z.string(),
  paymentMethod: z.string().nullable(),
  amountCents: z.number(),
  currency: z.string(),
  paymentIntentId: z.string().nullable(),
  refundId: z.string().nullable(),
  /** Seconds since the epoch. */
  createdAt: z.number(),
  /** Young enough for Stripe to still hold the key: the request may be sent again. */
  replayable: z.boolean(),
});
type Attempt = z.infer<typeof attemptRow>;

const attemptColumns = sql.fragment`
  idempotency_key AS "idempotencyKey", reservation_id AS "reservationId", payment_method AS "paymentMethod",
  amount_cents AS "amountCents", currency, payment_intent_id AS "paymentIntentId", refund_id AS "refundId",
  extract(epoch FROM created_at)::float8 AS "createdAt",
  created_at > now() - make_interval(hours => ${REPLAY_WINDOW_HOURS}) AS replayable
`;

/** Statuses after which a PaymentIntent never moves money again (for our purposes). */
const FINAL = new Set<Stripe.PaymentIntent.Status>(['succeeded', 'canceled']);

export function createStripeProvider(pool: DatabasePool, options: { stripe: Stripe; currency: string; testMode: boolean }): PaymentProvider {
  const { stripe, currency, testMode } = options;

  /** The record of the key: the one written first (a charge's, or a closed one), whoever writes second. */
  async function record(row: { idempotencyKey: string; reservationId: string; paymentMethod: string | null; amountCents: number }): Promise<Attempt> {
    // DO UPDATE (of nothing) rather than DO NOTHING: it returns the row that won, even one
    // committed by another transaction after this statement began
    return pool.one(sql.type(attemptRow)`
      INSERT INTO stripe_attempts (idempotency_key, reservation_id, payment_method, amount_cents, currency)
      VALUES (${row.idempotencyKey}, ${row.reservationId}, ${row.paymentMethod}, ${row.amountCents}, ${currency})
      ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
      RETURNING ${attemptColumns}
    `);
  }

  async function remember(idempotencyKey: string, paymentIntentId: string): Promise<void> {
    await pool.query(sql.typeAlias('void')`
      UPDATE stripe_attempts SET payment_intent_id = ${paymentIntentId}
      WHERE idempotency_key = ${idempotencyKey} AND payment_intent_id IS NULL
    `);
  }

  /** The request of the attempt, the same every time it is sent: built from the record alone. */
  function send(attempt: Attempt & { paymentMethod: string }) {
    return stripe.paymentIntents.create({
      amount: attempt.amountCents,
      currency: attempt.currency,
      payment_method: attempt.paymentMethod,
      // no payment method that redirects the customer (this flow has no page to return to)
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      confirm: true,
      // this flow cannot take the customer through 3-D Secure: such a card is declined instead
      error_on_requires_action: true,
      metadata: { reservationId: attempt.reservationId, idempotencyKey: attempt.idempotencyKey },
    }, { idempotencyKey: attempt.idempotencyKey });
  }

  async function retrieve(paymentIntentId: string): Promise<Stripe.PaymentIntent> {
    try {
      return await stripe.paymentIntents.retrieve(paymentIntentId);
    } catch (error) {
      throw transientOr(error);
    }
  }

  /** An unfinished PaymentIntent is cancelled, so nobody can complete it later; answers its state afterwards. */
  async function cancel(intent: Stripe.PaymentIntent, idempotencyKey: string): Promise<Stripe.PaymentIntent> {
    try {
      return await stripe.paymentIntents.cancel(intent.id, {}, { idempotencyKey: `cancel:${idempotencyKey}` });
    } catch (error) {
      // it moved on meanwhile (succeeded, or already cancelled): its state now is the answer
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'payment_intent_unexpected_state') return retrieve(intent.id);
      throw transientOr(error);
    }
  }

  /** The PaymentIntent made under the key, looked up without sending anything (the key may be gone at Stripe). */
  async function findListed(attempt: Attempt): Promise<Stripe.PaymentIntent | undefined> {
    const created = {
      gte: Math.floor(attempt.createdAt) - LISTING_MARGIN_SECONDS,
      lte: Math.ceil(attempt.createdAt) + 24 * 3600 + LISTING_MARGIN_SECONDS,
    };
    try {
      for await (const intent of stripe.paymentIntents.list({ created, limit: 100 })) {
        if (intent.metadata?.idempotencyKey === attempt.idempotencyKey) return intent;
      }
      return undefined;
    } catch (error) {
      throw transientOr(error);
    }
  }

  /** What the PaymentIntent of the key says, once it cannot move money any more. */
  async function outcomeOf(attempt: Attempt, answered: Stripe.PaymentIntent): Promise<AttemptOutcome> {
    await remember(attempt.idempotencyKey, answered.id);
    // a replayed answer is the state at the first request: read the state now unless it was final
    let intent = FINAL.has(answered.status) ? answered : await retrieve(answered.id);
    const wanted = intent.status === 'requires_action' ? 'authentication_required' : 'card_declined';
    if (!FINAL.has(intent.status) && intent.status !== 'processing') intent = await cancel(intent, attempt.idempotencyKey);
    if (intent.status === 'succeeded') return { outcome: 'CHARGED', chargeId: intent.id };
    if (intent.status === 'processing') throw new TransientPaymentError(`the PaymentIntent ${intent.id} is still processing`);
    const error = intent.last_payment_error;
    return { outcome: 'DECLINED', declineCode: error?.decline_code || error?.code || wanted };
  }

  /** What became of the request under the attempt's key: read, sent again (Stripe replays), or looked up. */
  async function learn(attempt: Attempt & { paymentMethod: string }): Promise<AttemptOutcome & { message?: string }> {
    if (attempt.paymentIntentId) return outcomeOf(attempt, await retrieve(attempt.paymentIntentId));
    if (attempt.replayable) {
      let answered: Stripe.PaymentIntent | undefined;
      try {
        answered = await send(attempt);
      } catch (error) {
        const refusal = classifyStripeError(error);
        if (refusal.kind === 'TRANSIENT') throw new TransientPaymentError(refusal.message);
        if (refusal.kind === 'FATAL') throw error;
        if (refusal.kind === 'DECLINED') {
          if (refusal.paymentIntentId) await remember(attempt.idempotencyKey, refusal.paymentIntentId);
          return { outcome: 'DECLINED', declineCode: refusal.declineCode, message: refusal.message };
        }
        // REPLAYED_FAILURE: the first request is over; what it created, if anything, is listed below
      }
      if (answered) return outcomeOf(attempt, answered);
    }
    const listed = await findListed(attempt);
    return listed ? outcomeOf(attempt, listed) : { outcome: 'NOT_CHARGED' };
  }

  const sent = (attempt: Attempt): attempt is Attempt & { paymentMethod: string } => attempt.paymentMethod !== null;

  return {
    async tokenize(card) {
      if (!testMode) {
        throw new CardNumbersRefusedError();
      }
      const digits = card.number.replace(/[\s-]/g, '');
      const token = STRIPE_TEST_CARD_TOKENS[digits];
      try {
        const method = await stripe.paymentMethods.create({
          type: 'card',
          // test cards take any future expiry and any security code
          card: token ? { token } : {
            number: digits,
            exp_month: card.expMonth ?? 12,
            exp_year: card.expYear ?? new Date().getUTCFullYear() + 5,
            ...(card.cvc ? { cvc: card.cvc } : {}),
          },
        });
        return { paymentToken: method.id, last4: method.card?.last4 ?? digits.slice(-4) };
      } catch (error) {
        const refusal = classifyStripeError(error);
        if (refusal.kind === 'DECLINED') throw new PaymentDeclinedError(refusal.declineCode, refusal.message);
        if (refusal.kind === 'FATAL') throw error;
        throw new TransientPaymentError(refusal.message);
      }
    },

    async charge(request: ChargeRequest) {
      const attempt = await record({ ...request, paymentMethod: request.paymentToken });
      // closed before this charge came: nothing was ever sent under the key, and nothing will be
      if (!sent(attempt)) throw new PaymentAttemptClosedError(request.idempotencyKey);
      const outcome = await learn(attempt);
      if (outcome.outcome === 'CHARGED') return { chargeId: outcome.chargeId };
      if (outcome.outcome === 'DECLINED') throw new PaymentDeclinedError(outcome.declineCode, outcome.message ?? declineMessage(outcome.declineCode));
      throw new PaymentAttemptClosedError(request.idempotencyKey);
    },

    async closeAttempt({ idempotencyKey, reservationId, amountCents }) {
      const attempt = await record({ idempotencyKey, reservationId, paymentMethod: null, amountCents: Math.max(1, amountCents) });
      if (!sent(attempt)) return { outcome: 'NOT_CHARGED' };
      const { message: _stripeMessage, ...outcome } = await learn(attempt);
      return outcome;
    },

    async refund({ idempotencyKey, reason }) {
      const attempt = await pool.maybeOne(sql.type(attemptRow)`SELECT ${attemptColumns} FROM stripe_attempts WHERE idempotency_key = ${idempotencyKey}`);
      // a charge is known by its PaymentIntent: every outcome CHARGED was recorded with it first
      if (!attempt?.paymentIntentId) return { refunded: false };
      if (attempt.refundId) return { refunded: true };
      const intent = await retrieve(attempt.paymentIntentId);
      if (intent.status !== 'succeeded') return { refunded: false };
      try {
        const refund = await stripe.refunds.create(
          { payment_intent: intent.id, metadata: { idempotencyKey, reason: reason.slice(0, 500) } },
          { idempotencyKey: `refund:${idempotencyKey}` },
        );
        if (refund.status === 'failed' || refund.status === 'canceled') throw new Error(`Stripe refund ${refund.id} of ${intent.id} is ${refund.status}`);
        await pool.query(sql.typeAlias('void')`
          UPDATE stripe_attempts SET refund_id = ${refund.id} WHERE idempotency_key = ${idempotencyKey} AND refund_id IS NULL
        `);
        return { refunded: true };
      } catch (error) {
        // refunded already (a refund made after Stripe forgot our refund key)
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'charge_already_refunded') return { refunded: true };
        throw transientOr(error);
      }
    },
  };
}
