/**
 * What the engine needs from a payment provider. Every call carries an idempotency key
 * derived from the reservation, so a retried call never charges or refunds twice.
 */
export interface ChargeRequest {
  reservationId: string;
  amountCents: number;
  /** A payment-method token from `tokenize`: card numbers never travel further than that. */
  paymentToken: string;
  idempotencyKey: string;
}

/** What a customer types at checkout. Only the provider sees it; the engine keeps a token. */
export interface CardDetails {
  number: string;
  expMonth?: number;
  expYear?: number;
  cvc?: string;
}

export interface PaymentProvider {
  /** Swaps card details for a payment-method token (a real provider does this in the browser). */
  tokenize(card: CardDetails): Promise<{ paymentToken: string; last4: string }>;
  /** Charges once per idempotency key; throws PaymentDeclinedError for a declined card. */
  charge(request: ChargeRequest): Promise<{ chargeId: string }>;
  /**
   * Ends the attempt made under this key and says what became of it: charged, declined, or
   * never charged. Afterwards no charge under the key can take money (a charge still on its
   * way is refused), so the engine can settle the attempt on this answer after a crash.
   */
  closeAttempt(request: { idempotencyKey: string; reservationId: string; amountCents: number }): Promise<AttemptOutcome>;
  /** Refunds the successful charge made under the key, if there is one. */
  refund(request: { idempotencyKey: string; reason: string }): Promise<{ refunded: boolean }>;
}

export type AttemptOutcome =
  | { outcome: 'CHARGED'; chargeId: string }
  | { outcome: 'DECLINED'; declineCode: string }
  | { outcome: 'NOT_CHARGED' };

/** What a customer reads for a provider's decline code. */
const DECLINE_MESSAGES: Record<string, string> = {
  card_declined: 'The card was declined.',
  insufficient_funds: 'The card has insufficient funds.',
  invalid_number: 'The card number is not valid.',
  invalid_token: 'The payment method is not known to the provider.',
  // Stripe's decline codes (https://docs.stripe.com/declines/codes) that its test cards produce
  incorrect_number: 'The card number is not valid.',
  expired_card: 'The card has expired.',
  incorrect_cvc: 'The card\'s security code is not correct.',
  lost_card: 'The card was declined.',
  stolen_card: 'The card was declined.',
  fraudulent: 'The card was declined.',
  generic_decline: 'The card was declined.',
  processing_error: 'The card could not be processed; try again.',
  authentication_required: 'The card needs an authentication this checkout cannot do; try another card.',
  resource_missing: 'The payment method is not known to the provider.',
};
export const declineMessage = (code: string) => DECLINE_MESSAGES[code] ?? 'The card was declined.';

/** This provider takes no card numbers (live mode): the browser makes the payment method with the provider's script. */
export class CardNumbersRefusedError extends Error {
  constructor(message = 'this deployment does not take card numbers: send paymentMethodId, made in the browser with the payment provider\'s script (Stripe.js)') {
    super(message);
    this.name = 'CardNumbersRefusedError';
  }
}

export class PaymentDeclinedError extends Error {
  readonly declineCode: string;
  constructor(declineCode: string, message: string) {
    super(message);
    this.declineCode = declineCode;
    this.name = 'PaymentDeclinedError';
  }
}

/** The attempt under this key was closed before the charge reached the provider: nothing was taken. */
export class PaymentAttemptClosedError extends Error {
  constructor(idempotencyKey: string) {
    super(`the payment attempt ${idempotencyKey} was closed before it was charged`);
    this.name = 'PaymentAttemptClosedError';
  }
}

/** A failure worth retrying (network, provider overload): the same key is sent again. */
export class TransientPaymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientPaymentError';
  }
}
