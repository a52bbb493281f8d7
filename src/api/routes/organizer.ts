import Router from '@koa/router';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { EventCancelBody, EventDraft, EventEdit, EventStatus, LayoutBody, NewVenue, VenueTemplatesBody } from '../../contract/catalog.ts';
import { createDraft, createVenue, deleteEvent, editEvent, listVenues, publishEvent, replaceLayout, type Sales } from '../../db/catalog.ts';
import { replaceTemplates, templatesOf } from '../../db/venues.ts';
import type { EventLifecycleService } from '../../events/lifecycle.ts';
import { eventVisibleTo, getEvent, listEvents } from '../../db/events.ts';
import { NewDiscountCode } from '../../contract/discounts.ts';
import { listDiscountCodes } from '../../db/discounts.ts';
import { createCode } from './discounts.ts';
import { eventStats, tenantStats } from '../../db/stats.ts';
import { OrganizerStatsQuery } from '../../contract/stats.ts';
import { AppError, notFound } from '../../errors.ts';
import { actorOf, type AppContext, type AppState, parse, requireRole, requireTenantMember, tenantScope } from '../middleware.ts';
import { EventAuditQuery } from '../../contract/audit.ts';
import { listAudit } from '../../db/audit.ts';
import { queryInt } from '../schemas.ts';
import { EventParams } from './events.ts';
import { OrganizerReservationsQuery, type OrganizerReservation } from '../../contract/reservations.ts';
import { countReservations, listReservations, type ReservationRead } from '../../db/reservation-reads.ts';
import { reservationWorkflowId } from '../../../workflows/messages.ts';
import { type TemporalUi, temporalUiWorkflow } from '../temporal-ui.ts';

/** Publish takes no body; anything but nothing or `{}` is refused (415, 400). */
export const NoBody = z.object({}).strict();

export const VenueParams = z.object({ venueId: z.string().uuid() });

export const OrganizerEventQuery = z.object({
  status: EventStatus.optional(),
  page: queryInt({ min: 1 }).default(1),
  pageSize: queryInt({ min: 1, max: 100 }).default(20),
});

/**
 * Organizers manage their tenant's venues and events: drafts, details, the layout (sections,
 * seats, prices in cents), the per-customer ticket limit, publishing and cancelling. Every
 * operation is scoped to the organizer's tenant in SQL (src/db/catalog.ts): another tenant's
 * event is a 404, as if it did not exist. Admins do not manage tenants' events.
 */
