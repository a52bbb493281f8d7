import { z } from 'zod';

/**
 * Building blocks of the request schemas: values are checked at the edge against what
 * PostgreSQL can store, so bad input is a 400 naming the field, never a driver error.
 */

/** The largest value of a PostgreSQL `integer` (int4): prices, counts, seconds. */
export const INT4_MAX = 2_147_483_647;

/** PostgreSQL text cannot hold U+0000; refused so it never reaches a query or a workflow. */
const noNul = (value: string) => !value.includes('\u0000');
const NUL_MESSAGE = 'must not contain NUL (\\u0000) characters';

/** Free text, trimmed, of at most `max` characters, without NUL bytes. */
export function text(options: { min?: number; max: number; minMessage?: string }) {
  return z.string().refine(noNul, NUL_MESSAGE).trim().min(options.min ?? 0, options.minMessage).max(options.max);
}

/** A string taken as given (passwords), without NUL bytes. */
export function rawText(options: { min?: number; max: number; minMessage?: string }) {
  return z.string().refine(noNul, NUL_MESSAGE).min(options.min ?? 0, options.minMessage).max(options.max);
}

/** A non-negative integer in a query string: plain digits only ("1e3", "0x10", "" and " 1" are refused). */
export function queryInt(options: { min?: number; max?: number } = {}) {
  const min = options.min ?? 0;
  const max = options.max ?? INT4_MAX;
  return z.string()
    .regex(/^\d{1,12}$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/** An integer in a JSON body that fits an int4 column. */
export const bodyInt = (options: { min: number; max?: number }) => z.number().int().min(options.min).max(options.max ?? INT4_MAX);

/**
 * A calendar date (YYYY-MM-DD) or an ISO 8601 date-time with an offset, restricted to what
 * PostgreSQL's timestamptz accepts as input: years 0001 to 9999 (there is no year 0) and
 * UTC offsets within ±15:59.
 */
export const instant = z.iso.datetime({ offset: true }).or(z.iso.date())
  .refine((value) => !value.startsWith('0000'), 'the year must lie between 0001 and 9999 (there is no year 0)')
  .refine((value) => {
    const offset = /T.*([+-])(\d{2}):(\d{2})$/.exec(value);
    return !offset || Number(offset[2]) <= 15;
  }, 'the UTC offset must lie within ±15:59');

/** A reservation's id in a route (`/reservations/:id/...`, for customers and support). */
export const ReservationParams = z.object({ id: z.string().uuid() });

/** More time on a hold: `seconds` (at most HOLD_EXTENSION_MAX_SECONDS, the workflow checks), or the most allowed. */
export const ExtendBody = z.object({ seconds: bodyInt({ min: 1 }).optional() }).strict().default({});
