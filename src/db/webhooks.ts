import { randomUUID } from 'node:crypto';
import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { z } from 'zod';
import {
  MAX_WEBHOOK_ENDPOINTS, type NewWebhookEndpoint, WebhookDelivery, WebhookEndpoint, WebhookEventType, type WebhookPayload,
} from '../contract/webhooks.ts';
import { tenantOf } from './events.ts';
import { sql } from './sql.ts';

/**
 * Webhook endpoints, events, deliveries and their log (migrations/1733910000000_webhooks.sql).
 * Every organizer operation is scoped to the organizer's tenant in the statement itself
 * (`tenantOf`): another tenant's endpoint is not found, as if it did not exist.
 */

const endpointColumns = sql.fragment`
  w.id, w.url, w.description, w.event_types AS "eventTypes", w.enabled, w.created_by AS "createdBy", iso_utc(w.created_at) AS "createdAt"
`;

export type CreateEndpointOutcome =
  | { outcome: 'CREATED'; endpoint: WebhookEndpoint }
  | { outcome: 'NO_TENANT' }
  | { outcome: 'TOO_MANY' };

/** A new endpoint of the organizer's tenant; `seal` encrypts its secret for the new id. */
export async function createWebhookEndpoint(pool: DatabasePool, organizerId: string, createdBy: string, input: NewWebhookEndpoint, sealed: (endpointId: string) => Buffer): Promise<CreateEndpointOutcome> {
  return pool.transaction(async (tx) => {
    // the tenant's row lock decides concurrent registrations one at a time (the per-tenant limit)
    const tenant = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
      SELECT id FROM tenants WHERE id = ${tenantOf({ organizerId })} FOR UPDATE
    `);
    if (!tenant) return { outcome: 'NO_TENANT' as const };
    const count = await tx.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM webhook_endpoints WHERE tenant_id = ${tenant}`);
    if (count >= MAX_WEBHOOK_ENDPOINTS) return { outcome: 'TOO_MANY' as const };
    const id = randomUUID();
    const endpoint = await tx.one(sql.type(WebhookEndpoint)`
      INSERT INTO webhook_endpoints AS w (id, tenant_id, url, description, event_types, secret_ciphertext, created_by)
      VALUES (${id}, ${tenant}, ${input.url}, ${input.description}, ${sql.array(input.eventTypes, 'text')}, ${sql.binary(sealed(id))}, ${createdBy})
      RETURNING ${endpointColumns}
    `);
    return { outcome: 'CREATED' as const, endpoint };
  });
}

export async function listWebhookEndpoints(db: CommonQueryMethods, organizerId: string): Promise<WebhookEndpoint[]> {
  return [...(await db.any(sql.type(WebhookEndpoint)`
    SELECT ${endpointColumns} FROM webhook_endpoints w WHERE w.tenant_id = ${tenantOf({ organizerId })} ORDER BY w.created_at, w.id
  `))];
}

/** Disables or enables an endpoint of the organizer's tenant; null when there is no such endpoint. */
export async function setWebhookEndpointEnabled(db: CommonQueryMethods, organizerId: string, endpointId: string, enabled: boolean): Promise<WebhookEndpoint | null> {
  return db.maybeOne(sql.type(WebhookEndpoint)`
    UPDATE webhook_endpoints w SET enabled = ${enabled}, updated_at = now()
    WHERE w.id = ${endpointId} AND w.tenant_id = ${tenantOf({ organizerId })}
    RETURNING ${endpointColumns}
  `);
}

