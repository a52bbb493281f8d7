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
}

export interface PaymentProvider {
  /** Swaps card details for a payment-method token (a real provider does this in the browser). */
  tokenize(card: CardDetails): Promise<{ paymentToken: string; last4: string }>;
  /** Charges once per idempotency key; throws PaymentDeclinedError for a declined card. */
  charge(request: ChargeRequest): Promise<{ chargeId: string }>;
  /** Refunds the successful charge made under the key, if there is one. */
  refund(request: { idempotencyKey: string; reason: string }): Promise<{ refunded: boolean }>;
}

export class PaymentDeclinedError extends Error {
  readonly declineCode: string;
  constructor(declineCode: string, message: string) {
    super(message);
    this.declineCode = declineCode;
    this.name = 'PaymentDeclinedError';
  }
}

/** A failure worth retrying (network, provider overload): the same key is sent again. */
export class TransientPaymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientPaymentError';
  }
}
