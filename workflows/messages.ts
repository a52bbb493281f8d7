import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * The reservation workflow's messages, shared by the workflow and the API.
 * - checkout (Update): the caller needs the answer (booking, or why not).
 * - cancel (Signal): fire-and-forget, from the customer, support, the CLI or the Temporal UI:
 *   temporal workflow signal --workflow-id reservation-<id> --name cancel \
 *     --input '{"actor":"support:ana","reason":"customer called"}'
 * - extend (Update): more time on a live hold, within the limits the hold was created with.
 * - status (Query): the live state.
 */
export type ReservationState = 'HELD' | 'PAYING' | 'CONFIRMED' | 'EXPIRED' | 'CANCELLED' | 'FAILED';
export const TERMINAL_STATES: readonly ReservationState[] = ['CONFIRMED', 'EXPIRED', 'CANCELLED', 'FAILED'];

export interface ReservationInput {
  reservationId: string;
  eventId: string;
  customerId: string;
  seatCount: number;
  amountCents: number;
  /** ISO time at which the hold ends unless it is paid (or extended). */
  holdExpiresAt: string;
  /** How a customer may extend the hold (from config when it was created); absent: never. */
  extensions?: { maxCount: number; maxSeconds: number };
  /** Extra life of the seat rows past the deadline (passive expiry), kept when extending. */
  passiveGraceSeconds?: number;
}

export interface ExtendRequest {
  /** Seconds to add to the current deadline, at most `extensions.maxSeconds`. */
  seconds: number;
}

export interface CheckoutRequest {
  /** A payment-method token; the simulated provider accepts test card numbers. */
  paymentToken: string;
}

export interface BookingSummary {
  id: string;
  reference: string;
  amountCents: number;
}

export interface CancelRequest {
  actor: string;
  reason: string;
}

export interface ReservationSnapshot {
  reservationId: string;
  state: ReservationState;
  holdExpiresAt: string;
  chargeInFlight: boolean;
  booking: BookingSummary | null;
  cancel: CancelRequest | null;
  declinedAttempts: number;
  extensionsUsed: number;
}

/** Business failure types the workflow raises; the API maps each to an error code. */
export const FailureTypes = {
  PaymentDeclined: 'PaymentDeclined',
  PaymentUnavailable: 'PaymentUnavailable',
  HoldExpired: 'HoldExpired',
  InvalidState: 'InvalidState',
  SeatsLost: 'SeatsLost',
  ExtensionRefused: 'ExtensionRefused',
} as const;

export const checkoutUpdate = defineUpdate<BookingSummary, [CheckoutRequest]>('checkout');
export const extendUpdate = defineUpdate<{ holdExpiresAt: string }, [ExtendRequest]>('extend');
export const cancelSignal = defineSignal<[Partial<CancelRequest>]>('cancel');
export const statusQuery = defineQuery<ReservationSnapshot>('status');

export const reservationWorkflowId = (reservationId: string) => `reservation-${reservationId}`;
