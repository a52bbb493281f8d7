import Router from '@koa/router';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { DiscountCodeText, discountOf, type DiscountQuote, NewDiscountCode } from '../../contract/discounts.ts';
import { createDiscountCode, findDiscountCode, listDiscountCodes } from '../../db/discounts.ts';
import { AppError, notFound } from '../../errors.ts';
import { actorOf, type AppContext, type AppState, parse, requireSignedIn, requireStaff } from '../middleware.ts';
import type { Actor } from '../../db/audit.ts';
import { EventParams } from './events.ts';

export const DiscountCodeParams = EventParams.extend({ code: DiscountCodeText });
export const DiscountQuoteQuery = z.object({ amountCents: z.coerce.number().int().min(0).max(100_000_000).optional() });

/** A new code of the event, or the API's refusal (404 no such event, 409 the code exists); for staff's and organizers' routes. */
export async function createCode(pool: DatabasePool, eventId: string, input: NewDiscountCode, actor: Actor) {
  const created = await createDiscountCode(pool, eventId, input, actor);
  if (created.outcome === 'EVENT_NOT_FOUND') throw notFound('Event', eventId);
  if (created.outcome === 'DUPLICATE') throw new AppError(409, 'DISCOUNT_CODE_TAKEN', `event ${eventId} already has a discount code ${input.code}`, { code: input.code });
  return created.code;
}

/**
 * Discount codes of an event: staff (the support role) create and list them; a signed-in
 * customer checks one before paying (what it would take off a price, and whether it can be used
 * now). Checkout applies it (POST /api/reservations/:id/checkout with `discountCode`).
 */
export function discountRoutes(deps: { pool: DatabasePool }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api' });
  const staff = requireStaff();
  const signedIn = requireSignedIn();

  router.post('/support/events/:eventId/discount-codes', staff, async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    const input = parse(NewDiscountCode, ctx.request.body, 'body');
    ctx.status = 201;
    ctx.body = { discountCode: await createCode(deps.pool, eventId, input, actorOf(ctx)) };
  });

  router.get('/support/events/:eventId/discount-codes', staff, async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    const items = await listDiscountCodes(deps.pool, eventId);
    if (!items) throw notFound('Event', eventId);
    ctx.body = { items };
  });

  router.get('/events/:eventId/discount-codes/:code', signedIn, async (ctx) => {
    const { eventId, code } = parse(DiscountCodeParams, ctx.params, 'params');
    const { amountCents } = parse(DiscountQuoteQuery, ctx.query, 'query');
    const found = await findDiscountCode(deps.pool, eventId, code);
    if (!found) throw new AppError(404, 'DISCOUNT_CODE_UNKNOWN', `event ${eventId} has no discount code ${code}`, { code });
    const quote: DiscountQuote = {
      code: found.code, kind: found.kind, value: found.value, usable: found.refusal === null, refusal: found.refusal, validUntil: found.validUntil,
      amountCents: amountCents ?? null, discountCents: amountCents === undefined ? null : discountOf(found, amountCents),
    };
    ctx.body = quote;
  });
  return router;
}
