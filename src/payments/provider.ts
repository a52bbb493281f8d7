/**
 * What the engine needs from a payment provider. Every call carries an idempotency key
 * derived from the reservation, so a retried call never charges or refunds twice.
 */
export interface ChargeRequest {
  reservationId: string;
  amountCents: number;
  /** A payment-method token (the simulated provider takes test card numbers). */
  paymentToken: string;
  idempotencyKey: string;
}

export interface PaymentProvider {
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
