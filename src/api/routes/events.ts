import Router from '@koa/router';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { getEvent, listEvents, seatSnapshot } from '../../db/events.ts';
import { notFound } from '../../errors.ts';
import { type AppContext, type AppState, parse } from '../middleware.ts';

const EventQuery = z.object({
  q: z.string().trim().max(200).optional(),
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  available: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  minPrice: z.coerce.number().int().min(0).optional(),
  maxPrice: z.coerce.number().int().min(0).optional(),
  status: z.enum(['ON_SALE', 'CLOSED', 'CANCELLED']).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
const EventParams = z.object({ eventId: z.string().uuid() });

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
