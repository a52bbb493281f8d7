import { ApplicationFailure, log } from '@temporalio/activity';
import pg from 'pg';
import {
  CheckIntegrityConstraintViolationError, DataIntegrityError, ForeignKeyIntegrityConstraintViolationError, InputSyntaxError, InvalidInputError,
  NotFoundError, NotNullIntegrityConstraintViolationError, SchemaValidationError,
} from 'slonik';
import { activityDataErrorsTotal } from '../src/metrics.ts';
import { FailureTypes } from '../workflows/messages.ts';

/**
 * Errors that retrying cannot get past, because the data is wrong rather than the moment: a
 * row that does not exist, a value PostgreSQL refuses (SQLSTATE class 22, a check, not-null or
 * foreign-key violation), a row that does not match its schema. Anything else (a lost
 * connection, a timeout, a unique violation or a deadlock a concurrent writer caused, the
 * provider) may pass, and Temporal retries it.
 */
export function isDataError(error: unknown): boolean {
  return error instanceof NotFoundError || error instanceof DataIntegrityError || error instanceof InvalidInputError
    || error instanceof InputSyntaxError || error instanceof SchemaValidationError || error instanceof CheckIntegrityConstraintViolationError
    || error instanceof NotNullIntegrityConstraintViolationError || error instanceof ForeignKeyIntegrityConstraintViolationError
    || (error instanceof pg.DatabaseError && typeof error.code === 'string' && error.code.startsWith('22'));
}

type AnyActivity = (...args: never[]) => Promise<unknown>;

/**
 * Wraps each activity so that a data error is raised as a non-retryable `DataError` (counted in
 * `booking_activity_data_errors_total` and logged) instead of being retried forever.
 */
export function classifyErrors<T extends Record<string, AnyActivity>>(activities: T): T {
  return Object.fromEntries(Object.entries(activities).map(([name, activity]) => [name, async (...args: never[]) => {
    try {
      return await activity(...args);
    } catch (error) {
      if (!isDataError(error)) throw error;
      activityDataErrorsTotal.inc({ activity: name });
      log.error('activity failed on its data; not retrying', { activity: name, error: String(error) });
      throw ApplicationFailure.create({ type: FailureTypes.DataError, message: `${name}: ${(error as Error).message}`, nonRetryable: true });
    }
  }])) as T;
}