/** Deletes an endpoint of the organizer's tenant with its deliveries and their log; false when there is none. */
export async function deleteWebhookEndpoint(db: CommonQueryMethods, organizerId: string, endpointId: string): Promise<boolean> {
  const deleted = await db.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
    DELETE FROM webhook_endpoints WHERE id = ${endpointId} AND tenant_id = ${tenantOf({ organizerId })} RETURNING id
  `);
  return deleted !== null;
}

/** The endpoint's latest deliveries, newest first, each with every attempt; null when the endpoint is not the organizer's tenant's. */
export async function listWebhookDeliveries(db: CommonQueryMethods, organizerId: string, endpointId: string, limit: number): Promise<WebhookDelivery[] | null> {
  const endpoint = await db.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM webhook_endpoints WHERE id = ${endpointId} AND tenant_id = ${tenantOf({ organizerId })}
  `);
  if (!endpoint) return null;
  return [...(await db.any(sql.type(WebhookDelivery)`
    SELECT d.id, d.event_id AS "eventId", e.type AS "eventType", d.status, iso_utc(d.created_at) AS "createdAt",
           iso_utc(d.completed_at) AS "completedAt", d.last_error AS "lastError",
           coalesce((SELECT json_agg(json_build_object('attempt', a.attempt, 'attemptedAt', iso_utc(a.attempted_at), 'durationMs', a.duration_ms,
                                                       'statusCode', a.status_code, 'error', a.error) ORDER BY a.attempt)
                     FROM webhook_delivery_attempts a WHERE a.delivery_id = d.id), '[]') AS attempts
    FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
    WHERE d.endpoint_id = ${endpointId}
    ORDER BY d.created_at DESC, d.id
    LIMIT ${limit}
  `))];
}

// ---------------------------------------------------------------- the dispatcher (worker role)

const LEASE_SECONDS = 30;

/** Leases deliveries whose workflow is to be started (FOR UPDATE SKIP LOCKED: dispatchers share them). */
export async function leaseDueDeliveries(pool: DatabasePool, limit: number): Promise<string[]> {
  return [...(await pool.anyFirst(sql.type(z.object({ id: z.string() }))`
    UPDATE webhook_deliveries SET start_after = now() + make_interval(secs => ${LEASE_SECONDS})
    WHERE id IN (
      SELECT id FROM webhook_deliveries WHERE workflow_started_at IS NULL AND start_after <= now()
      ORDER BY start_after LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING id
  `))];
}

/** Marks the deliveries' workflows started; each one's workflow is first looked at `checkAfterSeconds` later. */
export async function markDeliveriesStarted(pool: DatabasePool, ids: readonly string[], checkAfterSeconds: number): Promise<void> {
  if (ids.length === 0) return;
  await pool.query(sql.typeAlias('void')`
    UPDATE webhook_deliveries SET workflow_started_at = now(), check_after = now() + make_interval(secs => ${checkAfterSeconds})
    WHERE id = ANY(${sql.array(ids, 'uuid')}) AND workflow_started_at IS NULL
  `);
}

/**
 * Leases started, still PENDING deliveries whose workflow is due to be looked at (FOR UPDATE SKIP
 * LOCKED: dispatchers share them); each is looked at again `againSeconds` later unless it ends.
 */
export async function leaseDeliveriesToCheck(pool: DatabasePool, limit: number, againSeconds: number): Promise<string[]> {
  return [...(await pool.anyFirst(sql.type(z.object({ id: z.string() }))`
    UPDATE webhook_deliveries SET check_after = now() + make_interval(secs => ${againSeconds})
    WHERE id IN (
      SELECT id FROM webhook_deliveries WHERE status = 'PENDING' AND check_after <= now()
      ORDER BY check_after LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING id
  `))];
}

/** A PENDING delivery whose workflow Temporal does not know (lost, or never there): the dispatcher starts it again. */
export async function redispatchDelivery(pool: DatabasePool, id: string): Promise<void> {
  await pool.query(sql.typeAlias('void')`
    UPDATE webhook_deliveries SET workflow_started_at = NULL, check_after = NULL, start_after = now() WHERE id = ${id} AND status = 'PENDING'
  `);
}

export async function retryDeliveryStartIn(pool: DatabasePool, id: string, seconds: number): Promise<void> {
  await pool.query(sql.typeAlias('void')`
    UPDATE webhook_deliveries SET start_after = now() + make_interval(secs => ${seconds}) WHERE id = ${id} AND workflow_started_at IS NULL
  `);
}

// ---------------------------------------------------------------- the delivery activity

