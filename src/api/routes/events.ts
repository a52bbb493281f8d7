import Router from '@koa/router';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { PublicEventStatus } from '../../contract/catalog.ts';
import { getEvent, listEvents, seatSnapshot } from '../../db/events.ts';
import { notFound } from '../../errors.ts';
import { type AppContext, type AppState, parse } from '../middleware.ts';
import { instant, queryInt, text } from '../schemas.ts';

export const EventQuery = z.object({
  q: text({ max: 200 }).optional(),
  from: instant.optional(),
  to: instant.optional(),
  available: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  minPrice: queryInt().optional(),
  maxPrice: queryInt().optional(),
  status: PublicEventStatus.optional(),
  venueId: z.string().uuid().optional(),
  featured: z.enum(['true', 'false']).transform((v) => v === 'true').optional()
    .meta({ description: 'true: only the featured events (published, not over), in the order admins chose; false: only the others' }),
  page: queryInt({ min: 1 }).default(1),
  pageSize: queryInt({ min: 1, max: 100 }).default(20),
});
export const EventParams = z.object({ eventId: z.string().uuid() });

export function eventRoutes(deps: { pool: DatabasePool }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api' });

  router.get('/events', async (ctx) => {
    ctx.body = await listEvents(deps.pool, parse(EventQuery, ctx.query, 'query'));
  });

  router.get('/events/:eventId', async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    const event = await getEvent(deps.pool, eventId);
    if (!event) throw notFound('Event', eventId);
    ctx.body = event;
  });

  /** The seat snapshot with versions, for clients resyncing their live map. */
  router.get('/events/:eventId/seats', async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    const seats = await seatSnapshot(deps.pool, eventId);
    if (seats.length === 0) throw notFound('Event', eventId);
    ctx.body = { eventId, seats };
  });
  return router;
}
