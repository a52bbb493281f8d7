import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';

/** The Stripe webhook secret test engines are given (STRIPE_WEBHOOK_SECRET). */
export const STRIPE_WEBHOOK_TEST_SECRET = 'whsec_test_webhooks_0123456789abcdefghijklmnop';

/**
 * A Stripe event as Stripe would send it: its JSON body and the Stripe-Signature header, signed
 * with the Stripe SDK's own test helper at `timestamp` (Unix seconds, now by default).
 */
export function signedStripeEvent(options: { id?: string; timestamp?: number; secret?: string; type?: string } = {}): { id: string; body: string; header: string } {
  const id = options.id ?? `evt_test_${randomUUID().replace(/-/g, '')}`;
  const body = JSON.stringify({
    id, object: 'event', api_version: '2024-06-20', created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1,
    type: options.type ?? 'payment_intent.succeeded',
    data: { object: { id: `pi_test_${randomUUID().slice(0, 8)}`, object: 'payment_intent', amount: 5000, currency: 'eur', status: 'succeeded', metadata: {} } },
  });
  const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: options.secret ?? STRIPE_WEBHOOK_TEST_SECRET, timestamp: options.timestamp });
  return { id, body, header };
}
