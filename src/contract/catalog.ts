import { z } from 'zod';
import { bodyInt, instant, text } from '../api/schemas.ts';
import { endpointUrlProblem } from '../webhooks/url-policy.ts';

/**
 * The event catalog as it crosses a boundary: PostgreSQL rows (src/db/events.ts, src/db/catalog.ts),
 * the API (src/api/routes/events.ts, organizer.ts, admin.ts) and the web client (types only).
 */

/**
 * An event's life: DRAFT (its organizer's only) ─publish─► UPCOMING ─sale start─► ON_SALE ⇄ SOLD_OUT
 * (every seat sold) ─sale end─► CLOSED ─the event's date─► COMPLETED, or CANCELLED before that.
 * After publishing, the event's workflow (workflows/event-lifecycle.ts) moves it; the status column
 * stays the truth. Holds are taken only ON_SALE (claim_hold checks it).
 */
export const EVENT_STATUSES = ['DRAFT', 'UPCOMING', 'ON_SALE', 'SOLD_OUT', 'CLOSED', 'COMPLETED', 'CANCELLED'] as const;
export const EventStatus = z.enum(EVENT_STATUSES);
export type EventStatus = z.infer<typeof EventStatus>;
/** What customers may see and filter by: everything but drafts. */
export const PublicEventStatus = z.enum(['UPCOMING', 'ON_SALE', 'SOLD_OUT', 'CLOSED', 'COMPLETED', 'CANCELLED']);
/** The statuses an event's workflow still moves (published, not over). */
export const LIVE_EVENT_STATUSES = ['UPCOMING', 'ON_SALE', 'SOLD_OUT', 'CLOSED'] as const satisfies readonly EventStatus[];
/** The statuses after which nothing changes any more. */
export const FINAL_EVENT_STATUSES = ['COMPLETED', 'CANCELLED'] as const satisfies readonly EventStatus[];

/** Limits of one event's layout: enough for an arena, small enough to build in one request. */
export const LAYOUT_LIMITS = { sections: 50, rows: 200, seatsPerRow: 200, gaCapacity: 50_000, places: 100_000, priceCents: 100_000_000 } as const;

const sectionName = text({ min: 1, max: 100 });
const priceCents = bodyInt({ min: 0, max: LAYOUT_LIMITS.priceCents }).meta({ description: 'Integer cents; 0 is a free section' });

/**
 * How the seats of a row are numbered: 1, 2, 3, ... (CONSECUTIVE, the default), or the odd (1, 3, 5, ...)
 * or even (2, 4, 6, ...) numbers, as halls that number each side of the aisle apart do.
 */
export const SeatNumbering = z.enum(['CONSECUTIVE', 'ODD', 'EVEN']);
export type SeatNumbering = z.infer<typeof SeatNumbering>;

