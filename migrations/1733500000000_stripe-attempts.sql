-- Up Migration
-- The Stripe provider's own record of every charge it sends (src/payments/stripe.ts), as
-- payment_charges is the simulated provider's. A row is written before the first request under
-- its idempotency key and holds every parameter of that request, so the provider can send the
-- identical request again and Stripe answers with its stored result of the first one.
--   payment_method NULL: the attempt was closed before any request was sent, and none ever will be;
--   payment_intent_id: the PaymentIntent Stripe answered with, once one was seen;
--   refund_id: the refund of that PaymentIntent, once made.
CREATE TABLE stripe_attempts (
  idempotency_key   text PRIMARY KEY CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  reservation_id    uuid NOT NULL REFERENCES reservations (id),
  payment_method    text CHECK (payment_method ~ '^pm_[A-Za-z0-9_]+$'),
  amount_cents      integer NOT NULL CHECK (amount_cents > 0),
  currency          text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  payment_intent_id text UNIQUE CHECK (payment_intent_id ~ '^pi_[A-Za-z0-9_]+$'),
  refund_id         text UNIQUE CHECK (refund_id ~ '^re_[A-Za-z0-9_]+$'),
  created_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (payment_intent_id IS NULL OR payment_method IS NOT NULL),
  CHECK (refund_id IS NULL OR payment_intent_id IS NOT NULL)
);

-- Down Migration
DROP TABLE stripe_attempts;
