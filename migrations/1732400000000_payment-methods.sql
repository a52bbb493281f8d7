-- Up Migration
-- Payment methods of the simulated provider: the API swaps a card for a token before
-- checkout, so a card number never reaches a workflow's history (or any table). Only the
-- behaviour the test card stands for and its last four digits are kept.
CREATE TABLE payment_methods (
  token      text PRIMARY KEY CHECK (token ~ '^pm_sim_[0-9a-f-]{36}$'),
  behaviour  text NOT NULL CHECK (behaviour IN ('SUCCESS', 'DECLINED', 'INSUFFICIENT_FUNDS', 'TRANSIENT_FAILURE', 'SLOW', 'INVALID_NUMBER')),
  card_last4 text NOT NULL CHECK (card_last4 ~ '^[0-9]{4}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE payment_methods;
