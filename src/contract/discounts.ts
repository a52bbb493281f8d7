import { z } from 'zod';

/**
 * The shapes of discount codes as they cross a boundary: PostgreSQL rows (src/db/discounts.ts),
 * the API (src/api/routes/discounts.ts, the checkout body) and the workflow's checkout input.
 * A code is one event's: a percentage or a fixed amount (cents) off a reservation's price,
 * valid in a window, used by at most `maxUses` reservations (live holds and bookings).
 */
export const DISCOUNT_KINDS = ['PERCENT', 'FIXED'] as const;

/** Codes are kept upper-case; a customer may type them in any case. */
export const DiscountCodeText = z.string().trim().toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9_-]{2,39}$/, 'must be 3 to 40 letters, digits, - or _, starting with a letter or digit');

/** `POST /api/support/events/:eventId/discount-codes` */
export const NewDiscountCode = z.object({
  code: DiscountCodeText,
  kind: z.enum(DISCOUNT_KINDS),
  value: z.number().int().min(1).max(10_000_000).meta({ description: 'PERCENT: 1 to 100 (per cent off); FIXED: cents off the price' }),
  validFrom: z.iso.datetime({ offset: true }).optional(),
  validUntil: z.iso.datetime({ offset: true }).optional(),
  maxUses: z.number().int().min(1).max(1_000_000).optional().meta({ description: 'Reservations that may use it (live holds and bookings); none: no limit' }),
}).strict()
  .refine((c) => c.kind !== 'PERCENT' || c.value <= 100, { path: ['value'], message: 'a percentage is 1 to 100' })
  .refine((c) => !c.validFrom || !c.validUntil || Date.parse(c.validUntil) > Date.parse(c.validFrom), { path: ['validUntil'], message: 'must be after validFrom' });
export type NewDiscountCode = z.infer<typeof NewDiscountCode>;

/** A code as staff see it, with its uses now. */
export const DiscountCode = z.object({
  id: z.string(),
  eventId: z.string(),
  code: z.string(),
  kind: z.enum(DISCOUNT_KINDS),
  value: z.number(),
  validFrom: z.string().nullable(),
  validUntil: z.string().nullable(),
  maxUses: z.number().nullable(),
  uses: z.number().meta({ description: 'Reservations using it now: live holds (HELD before their deadline, PAYING) and bookings' }),
  createdBy: z.string(),
});
export type DiscountCode = z.infer<typeof DiscountCode>;

/** Why a code cannot be used now; each answer names one. */
export const DISCOUNT_REFUSALS = ['NOT_YET_VALID', 'EXPIRED', 'USED_UP'] as const;
export const DISCOUNT_REFUSAL_TEXT: Record<(typeof DISCOUNT_REFUSALS)[number], string> = {
  NOT_YET_VALID: 'this discount code is not valid yet',
  EXPIRED: 'this discount code has expired',
  USED_UP: 'this discount code has been used as many times as it may be',
};

/** `GET /api/events/:eventId/discount-codes/:code`: what the code would take off `amountCents`. */
export const DiscountQuote = z.object({
  code: z.string(),
  kind: z.enum(DISCOUNT_KINDS),
  value: z.number(),
  usable: z.boolean(),
  refusal: z.enum(DISCOUNT_REFUSALS).nullable(),
  validUntil: z.string().nullable(),
  amountCents: z.number().nullable().meta({ description: 'The price asked about (query amountCents), if any' }),
  discountCents: z.number().nullable().meta({ description: 'What the code takes off that price' }),
});
export type DiscountQuote = z.infer<typeof DiscountQuote>;

/** What a checkout with a code recorded: in the reservation, the answer, and the workflow's checkout input. */
export const AppliedDiscount = z.object({
  code: z.string(),
  discountCents: z.number().int().min(0),
  amountDueCents: z.number().int().min(0),
});
export type AppliedDiscount = z.infer<typeof AppliedDiscount>;

/** What a code takes off a price: a percentage rounds down to the cent; a fixed amount stops at zero. */
export function discountOf(code: { kind: (typeof DISCOUNT_KINDS)[number]; value: number }, amountCents: number): number {
  return code.kind === 'PERCENT' ? Math.floor((amountCents * code.value) / 100) : Math.min(amountCents, code.value);
}
