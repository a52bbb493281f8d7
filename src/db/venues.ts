import { randomUUID } from 'node:crypto';
import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { z } from 'zod';
import { SeatNumbering, type SectionSpec } from '../contract/catalog.ts';
import { type TenantScope, tenantOf } from './events.ts';
import { sql } from './sql.ts';

/**
 * Venues' reusable section templates (capacity, rows, seat numbering, price tier): an organizer
 * keeps them per venue of its tenant, and an event created on the venue without sections of its
 * own copies them into its layout (src/db/catalog.ts createDraft). A template is an event's
 * section spec, so both are checked by the same schema (`Sections` in src/contract/catalog.ts).
 */

const TemplateRow = z.object({
  name: z.string(), kind: z.enum(['RESERVED', 'GA']), priceCents: z.number(),
  rows: z.number().nullable(), seatsPerRow: z.number().nullable(), numbering: SeatNumbering.nullable(), capacity: z.number().nullable(),
});

const toSpec = (row: z.infer<typeof TemplateRow>): SectionSpec => row.kind === 'RESERVED'
  ? { name: row.name, kind: 'RESERVED', priceCents: row.priceCents, rows: row.rows!, seatsPerRow: row.seatsPerRow!, numbering: row.numbering ?? 'CONSECUTIVE' }
  : { name: row.name, kind: 'GA', priceCents: row.priceCents, capacity: row.capacity! };

/** A venue's templates in their order (no tenant check: callers have checked the venue is theirs). */
export async function venueTemplates(db: CommonQueryMethods, venueId: string): Promise<SectionSpec[]> {
  const rows = await db.any(sql.type(TemplateRow)`
    SELECT name, kind, price_cents AS "priceCents", rows, seats_per_row AS "seatsPerRow", numbering, capacity
    FROM venue_section_templates WHERE venue_id = ${venueId} ORDER BY sort_order
  `);
  return rows.map(toSpec);
}

/** The templates of a venue of the organizer's tenant; null when the venue is not theirs (or not there). */
export async function templatesOf(db: CommonQueryMethods, scope: TenantScope, venueId: string): Promise<SectionSpec[] | null> {
  const ours = await db.maybeOneFirst(sql.type(z.object({ id: z.string() }))`SELECT id FROM venues WHERE id = ${venueId} AND tenant_id = ${tenantOf(scope)}`);
  return ours ? venueTemplates(db, venueId) : null;
}

/**
 * Replaces a venue's templates as a whole. Events already created from them keep their own copy:
 * changing a template never moves a seat of an event (their layouts change only through
 * PUT .../sections, and only while nothing is held or sold).
 */
export async function replaceTemplates(pool: DatabasePool, scope: TenantScope, venueId: string, templates: SectionSpec[]): Promise<SectionSpec[] | null> {
  return pool.transaction(async (tx) => {
    const ours = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
      SELECT id FROM venues WHERE id = ${venueId} AND tenant_id = ${tenantOf(scope)} FOR UPDATE
    `);
    if (!ours) return null;
    await tx.query(sql.typeAlias('void')`DELETE FROM venue_section_templates WHERE venue_id = ${venueId}`);
    const rows = templates.map((t, order): [string, number, string, string, number, number | null, number | null, string | null, number | null] => t.kind === 'RESERVED'
      ? [randomUUID(), order, t.name, t.kind, t.priceCents, t.rows, t.seatsPerRow, t.numbering ?? 'CONSECUTIVE', null]
      : [randomUUID(), order, t.name, t.kind, t.priceCents, null, null, null, t.capacity]);
    await tx.query(sql.typeAlias('void')`
      INSERT INTO venue_section_templates (id, venue_id, sort_order, name, kind, price_cents, rows, seats_per_row, numbering, capacity)
      SELECT id, ${venueId}, sort_order, name, kind, price_cents, rows, seats_per_row, numbering, capacity
      FROM ${sql.unnest(rows, ['uuid', 'int4', 'text', 'text', 'int4', 'int4', 'int4', 'text', 'int4'])}
        AS t(id, sort_order, name, kind, price_cents, rows, seats_per_row, numbering, capacity)
    `);
    return venueTemplates(tx, venueId);
  });
}
