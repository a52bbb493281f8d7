import Router from '@koa/router';
import { z } from 'zod';
import type { ReservationService } from '../../reservations/service.ts';
import { type AppContext, type AppState, parse, requireRole } from '../middleware.ts';
import { text } from '../schemas.ts';

const SupportQuery = z.object({
  eventId: z.string().uuid().optional(),
  status: z.enum(['HELD', 'PAYING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'FAILED']).optional(),
});
const SupportCancel = z.object({ reason: text({ min: 1, minMessage: 'say why the hold is cancelled', max: 500 }) }).strict();

/** Support staff: see any reservation, cancel any hold (the workflow records actor and reason). */
export function supportRoutes(deps: { service: ReservationService; temporalUi?: { url?: string; namespace: string } }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api/support' });
  const support = requireRole('support');

  // links into the Temporal Web UI, for operators: one reservation's workflow, and the
  // reservations of the filter (by the custom search attributes) when there is a UI to link to
  const ui = deps.temporalUi?.url ? `${deps.temporalUi.url}/namespaces/${encodeURIComponent(deps.temporalUi.namespace)}/workflows` : null;
  const uiQuery = (filter: z.infer<typeof SupportQuery>) => {
    const terms = ['WorkflowType="reservationWorkflow"'];
    if (filter.eventId) terms.push(`BookingEventId="${filter.eventId}"`);
    if (filter.status) terms.push(`ReservationState="${filter.status}"`);
    return `${ui}?query=${encodeURIComponent(terms.join(' AND '))}`;
  };

  router.get('/reservations', support, async (ctx) => {
    const filter = parse(SupportQuery, ctx.query, 'query');
    const items = await deps.service.supportList(filter);
    ctx.body = {
      items: items.map((r) => ({ ...r, workflowUrl: ui && r.workflowId ? `${ui}/${encodeURIComponent(r.workflowId)}` : null })),
      temporalUiUrl: ui ? uiQuery(filter) : null,
    };
  });

  router.post('/reservations/:id/cancel', support, async (ctx) => {
    const { id } = parse(z.object({ id: z.string().uuid() }), ctx.params, 'params');
    const { reason } = parse(SupportCancel, ctx.request.body, 'body');
    ctx.status = 202;
    ctx.body = { reservation: await deps.service.cancel(ctx.state.principal!, id, reason) };
  });
  return router;
}
