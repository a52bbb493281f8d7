import { createSqlTag } from 'slonik';
import { z } from 'zod';

/** The project's SQL tag: slonik's, with the row type of statements that return nothing. */
export const sql = createSqlTag({
  typeAliases: {
    void: z.object({}).strict(),
  },
});

/**
 * A timestamptz column (slonik reads it as epoch milliseconds), answered as an ISO 8601 string.
 * The pipe states the output type, so the API document can describe it (src/api/openapi.ts); it
 * checks no more than that it is a string, so a read never fails on a date outside years 0-9999.
 */
export const isoTimestamp = z.number().transform((ms) => new Date(ms).toISOString()).pipe(z.string().meta({ format: 'date-time' }));
