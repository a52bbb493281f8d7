import Router from '@koa/router';
import { z } from 'zod';
import type { DatabasePool } from 'slonik';
import { eventStats } from '../../db/stats.ts';
import { notFound } from '../../errors.ts';
import type { ReservationService } from '../../reservations/service.ts';
import { EventParams } from './events.ts';
import { actorOf, type AppContext, type AppState, parse, requireStaff } from '../middleware.ts';
import { AuditQuery } from '../../contract/audit.ts';
import { listAudit, recordReservationRequest } from '../../db/audit.ts';
import { ExtendBody, ReservationParams, text } from '../schemas.ts';
import { SupportReservationsQuery, type SupportReservationsFilter } from '../../contract/reservations.ts';
import { type TemporalUi, temporalUiWorkflow, temporalUiWorkflows } from '../temporal-ui.ts';

/** The list's query (eventId, status, customerEmail, page, pageSize): src/contract/reservations.ts. */
export const SupportQuery = SupportReservationsQuery;
export const SupportCancel = z.object({ reason: text({ min: 1, minMessage: 'say why the hold is cancelled', max: 500 }) }).strict();

/**
 * Support staff (support and admin): see any reservation, cancel or extend any hold (recorded with the actor); never pay.
 * A cancel or extension is carried out by the reservation's workflow: the audit trail records the
 * request (who, why) once the API accepted it. Staff read the trail by event, reservation, booking or actor.
 */
export function supportRoutes(deps: { service: ReservationService; pool: DatabasePool; temporalUi?: TemporalUi }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api/support' });
  const support = requireStaff();

  // links into the Temporal Web UI, for operators: one reservation's workflow, and the
  // reservations of the filter (by the custom search attributes) when there is a UI to link to
  const ui = temporalUiWorkflows(deps.temporalUi);
  const uiQuery = (filter: SupportReservationsFilter & { customerId?: string }) => {
    const terms = ['WorkflowType="reservationWorkflow"'];
    if (filter.eventId) terms.push(`BookingEventId="${filter.eventId}"`);
    if (filter.customerId) terms.push(`BookingCustomerId="${filter.customerId}"`);
    if (filter.status) terms.push(`ReservationState="${filter.status}"`);
    // a terminated run keeps the state it had: only running ones are live holds
    if (filter.status === 'HELD' || filter.status === 'PAYING') terms.push('ExecutionStatus="Running"');
    return `${ui}?query=${encodeURIComponent(terms.join(' AND '))}`;
  };

  /**
   * The workflow has the request already: the answer says so even if its audit entry cannot be
   * written now (logged as an error naming the entry, for an operator to add).
   */
  const recordAccepted = async (ctx: AppContext, write: () => Promise<void>) => {
    try {
      await write();
    } catch (error) {
      ctx.state.log.error({ err: error, actor: actorOf(ctx), path: ctx.path }, 'an accepted request could not be recorded in the audit trail');
    }
  };

  router.get('/reservations', support, async (ctx) => {
    const filter = parse(SupportQuery, ctx.query, 'query');
    const { items, page, pageSize, total } = await deps.service.supportList(filter);
    ctx.body = {
      items: items.map((r) => ({ ...r, workflowUrl: r.workflowId ? temporalUiWorkflow(deps.temporalUi, r.workflowId) : null })),
      // by email: the customer's id (a search attribute) comes with their reservations; none, no link
      temporalUiUrl: ui && (!filter.customerEmail || items[0]) ? uiQuery({ ...filter, customerId: filter.customerEmail ? items[0]?.customerId : undefined }) : null,
      page, pageSize, total,
    };
  });

  router.post('/reservations/:id/cancel', support, async (ctx) => {
    const { id } = parse(ReservationParams, ctx.params, 'params');
    const { reason } = parse(SupportCancel, ctx.request.body, 'body');
    const reservation = await deps.service.cancel(ctx.state.principal!, id, reason);
    await recordAccepted(ctx, () => recordReservationRequest(deps.pool, actorOf(ctx), 'reservation.cancel_requested', id, reason));
    ctx.status = 202;
    ctx.body = { reservation };
  });

  router.get('/events/:eventId/stats', support, async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    const stats = await eventStats(deps.pool, eventId);
    if (!stats) throw notFound('Event', eventId);
    ctx.body = stats;
  });

  router.post('/reservations/:id/extend', support, async (ctx) => {
    const { id } = parse(ReservationParams, ctx.params, 'params');
    const { seconds } = parse(ExtendBody, ctx.request.body, 'body');
    const reservation = await deps.service.extend(ctx.state.principal!, id, seconds);
    await recordAccepted(ctx, () => recordReservationRequest(deps.pool, actorOf(ctx), 'reservation.extend_requested', id, null, { seconds: seconds ?? null, holdExpiresAt: reservation.holdExpiresAt }));
    ctx.body = { reservation };
  });
  router.get('/audit', support, async (ctx) => {
    ctx.body = await listAudit(deps.pool, parse(AuditQuery, ctx.query, 'query'));
  });
  return router;
}