const DeliveryToSend = z.object({
  status: z.enum(['PENDING', 'SUCCEEDED', 'FAILED']),
  endpointId: z.string(),
  url: z.string(),
  enabled: z.boolean(),
  secretCiphertext: z.instanceof(Buffer),
  event: z.object({ id: z.string(), type: WebhookEventType, createdAt: z.string(), tenantId: z.string(), data: z.record(z.string(), z.unknown()) }),
});
export type DeliveryToSend = z.infer<typeof DeliveryToSend> & { event: WebhookPayload };

/** What one delivery sends, where, with which secret; null when it is gone (its endpoint deleted). */
export async function deliveryToSend(db: CommonQueryMethods, deliveryId: string): Promise<DeliveryToSend | null> {
  return db.maybeOne(sql.type(DeliveryToSend)`
    SELECT d.status, w.id AS "endpointId", w.url, w.enabled, w.secret_ciphertext AS "secretCiphertext",
           json_build_object('id', e.id, 'type', e.type, 'createdAt', iso_utc(e.created_at), 'tenantId', e.tenant_id, 'data', e.data) AS event
    FROM webhook_deliveries d
    JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.tenant_id = d.tenant_id
    JOIN webhook_events e ON e.id = d.event_id AND e.tenant_id = d.tenant_id
    WHERE d.id = ${deliveryId}
  `);
}

/**
 * Logs one attempt (numbered after the ones before it) and, when it succeeded, ends the delivery
 * SUCCEEDED, in one transaction. A delivery already ended is left as it is.
 */
export async function recordDeliveryAttempt(pool: DatabasePool, deliveryId: string, attempt: { attemptedAt: Date; durationMs: number; statusCode: number | null; error: string | null }): Promise<number> {
  const succeeded = attempt.error === null;
  return pool.transaction(async (tx) => {
    const number = await tx.oneFirst(sql.type(z.object({ attempt: z.number() }))`
      INSERT INTO webhook_delivery_attempts (delivery_id, attempt, attempted_at, duration_ms, status_code, error)
      SELECT ${deliveryId}, coalesce(max(attempt), 0) + 1, ${attempt.attemptedAt.toISOString()}::timestamptz, ${attempt.durationMs}, ${attempt.statusCode}, ${attempt.error}
      FROM webhook_delivery_attempts WHERE delivery_id = ${deliveryId}
      RETURNING attempt
    `);
    await tx.query(sql.typeAlias('void')`
      UPDATE webhook_deliveries
      SET status = CASE WHEN ${succeeded} THEN 'SUCCEEDED' ELSE status END,
          completed_at = CASE WHEN ${succeeded} THEN now() ELSE completed_at END,
          last_error = ${attempt.error}
      WHERE id = ${deliveryId} AND status = 'PENDING'
    `);
    return number;
  });
}

/** Ends a delivery FAILED (its attempts ran out, or its endpoint was disabled); an ended one stays as it is. */
export async function failDelivery(db: CommonQueryMethods, deliveryId: string, error: string): Promise<void> {
  await db.query(sql.typeAlias('void')`
    UPDATE webhook_deliveries SET status = 'FAILED', completed_at = now(), last_error = ${error.slice(0, 1000)}
    WHERE id = ${deliveryId} AND status = 'PENDING'
  `);
}

// ---------------------------------------------------------------- inbound: the payment provider's events

/** Records an accepted provider event; false when its id was accepted before (a replay). */
export async function recordPaymentWebhookEvent(db: CommonQueryMethods, event: { provider: 'stripe'; id: string; type: string; createdAt: Date }): Promise<boolean> {
  const inserted = await db.maybeOneFirst(sql.type(z.object({ eventId: z.string() }))`
    INSERT INTO payment_webhook_events (provider, event_id, type, created_at)
    VALUES (${event.provider}, ${event.id}, ${event.type}, ${event.createdAt.toISOString()}::timestamptz)
    ON CONFLICT DO NOTHING RETURNING event_id AS "eventId"
  `);
  return inserted !== null;
}
