import Router from '@koa/router';
import { z } from 'zod';
import type { ReservationService } from '../../reservations/service.ts';
import { type AppContext, type AppState, parse, requireRole } from '../middleware.ts';

const SupportQuery = z.object({
  eventId: z.string().uuid().optional(),
  status: z.enum(['HELD', 'PAYING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'FAILED']).optional(),
});
const SupportCancel = z.object({ reason: z.string().trim().min(1, 'say why the hold is cancelled').max(500) });

/** Support staff: see any reservation, cancel any hold (the workflow records actor and reason). */
export function supportRoutes(deps: { service: ReservationService }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api/support' });
  const support = requireRole('support');

  router.get('/reservations', support, async (ctx) => {
    ctx.body = { items: await deps.service.supportList(parse(SupportQuery, ctx.query, 'query')) };
  });

  router.post('/reservations/:id/cancel', support, async (ctx) => {
    const { id } = parse(z.object({ id: z.string().uuid() }), ctx.params, 'params');
    const { reason } = parse(SupportCancel, ctx.request.body, 'body');
    ctx.status = 202;
    ctx.body = { reservation: await deps.service.cancel(ctx.state.principal!, id, reason) };
  });
  return router;
}
