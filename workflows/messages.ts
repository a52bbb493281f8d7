import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AppliedDiscount } from '../src/contract/discounts.ts';

/**
 * The reservation workflow's messages, shared by the workflow and the API.
 * - checkout (Update): the caller needs the answer (booking, or why not).
 * - cancel (Signal): fire-and-forget, from the customer, support, the CLI or the Temporal UI:
 *   temporal workflow signal --workflow-id reservation-<id> --name cancel \
 *     --input '{"actor":"support:ana","reason":"customer called"}'
 * - extend (Update): more time on a live hold, within the limits the hold was created with.
 * - status (Query): the live state.
 */
/**
 * Every status a reservation can have, the one list (src/contract/reservations.ts gives it its zod
 * schema for the API, the data layer and the web client; workflow code may import only its
 * siblings, so the list lives here). REFUNDED: a CONFIRMED booking cancelled and refunded later
 * (workflows/booking-refund.ts); the reservation workflow never moves there itself.
 */
export const RESERVATION_STATES = ['HELD', 'PAYING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'FAILED', 'REFUNDED'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];
export const TERMINAL_STATES: readonly ReservationState[] = ['CONFIRMED', 'EXPIRED', 'CANCELLED', 'FAILED', 'REFUNDED'];
export const isTerminal = (state: ReservationState) => TERMINAL_STATES.includes(state);

/** Where a payment attempt stands (table payment_intents): PENDING until settled from the provider's record. */
export type PaymentAttemptStatus = 'PENDING' | 'SUCCEEDED' | 'DECLINED' | 'VOIDED' | 'REFUNDING' | 'REFUNDED';

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
  /** PostgreSQL's status of the reservation when its workflow was started (absent: HELD). */
  status?: ReservationState;
}

export interface ExtendRequest {
  /** Seconds to add to the current deadline, at most `extensions.maxSeconds`. */
  seconds: number;
  /** Who asked (`customer:<id>` or `support:<email>`), set by the API and recorded on the reservation's update. */
  actor?: string;
}

export interface CheckoutRequest {
  /** A payment-method token; the simulated provider accepts test card numbers. */
  paymentToken: string;
  /**
   * The discount code the API applied to the reservation before this checkout, and what it
   * takes off: recorded in the workflow's history with the checkout. The amount charged is
   * PostgreSQL's (the price minus the recorded discount), not this copy.
   */
  discount?: AppliedDiscount;
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

/** What PostgreSQL says of a reservation after its payment attempts were settled: the workflow adopts it. */
export interface Settlement {
  status: ReservationState;
  holdExpiresAt: string;
  booking: BookingSummary | null;
  /** The latest payment attempt, if any. */
  payment: { idempotencyKey: string; status: PaymentAttemptStatus; amountCents: number; declineCode: string | null } | null;
}

/** A checkout's first step: an open attempt to charge under this key, or the reservation is past paying. */
export type PaymentStart =
  | { kind: 'OPEN'; idempotencyKey: string; amountCents: number }
  | { kind: 'SETTLED'; settlement: Settlement };

/** How a hold should end, if it is still live once its payments are settled. */
export interface HoldEnd {
  outcome: 'EXPIRED' | 'CANCELLED';
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
  /** The provider refused a charge under a key the engine had already settled as not charged. */
  PaymentAttemptClosed: 'PaymentAttemptClosed',
  HoldExpired: 'HoldExpired',
  InvalidState: 'InvalidState',
  SeatsLost: 'SeatsLost',
  ExtensionRefused: 'ExtensionRefused',
  /** An Update whose input is not what the workflow accepts (e.g. sent by hand from the CLI). */
  InvalidRequest: 'InvalidRequest',
  /** An activity failed on its data (a missing row, a value PostgreSQL refuses): not retried. */
  DataError: 'DataError',
  /** The workflow could not end its hold (see README, "Operating reservations"): it fails visibly, the sweep ends the row. */
  ReleaseFailed: 'ReleaseFailed',
} as const;

export const checkoutUpdate = defineUpdate<BookingSummary, [CheckoutRequest]>('checkout');
export const extendUpdate = defineUpdate<{ holdExpiresAt: string }, [ExtendRequest]>('extend');
export const cancelSignal = defineSignal<[Partial<CancelRequest>]>('cancel');
/**
 * Sent by the reconciler (src/reservations/reconciler.ts) when PostgreSQL may know more than
 * the workflow: a payment attempt left open by a crash, or an outcome the workflow may not have
 * recorded. The workflow settles the reservation from PostgreSQL and adopts what it finds.
 */
export const syncSignal = defineSignal<[]>('sync');
export const statusQuery = defineQuery<ReservationSnapshot>('status');

export const reservationWorkflowId = (reservationId: string) => `reservation-${reservationId}`;

/** `patched()` ids of the workflow's versions (see workflows/reservation.ts). */
export const Patches = {
  /** Payments settled from durable attempts in PostgreSQL; the hold's start may come late. */
  durablePayments: 'durable-payments',
} as const;
