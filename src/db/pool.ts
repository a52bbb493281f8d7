import {
  createPool,
  createTypeParserPreset,
  type DatabasePool,
  type Interceptor,
  SchemaValidationError,
} from 'slonik';
import pg from 'pg';

export type { DatabasePool };

/**
 * `sql.type(schema)` only states a row shape; this interceptor makes slonik check it, so a
 * query whose rows drift from its zod type fails loudly instead of passing wrong data on.
 */
const validateRows: Interceptor = {
  name: 'validate-rows',
  transformRow: (context, query, row) => {
    const parser = context.resultParser;
    if (!parser) return row;
    const result = parser['~standard'].validate(row);
    if (result instanceof Promise) throw new TypeError('async row schemas are not supported');
    if (result.issues) {
      throw new SchemaValidationError(query, row, result.issues as never);
    }
    return result.value as typeof row;
  },
};

/** int8 (counts, versions, outbox ids) as JS numbers: every value we store fits in 2^53. */
const typeParsers = createTypeParserPreset().map((parser) =>
  parser.name === 'int8' ? { name: 'int8', parse: (value: string) => Number.parseInt(value, 10) } : parser,
);

export async function createDatabasePool(databaseUrl: string, maximumPoolSize = 10): Promise<DatabasePool> {
  const pool = await createPool(databaseUrl, {
    interceptors: [validateRows],
    typeParsers,
    maximumPoolSize,
    connectionTimeout: 10_000,
    statementTimeout: 30_000,
    idleInTransactionSessionTimeout: 30_000,
    // slonik's default runs DISCARD ALL whenever a connection goes back to the pool: a round trip
    // per query, and every cached plan thrown away (claim_hold's PL/pgSQL statements were
    // planned anew on every hold). Our queries leave no session state behind to discard.
    resetConnection: async () => {},
  });
  // slonik emits every query error on the pool *and* throws it to the caller. Without a
  // listener, Node turns the emit into ERR_UNHANDLED_ERROR, which replaces the typed error
  // (a unique violation would no longer be recognisable). Callers handle the thrown one.
  pool.on('error', () => {});
  return pool;
}

/** Creates the database named in the URL when it does not exist yet (local use and tests). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    }
  } catch (error) {
    // a concurrent creator won the race: the database exists, which is what we wanted
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
