import Stripe from 'stripe';
import { classifyStripeError } from '../../src/payments/stripe.ts';

/**
 * How the Stripe provider reads Stripe's refusals. stripe-mock never answers with a decline, a
 * rate limit or a replayed error, so these are the SDK's own error objects, built the way the SDK
 * builds them from an HTTP answer (`StripeError.generate` picks the class from the status).
 */
const answer = (raw: Record<string, unknown>) => Stripe.errors.StripeError.generate(raw as never);

describe('Stripe errors, as the provider reads them', () => {
  test('a card error is a decline with Stripe\'s decline code, or its error code when the issuer gave none', () => {
    const declined = answer({
      statusCode: 402, type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.',
      payment_intent: { id: 'pi_123', object: 'payment_intent', status: 'requires_payment_method' },
    });
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(classifyStripeError(declined)).toEqual({ kind: 'DECLINED', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.', paymentIntentId: 'pi_123' });
    expect(classifyStripeError(answer({ statusCode: 402, type: 'card_error', code: 'incorrect_cvc', message: 'Your card\'s security code is incorrect.' })))
      .toMatchObject({ kind: 'DECLINED', declineCode: 'incorrect_cvc' });
    expect(classifyStripeError(answer({ statusCode: 402, type: 'card_error', code: 'authentication_required', decline_code: 'authentication_required', message: '3DS' })))
      .toMatchObject({ kind: 'DECLINED', declineCode: 'authentication_required' });
  });

  test('a request Stripe refuses (an unknown payment method, an amount it does not take) is a decline: no money moved', () => {
    expect(classifyStripeError(answer({ statusCode: 400, type: 'invalid_request_error', code: 'resource_missing', param: 'payment_method', message: 'No such PaymentMethod' })))
      .toEqual({ kind: 'DECLINED', declineCode: 'resource_missing', message: 'No such PaymentMethod', paymentIntentId: undefined });
    expect(classifyStripeError(answer({ statusCode: 400, type: 'invalid_request_error', code: 'amount_too_small', message: 'Amount must be at least €0.50 eur' })))
      .toMatchObject({ kind: 'DECLINED', declineCode: 'amount_too_small' });
  });

  test('network failures, timeouts, rate limits, a request still in flight under the key (409) and 5xx answers are transient', () => {
    const transient = [
      new Stripe.errors.StripeConnectionError({ message: 'An error occurred with our connection to Stripe. Request was retried 1 times.' }),
      new Stripe.errors.StripeConnectionError({ message: 'Request aborted due to timeout being reached (15000ms)' }),
      answer({ statusCode: 429, type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests' }),
      answer({ statusCode: 400, type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests' }),
      answer({ statusCode: 409, type: 'idempotency_error', code: 'idempotency_key_in_use', message: 'There is currently another in-progress request using this Idempotent Key' }),
      answer({ statusCode: 500, type: 'api_error', message: 'An unknown error occurred', headers: {} }),
      answer({ statusCode: 503, type: 'api_error', message: 'Service unavailable' }),
    ];
    for (const error of transient) expect(classifyStripeError(error)).toMatchObject({ kind: 'TRANSIENT', message: expect.stringMatching(/^Stripe: /) });
  });

  test('a 5xx that Stripe replays as the stored answer of the key\'s first request is over, with an unknown outcome', () => {
    const replayed = answer({ statusCode: 500, type: 'api_error', message: 'An unknown error occurred', headers: { 'idempotent-replayed': 'true' } });
    expect(classifyStripeError(replayed)).toEqual({ kind: 'REPLAYED_FAILURE', message: 'Stripe: An unknown error occurred' });
  });

  test('a wrong key, missing permissions, or a different request under a used key are not about the payment: raised as they are', () => {
    const fatal = [
      answer({ statusCode: 401, type: 'invalid_request_error', message: 'Invalid API Key provided: sk_live_****' }),
      answer({ statusCode: 403, type: 'invalid_request_error', message: 'The provided key does not have access' }),
      answer({ statusCode: 400, type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' }),
      new Error('something else'),
      'not even an error',
    ];
    expect(fatal[2]).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    for (const error of fatal) expect(classifyStripeError(error)).toEqual({ kind: 'FATAL' });
  });
});
