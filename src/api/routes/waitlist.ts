import Router from '@koa/router';
import { JoinWaitlistBody, WaitlistParams } from '../../contract/waitlist.ts';
import type { WaitlistService } from '../../waitlist/service.ts';
import { type AppContext, type AppState, parse, requireRole, requireSignedIn, requireStaff } from '../middleware.ts';
import { EventParams } from './events.ts';

/**
 * Waitlists of sold-out sections: a signed-in customer joins a section's line (201; 200 with the
 * same entry when already in it), leaves it (declining an open offer), and reads their entries with
 * their place in line and any offer. Support and admins read any event's lines; an organizer
 * reads its tenant's events' (another's is a 404).
 */
export function waitlistRoutes(deps: { waitlist: WaitlistService }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api' });
  const signedIn = requireSignedIn();
  const me = (ctx: AppContext) => ctx.state.principal!;

  router.post('/events/:eventId/sections/:sectionId/waitlist', signedIn, async (ctx) => {
    const where = parse(WaitlistParams, ctx.params, 'params');
    const body = parse(JoinWaitlistBody, ctx.request.body, 'body');
    const { entry, created } = await deps.waitlist.join(me(ctx), where, body);
    ctx.status = created ? 201 : 200;
    ctx.body = { entry };
  });

  router.delete('/events/:eventId/sections/:sectionId/waitlist', signedIn, async (ctx) => {
    const where = parse(WaitlistParams, ctx.params, 'params');
    ctx.body = { entry: await deps.waitlist.leave(me(ctx), where) };
  });

  router.get('/waitlist', signedIn, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { items: await deps.waitlist.mine(me(ctx)) };
  });

  router.get('/support/events/:eventId/waitlist', requireStaff(), async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    ctx.body = await deps.waitlist.ofEvent(eventId, { staff: true });
  });

  router.get('/organizer/events/:eventId/waitlist', requireRole('organizer'), async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    ctx.body = await deps.waitlist.ofEvent(eventId, { organizerId: me(ctx).customerId });
  });
  return router;
}
