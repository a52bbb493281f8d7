import { createSqlTag } from 'slonik';
import { z } from 'zod';

/** The project's SQL tag: slonik's, with the row type of statements that return nothing. */
export const sql = createSqlTag({
  typeAliases: {
    void: z.object({}).strict(),
  },
});
