import { z } from 'zod';

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
