-- Up Migration
-- A delivery whose workflow closed without recording an outcome (terminated or cancelled from the
-- Temporal UI or CLI, timed out) would stay PENDING in the delivery log forever. The dispatcher
-- (src/webhooks/dispatcher.ts) looks at the workflow of each started, still PENDING delivery once
-- `check_after` is due, and again an interval later while it runs; it ends the delivery FAILED
-- with the reason when the workflow is closed, and starts it again when Temporal has no such workflow.
ALTER TABLE webhook_deliveries ADD COLUMN check_after timestamptz;
UPDATE webhook_deliveries SET check_after = now() WHERE status = 'PENDING' AND workflow_started_at IS NOT NULL;
CREATE INDEX webhook_deliveries_check_idx ON webhook_deliveries (check_after) WHERE status = 'PENDING' AND check_after IS NOT NULL;

-- Down Migration
DROP INDEX webhook_deliveries_check_idx;
ALTER TABLE webhook_deliveries DROP COLUMN check_after;