export function organizerRoutes(deps: { pool: DatabasePool; lifecycle?: EventLifecycleService; temporalUi?: TemporalUi }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizer' });
  router.use(requireTenantMember());
  const me = tenantScope;
  /** The event as its organizer sees it (drafts too), after a change. */
  const detail = async (ctx: AppContext, eventId: string) => {
    const event = await getEvent(deps.pool, eventId, me(ctx));
    if (!event) throw notFound('Event', eventId);
    return event;
  };
  /** The event is the tenant's (404 otherwise), checked without reading its layout (for the routes that answer something else). */
  const owned = async (ctx: AppContext, eventId: string) => {
    if (!(await eventVisibleTo(deps.pool, eventId, me(ctx)))) throw notFound('Event', eventId);
  };
  const salesDetails = (sales: Sales) => ({ ...sales });

  router.get('/venues', async (ctx) => {
    ctx.body = { items: await listVenues(deps.pool, me(ctx)) };
  });

  router.post('/venues', async (ctx) => {
    const { name } = parse(NewVenue, ctx.request.body, 'body');
    const venue = await createVenue(deps.pool, me(ctx), name);
    if (!venue) throw new AppError(403, 'FORBIDDEN', 'this account is no organizer of a tenant (any more)');
    ctx.status = 201;
    ctx.body = { venue };
  });

  // a venue's reusable section templates: events created on it without sections copy them
  router.get('/venues/:venueId/templates', async (ctx) => {
    const { venueId } = parse(VenueParams, ctx.params, 'params');
    const templates = await templatesOf(deps.pool, me(ctx), venueId);
    if (!templates) throw notFound('Venue', venueId);
    ctx.body = { templates };
  });

  router.put('/venues/:venueId/templates', async (ctx) => {
    const { venueId } = parse(VenueParams, ctx.params, 'params');
    const { templates } = parse(VenueTemplatesBody, ctx.request.body, 'body');
    const stored = await replaceTemplates(deps.pool, me(ctx), venueId, templates);
    if (!stored) throw notFound('Venue', venueId);
    ctx.body = { templates: stored };
  });

  router.get('/events', async (ctx) => {
    const query = parse(OrganizerEventQuery, ctx.query, 'query');
    ctx.body = await listEvents(deps.pool, query, me(ctx));
  });

  router.post('/events', async (ctx) => {
    const draft = parse(EventDraft, ctx.request.body, 'body');
    const created = await createDraft(deps.pool, me(ctx), draft, actorOf(ctx));
    if (created.outcome === 'VENUE_NOT_FOUND') throw notFound('Venue', draft.venueId);
    if (created.outcome === 'NO_TEMPLATES') {
      throw new AppError(400, 'VALIDATION_FAILED', 'give the sections: the venue has no section templates to copy', { issues: [{ path: 'body.sections', message: 'required when the venue has no section templates' }] });
    }
    ctx.status = 201;
    ctx.set('Location', `/api/organizer/events/${created.eventId}`);
    ctx.body = await detail(ctx, created.eventId);
  });

  router.get('/events/:eventId', async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    ctx.body = await detail(ctx, eventId);
  });

  router.patch('/events/:eventId', async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    const edit = parse(EventEdit, ctx.request.body, 'body');
    const result = await editEvent(deps.pool, me(ctx), eventId, edit, actorOf(ctx));
    if (result.outcome === 'NOT_FOUND') throw notFound('Event', eventId);
    if (result.outcome === 'VENUE_NOT_FOUND') throw notFound('Venue', edit.venueId!);
    if (result.outcome === 'CANCELLED' || result.outcome === 'COMPLETED') {
      throw new AppError(409, 'INVALID_STATE', `the event is ${result.outcome.toLowerCase()}: it changes no more`, { status: result.outcome });
    }
    if (result.outcome === 'INVALID_WINDOW') {
      throw new AppError(400, 'VALIDATION_FAILED', result.issues.map((i) => i.message).join('; '), { issues: result.issues.map((i) => ({ path: `body.${i.path}`, message: i.message })) });
    }
    const event = await detail(ctx, eventId);
    // the event's workflow moves its timers (a draft has none yet)
    if (result.outcome === 'UPDATED' && result.rescheduled && event.status !== 'DRAFT') {
      await deps.lifecycle?.rescheduled(eventId, { startsAt: event.startsAt, salesStartAt: event.salesStartAt, salesEndAt: event.salesEndAt });
    }
    ctx.body = await detail(ctx, eventId);
  });

  router.put('/events/:eventId/sections', async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    const { sections } = parse(LayoutBody, ctx.request.body, 'body');
    const result = await replaceLayout(deps.pool, me(ctx), eventId, sections, actorOf(ctx));
    if (result.outcome === 'NOT_FOUND') throw notFound('Event', eventId);
    if (result.outcome === 'CANCELLED') throw new AppError(409, 'INVALID_STATE', 'the event is cancelled: it changes no more', { status: 'CANCELLED' });
    if (result.outcome === 'LOCKED') {
      const { heldSeats, soldSeats } = result.sales;
      throw new AppError(409, 'LAYOUT_LOCKED', heldSeats + soldSeats > 0
        ? `the layout cannot change: ${heldSeats} seats are held and ${soldSeats} sold`
        : 'the layout cannot change: the event has had reservations, whose history names its seats', salesDetails(result.sales));
    }
    ctx.body = await detail(ctx, eventId);
  });

  router.post('/events/:eventId/publish', async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    parse(NoBody, ctx.request.body, 'body');
    const result = await publishEvent(deps.pool, me(ctx), eventId, actorOf(ctx));
    if (result.outcome === 'NOT_FOUND') throw notFound('Event', eventId);
    if (result.outcome === 'REFUSED') {
      throw new AppError(409, 'INVALID_STATE', result.status === 'CANCELLED' ? 'a cancelled event cannot go on sale' : 'the event has started: it cannot go on sale', { status: result.status });
    }
    // its workflow takes it from here (timers for the sale window and the date)
    await deps.lifecycle?.start(eventId);
    ctx.body = await detail(ctx, eventId);
  });

  router.post('/events/:eventId/cancel', async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    const { reason } = parse(EventCancelBody, ctx.request.body, 'body');
    if (!deps.lifecycle) throw new AppError(503, 'SERVICE_UNAVAILABLE', 'event cancellation is not available in this process', {});
    // no new holds, live holds cancelled, every booking refunded through its workflow (200 when all are, 202 while some are under way)
    const { status, cancellation } = await deps.lifecycle.cancel(me(ctx), actorOf(ctx), eventId, reason);
    ctx.status = status;
    ctx.body = { ...(await detail(ctx, eventId)), cancellation };
  });

  router.delete('/events/:eventId', async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    const result = await deleteEvent(deps.pool, me(ctx), eventId, actorOf(ctx));
    if (result.outcome === 'NOT_FOUND') throw notFound('Event', eventId);
    if (result.outcome === 'HAS_SALES') {
      throw new AppError(409, 'EVENT_HAS_SALES', 'an event that has had reservations cannot be deleted, only cancelled', salesDetails(result.sales));
    }
    ctx.status = 204;
  });
  // the event's live sales figures and its discount codes, as staff see them (support's routes), for its tenant's organizers
  router.get('/events/:eventId/stats', async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    await owned(ctx, eventId);
    ctx.body = await eventStats(deps.pool, eventId);
  });

  router.get('/events/:eventId/discount-codes', async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    await owned(ctx, eventId);
    ctx.body = { items: await listDiscountCodes(deps.pool, eventId) };
  });

  router.post('/events/:eventId/discount-codes', async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    const input = parse(NewDiscountCode, ctx.request.body, 'body');
    await owned(ctx, eventId);
    ctx.status = 201;
    ctx.body = { discountCode: await createCode(deps.pool, eventId, input, actorOf(ctx)) };
  });

  // the event's reservations, newest first, each with its workflow in the Temporal Web UI (the reads support's list uses)
  const asOrganizerSees = (r: ReservationRead): OrganizerReservation => {
    const workflowId = reservationWorkflowId(r.id);
    return {
      id: r.id, status: r.status, customerEmail: r.customerEmail,
      seats: r.seats.map((seat) => ({ label: seat.label, sectionId: seat.sectionId, sectionName: seat.sectionName })), quantity: r.seats.length,
      amountCents: r.amountCents, createdAt: r.createdAt, holdExpiresAt: r.holdExpiresAt, bookingReference: r.booking?.reference ?? null,
      workflowId, temporalUiUrl: temporalUiWorkflow(deps.temporalUi, workflowId),
    };
  };
  router.get('/events/:eventId/reservations', async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    const { page, pageSize, status } = parse(OrganizerReservationsQuery, ctx.query, 'query');
    await owned(ctx, eventId);
    const filter = { eventId, status };
    const [items, total] = await Promise.all([
      listReservations(deps.pool, { ...filter, limit: pageSize, offset: (page - 1) * pageSize }),
      countReservations(deps.pool, filter),
    ]);
    ctx.body = { items: items.map(asOrganizerSees), page, pageSize, total };
  });

  // who did what to the event (and its reservations and bookings), newest first
  router.get('/events/:eventId/audit', async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    const page = parse(EventAuditQuery, ctx.query, 'query');
    await owned(ctx, eventId);
    ctx.body = await listAudit(deps.pool, { eventId, ...page });
  });
  return router;
}

/**
 * GET /api/organizer/stats: figures across every event of a tenant. The tenant's organizers and
 * apps read their own tenant's (naming another tenant is a 404, as if it did not exist); admins read
 * any tenant's, named by `?tenantId=`. Its own router, because the organizer routes admit no admin.
 */
export function organizerStatsRoutes(deps: { pool: DatabasePool }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizer' });
  const organizerOrAdmin = requireRole('organizer', 'admin');
  router.get('/stats', async (ctx, next) => (ctx.state.app ? next() : organizerOrAdmin(ctx, next)), async (ctx) => {
    const { tenantId } = parse(OrganizerStatsQuery, ctx.query, 'query');
    const admin = !ctx.state.app && ctx.state.principal!.role === 'admin';
    if (admin && !tenantId) {
      const message = "an admin names the tenant: ?tenantId=<the tenant's id>";
      throw new AppError(400, 'VALIDATION_FAILED', message, { issues: [{ path: 'query.tenantId', message }] });
    }
    const stats = await tenantStats(deps.pool, admin ? { tenantId: tenantId! } : tenantScope(ctx), tenantId);
    if (!stats) throw notFound('Tenant', tenantId ?? 'of this organizer');
    ctx.body = stats;
  });
  return router;
}
