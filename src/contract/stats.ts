import { z } from 'zod';
import { EventStatus } from './catalog.ts';

/**
 * An event's sales figures as they cross a boundary: PostgreSQL (src/db/stats.ts), the API
 * (GET /api/support/events/:eventId/stats) and the web client's statistics page.
 */
export const SectionStats = z.object({
  sectionId: z.string(),
  name: z.string(),
  kind: z.enum(['RESERVED', 'GA']),
  priceCents: z.number(),
  capacity: z.number(),
  sold: z.number(),
  held: z.number().meta({ description: 'Held by a live hold (before its own deadline) or being paid' }),
  available: z.number(),
  occupancy: z.number().meta({ description: 'sold ÷ capacity, 0 to 1' }),
});

/** One hour of the sale: holds made, bookings confirmed, tickets and revenue of those bookings. */
export const StatsHour = z.object({
  hour: z.string().meta({ description: 'Start of the hour (UTC, ISO 8601)' }),
  holds: z.number(),
  bookings: z.number(),
  tickets: z.number(),
  revenueCents: z.number(),
});

export const EventStats = z.object({
  eventId: z.string(),
  eventName: z.string(),
  generatedAt: z.string(),
  capacity: z.number(),
  ticketsSold: z.number(),
  revenueCents: z.number().meta({ description: 'What the bookings that stand were charged (after discounts; refunded bookings excluded)' }),
  occupancy: z.number(),
  sections: z.array(SectionStats),
  /** Reservations by how they ended (or stand): HELD, PAYING, CONFIRMED, EXPIRED, CANCELLED, FAILED, ... */
  reservations: z.record(z.string(), z.number()),
  /** Holds that became bookings, of the holds that are over (converted + expired + cancelled + failed); null before any is over. */
  conversionRate: z.number().nullable(),
  timeline: z.array(StatsHour),
});
export type EventStats = z.infer<typeof EventStats>;

/**
 * Figures across every event of a tenant (GET /api/organizer/stats): the organizer's own tenant,
 * or for an admin the tenant named by `tenantId`.
 */
export const OrganizerStatsQuery = z.object({
  tenantId: z.string().uuid().optional().meta({ description: "The tenant (admins: required; organizers and apps: their own, which is also the default)" }),
});

/** One day of a tenant's sale (UTC days): holds made, bookings confirmed, tickets and revenue of those that stand. */
export const StatsDay = z.object({
  day: z.string().meta({ description: 'The day (UTC, YYYY-MM-DD)' }),
  holds: z.number(),
  bookings: z.number(),
  tickets: z.number(),
  revenueCents: z.number(),
});

/** One event of the tenant, as the breakdown lists it. */
export const OrganizerEventStats = z.object({
  eventId: z.string(),
  name: z.string(),
  startsAt: z.string().meta({ description: 'When the event starts (UTC, ISO 8601)' }),
  status: EventStatus,
  capacity: z.number(),
  sold: z.number().meta({ description: 'Tickets of the bookings that stand' }),
  revenueCents: z.number(),
  occupancy: z.number().meta({ description: 'sold ÷ capacity, 0 to 1' }),
});

/** How the tenant's holds ended (or stand). */
export const HoldOutcomes = z.object({
  converted: z.number().meta({ description: 'Became a booking (CONFIRMED)' }),
  expired: z.number(),
  cancelled: z.number(),
  failed: z.number(),
  refunded: z.number().meta({ description: 'Became a booking that was refunded since' }),
  live: z.number().meta({ description: 'HELD or PAYING now' }),
});

export const OrganizerStats = z.object({
  tenantId: z.string(),
  generatedAt: z.string(),
  totals: z.object({
    events: z.number(),
    capacity: z.number(),
    ticketsSold: z.number(),
    revenueCents: z.number().meta({ description: 'What the bookings that stand were charged (after discounts; refunded bookings excluded)' }),
    occupancy: z.number().meta({ description: 'Tickets sold ÷ capacity over every event, 0 to 1' }),
    holds: HoldOutcomes,
    /** Holds that became bookings, of the holds that are over; null before any is over. */
    conversionRate: z.number().nullable(),
  }),
  events: z.array(OrganizerEventStats),
  timeline: z.array(StatsDay).meta({ description: 'Day by day, the days with holds or bookings of the last 365' }),
});
export type OrganizerStats = z.infer<typeof OrganizerStats>;