/** One section of a layout: reserved seating (rows × seats, labelled A1, A2, ...) or general admission (a capacity). */
export const SectionSpec = z.discriminatedUnion('kind', [
  z.object({
    name: sectionName, kind: z.literal('RESERVED'), priceCents,
    rows: bodyInt({ min: 1, max: LAYOUT_LIMITS.rows }), seatsPerRow: bodyInt({ min: 1, max: LAYOUT_LIMITS.seatsPerRow }),
    numbering: SeatNumbering.optional(),
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

const saleStart = instant.nullable().meta({ description: 'When sales open (null: on publishing)' });
const saleEnd = instant.nullable().meta({ description: 'When sales close (null: when the event starts); at the latest the start' });

/** The sale window and the start in order: sales open before they close, and close by the start. */
export function saleWindowIssues(window: { salesStartAt?: string | null; salesEndAt?: string | null; startsAt?: string }): { path: string; message: string }[] {
  const at = (value: string | null | undefined) => (value ? Date.parse(value) : undefined);
  const [start, end, event] = [at(window.salesStartAt), at(window.salesEndAt), at(window.startsAt)];
  const issues: { path: string; message: string }[] = [];
  if (start !== undefined && end !== undefined && start >= end) issues.push({ path: 'salesEndAt', message: 'sales must close after they open' });
  if (end !== undefined && event !== undefined && end > event) issues.push({ path: 'salesEndAt', message: 'sales must close by the time the event starts' });
  if (start !== undefined && event !== undefined && start >= event) issues.push({ path: 'salesStartAt', message: 'sales must open before the event starts' });
  return issues;
}
const checkSaleWindow = (window: Parameters<typeof saleWindowIssues>[0], ctx: z.RefinementCtx) => {
  for (const issue of saleWindowIssues(window)) ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
};

/**
 * An event's image: an https:// URL of at most 2,000 characters, without a user name or password,
 * whose host is a name or a public address (not localhost, not a loopback or private IP literal:
 * the same policy as webhook endpoints, src/webhooks/url-policy.ts). Browsers load it; the engine
 * never fetches it. The web client's content security policy allows https: images (src/api/app.ts).
 */
export const ImageUrl = z.string().trim().max(2000).superRefine((value, ctx) => {
  let url: URL;
  try { url = new URL(value); } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute https:// URL, e.g. https://images.example.com/poster.jpg' });
    return;
  }
  if (url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: 'must be an https:// URL' });
    return;
  }
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password' });
  const problem = endpointUrlProblem(value, false);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
}).meta({ description: 'An https:// image URL of a public host (at most 2,000 characters)', example: 'https://images.example.com/poster.jpg' });

const imageUrl = ImageUrl.nullable().meta({ description: 'The event\'s image (https:// only); null: none' });

/**
 * A new event, created as a DRAFT at one of the tenant's venues: with its own sections, or without
 * them, copying the venue's section templates.
 */
export const EventDraft = z.object({
  venueId: z.string().uuid(),
  name: text({ min: 1, max: 200 }),
  description: text({ max: 5000 }).default(''),
  startsAt: instant,
  salesStartAt: saleStart.default(null),
  salesEndAt: saleEnd.default(null),
  maxTicketsPerCustomer: ticketLimit.default(null),
  imageUrl: imageUrl.default(null),
  sections: Sections.optional().meta({ description: "The layout; absent: a copy of the venue's section templates" }),
}).strict().superRefine(checkSaleWindow);
export type EventDraft = z.infer<typeof EventDraft>;

/**
 * An edit of an event's details (not its layout: PUT .../sections). At least one field. A new
 * start or sale window reaches the event's workflow, which moves its timers.
 */
export const EventEdit = z.object({
  venueId: z.string().uuid(),
  name: text({ min: 1, max: 200 }),
  description: text({ max: 5000 }),
  startsAt: instant,
  salesStartAt: saleStart,
  salesEndAt: saleEnd,
  maxTicketsPerCustomer: ticketLimit,
  imageUrl,
}).partial().strict().refine((edit) => Object.keys(edit).length > 0, 'give at least one field to change').superRefine(checkSaleWindow);
export type EventEdit = z.infer<typeof EventEdit>;

/** Cancelling an event: why (told to its customers with their refunds). The body is optional. */
export const EventCancelBody = z.object({ reason: text({ min: 1, max: 500 }).optional() }).strict();

/** What cancelling an event did: every booking's refund (REFUNDED, or REQUESTED while under way) and the live holds cancelled. */
export const EventCancellation = z.object({
  status: z.literal('CANCELLED'),
  cancelledAt: z.string(),
  cancelledBy: z.string(),
  reason: z.string(),
  refunds: z.array(z.object({ reference: z.string(), status: z.enum(['REQUESTED', 'REFUNDED']), workflowId: z.string() })),
  holdsCancelled: z.array(z.object({ reservationId: z.string(), workflowId: z.string() })),
  /** The event's workflow (Temporal UI). */
  workflowId: z.string(),
});
export type EventCancellation = z.infer<typeof EventCancellation>;

/** A venue's reusable section templates, replaced as a whole (the same shape as an event's layout). */
export const VenueTemplatesBody = z.object({ templates: Sections }).strict();

/** A replacement of the layout (sections, seats, prices). */
export const LayoutBody = z.object({ sections: Sections }).strict();

export const NewVenue = z.object({ name: text({ min: 1, max: 200 }) }).strict();
export const Venue = z.object({ id: z.string(), name: z.string() });

export const NewTenant = z.object({ name: text({ min: 1, max: 200 }) }).strict();
export const Tenant = z.object({ id: z.string(), name: z.string() });
export type Tenant = z.infer<typeof Tenant>;

/** Featured events: admins choose them (PUT/DELETE /api/admin/events/:eventId/featured); lower positions come first. */
export const FEATURED_MAX_POSITION = 1000;
export const FeaturedBody = z.object({
  position: bodyInt({ min: 0, max: FEATURED_MAX_POSITION }).default(0)
    .meta({ description: 'Order in the featured strip: lower first (ties by the event\'s date); 0 when absent' }),
}).strict();
export const FeaturedEvent = z.object({
  eventId: z.string(),
  position: z.number().int(),
  featuredAt: z.string(),
  featuredBy: z.string(),
});
export type FeaturedEvent = z.infer<typeof FeaturedEvent>;
