import { z } from 'zod';
import { bodyInt, instant, text } from '../api/schemas.ts';

/**
 * The event catalog as it crosses a boundary: PostgreSQL rows (src/db/events.ts, src/db/catalog.ts),
 * the API (src/api/routes/events.ts, organizer.ts, admin.ts) and the web client (types only).
 */

/**
 * An event's life: DRAFT (its organizer's only) → ON_SALE (published) ⇄ CLOSED, and CANCELLED at
 * the end. Holds are taken only ON_SALE (claim_hold checks it).
 */
export const EVENT_STATUSES = ['DRAFT', 'ON_SALE', 'CLOSED', 'CANCELLED'] as const;
export const EventStatus = z.enum(EVENT_STATUSES);
export type EventStatus = z.infer<typeof EventStatus>;
/** What customers may see and filter by: everything but drafts. */
export const PublicEventStatus = z.enum(['ON_SALE', 'CLOSED', 'CANCELLED']);

/** Limits of one event's layout: enough for an arena, small enough to build in one request. */
export const LAYOUT_LIMITS = { sections: 50, rows: 200, seatsPerRow: 200, gaCapacity: 50_000, places: 100_000, priceCents: 100_000_000 } as const;

const sectionName = text({ min: 1, max: 100 });
const priceCents = bodyInt({ min: 0, max: LAYOUT_LIMITS.priceCents }).meta({ description: 'Integer cents; 0 is a free section' });

/** One section of a layout: reserved seating (rows × seats, labelled A1, A2, ...) or general admission (a capacity). */
export const SectionSpec = z.discriminatedUnion('kind', [
  z.object({
    name: sectionName, kind: z.literal('RESERVED'), priceCents,
    rows: bodyInt({ min: 1, max: LAYOUT_LIMITS.rows }), seatsPerRow: bodyInt({ min: 1, max: LAYOUT_LIMITS.seatsPerRow }),
  }).strict(),
  z.object({ name: sectionName, kind: z.literal('GA'), priceCents, capacity: bodyInt({ min: 1, max: LAYOUT_LIMITS.gaCapacity }) }).strict(),
]);
export type SectionSpec = z.infer<typeof SectionSpec>;

const placesOf = (section: SectionSpec) => (section.kind === 'GA' ? section.capacity : section.rows * section.seatsPerRow);

/** A whole layout: named sections (names unique, case-insensitively), at most LAYOUT_LIMITS.places places in all. */
export const Sections = z.array(SectionSpec).min(1).max(LAYOUT_LIMITS.sections).superRefine((sections, ctx) => {
  const seen = new Set<string>();
  for (const [index, section] of sections.entries()) {
    const key = section.name.toLowerCase();
    if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `the section name "${section.name}" is used twice` });
    seen.add(key);
  }
  const places = sections.reduce((sum, s) => sum + placesOf(s), 0);
  if (places > LAYOUT_LIMITS.places) ctx.addIssue({ code: 'custom', message: `${places} places in all: at most ${LAYOUT_LIMITS.places}` });
});

const ticketLimit = bodyInt({ min: 1, max: 1000 }).nullable()
  .meta({ description: 'Seats or places one customer may have in live holds and bookings of this event together; null: no limit' });

/** A new event, created as a DRAFT at one of the tenant's venues. */
export const EventDraft = z.object({
  venueId: z.string().uuid(),
  name: text({ min: 1, max: 200 }),
  description: text({ max: 5000 }).default(''),
  startsAt: instant,
  maxTicketsPerCustomer: ticketLimit.default(null),
  sections: Sections,
}).strict();
export type EventDraft = z.infer<typeof EventDraft>;

/** An edit of an event's details (not its layout: PUT .../sections). At least one field. */
export const EventEdit = z.object({
  venueId: z.string().uuid(),
  name: text({ min: 1, max: 200 }),
  description: text({ max: 5000 }),
  startsAt: instant,
  maxTicketsPerCustomer: ticketLimit,
}).partial().strict().refine((edit) => Object.keys(edit).length > 0, 'give at least one field to change');
export type EventEdit = z.infer<typeof EventEdit>;

/** A replacement of the layout (sections, seats, prices). */
export const LayoutBody = z.object({ sections: Sections }).strict();

export const NewVenue = z.object({ name: text({ min: 1, max: 200 }) }).strict();
export const Venue = z.object({ id: z.string(), name: z.string() });

export const NewTenant = z.object({ name: text({ min: 1, max: 200 }) }).strict();
export const Tenant = z.object({ id: z.string(), name: z.string() });
export type Tenant = z.infer<typeof Tenant>;
