import Router from '@koa/router';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { ReservationService } from '../../reservations/service.ts';
import { type AppContext, type AppState, idempotencyKey, parse, requireSignedIn } from '../middleware.ts';
import { limitHolds, type RateLimits } from '../rate-limits.ts';
import { ExtendBody, ReservationParams, text } from '../schemas.ts';
import { DiscountCodeText } from '../../contract/discounts.ts';

export const Card = z.object({
  number: z.string().trim().regex(/^[\d -]{12,23}$/, 'must be a card number of 12 to 19 digits'),
  expMonth: z.coerce.number().int().min(1).max(12).optional(),
  expYear: z.coerce.number().int().min(2000).max(2200).optional(),
  cvc: z.string().regex(/^\d{3,4}$/, 'must be 3 or 4 digits').optional(),
}).strict();
/** A card (test cards, the simulated provider), or a payment method the browser made with the provider's own script (Stripe.js). */
const discountCode = DiscountCodeText.optional().meta({ description: "A discount code of the reservation's event, applied before paying" });
export const Checkout = z.union([
  z.object({ card: Card, discountCode }).strict(),
  z.object({ paymentMethodId: z.string().regex(/^pm_[A-Za-z0-9_-]{1,200}$/, 'must be a payment method id (pm_...)'), discountCode }).strict(),
], { error: 'give either card or paymentMethodId (and a discountCode, if any)' });
export const Cancel = z.object({ reason: text({ max: 500 }).default('cancelled by the customer') }).strict();

export function holdBody(config: Pick<Config, 'HOLD_MIN_SECONDS' | 'HOLD_MAX_SECONDS' | 'HOLD_MAX_SEATS'>) {
  const holdSeconds = z.number().int().min(config.HOLD_MIN_SECONDS).max(config.HOLD_MAX_SECONDS).optional();
  const eventId = z.string().uuid();
  return z.union([
    z.object({
      eventId,
      holdSeconds,
      seatIds: z.array(z.string().uuid()).min(1).max(config.HOLD_MAX_SEATS)
        .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a seat'),
    }).strict(),
    z.object({ eventId, holdSeconds, sectionId: z.string().uuid(), quantity: z.number().int().min(1).max(config.HOLD_MAX_SEATS) }).strict(),
  ], { error: 'give either seatIds (reserved seating) or sectionId and quantity (general admission)' });
}

export function reservationRoutes(deps: { service: ReservationService; config: Config; limits?: RateLimits }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api' });
  const { service } = deps;
  const HoldBody = holdBody(deps.config);
  const signedIn = requireSignedIn();

  router.post('/reservations', signedIn, limitHolds(deps.limits), async (ctx) => {
    const body = parse(HoldBody, ctx.request.body, 'body');
    const { reservation, created } = await service.hold(ctx.state.principal!, body, idempotencyKey(ctx));
    ctx.status = created ? 201 : 200;
    ctx.set('Location', `/api/reservations/${reservation.id}`);
    ctx.body = { reservation };
  });

  router.get('/reservations', signedIn, async (ctx) => {
    ctx.body = { items: await service.list(ctx.state.principal!) };
  });

  router.get('/reservations/:id', signedIn, async (ctx) => {
    const { id } = parse(ReservationParams, ctx.params, 'params');
    ctx.body = await service.get(ctx.state.principal!, id);
  });

  router.post('/reservations/:id/checkout', signedIn, async (ctx) => {
    const { id } = parse(ReservationParams, ctx.params, 'params');
    const payment = parse(Checkout, ctx.request.body, 'body');
    ctx.body = await service.checkout(ctx.state.principal!, id, payment, idempotencyKey(ctx));
  });

  router.post('/reservations/:id/extend', signedIn, async (ctx) => {
    const { id } = parse(ReservationParams, ctx.params, 'params');
    const { seconds } = parse(ExtendBody, ctx.request.body, 'body');
    ctx.body = { reservation: await service.extend(ctx.state.principal!, id, seconds) };
  });

  router.post('/reservations/:id/cancel', signedIn, async (ctx) => {
    const { id } = parse(ReservationParams, ctx.params, 'params');
    const { reason } = parse(Cancel, ctx.request.body, 'body');
    ctx.status = 202;
    ctx.body = { reservation: await service.cancel(ctx.state.principal!, id, reason) };
  });

  router.get('/bookings', signedIn, async (ctx) => {
    ctx.body = { items: await service.bookings(ctx.state.principal!) };
  });
  return router;
}
