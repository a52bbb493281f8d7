import type { DatabasePool } from 'slonik';
import type { Config } from '../config.ts';
import type { PaymentProvider } from './provider.ts';
import { createSimulatedProvider } from './simulated.ts';
import { createStripeClient, createStripeProvider } from './stripe.ts';

/**
 * The payment provider the configuration names (PAYMENT_PROVIDER): Stripe, or the simulated
 * provider of development and tests. Production refuses to start with anything that takes no
 * money unless ALLOW_SIMULATED_PAYMENTS=true (src/config.ts). Each pool gets its own provider.
 */
export function createPaymentProvider(config: Pick<Config, 'payments'>, pool: DatabasePool): PaymentProvider {
  const settings = config.payments;
  switch (settings.provider) {
    case 'stripe':
      return createStripeProvider(pool, { stripe: createStripeClient(settings), currency: settings.currency, testMode: settings.testMode });
    case 'simulated':
      return createSimulatedProvider(pool, { slowMs: settings.slowMs });
  }
}
