import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { createDatabasePool, dropDatabase, ensureDatabase, type DatabasePool } from '../../src/db/pool.ts';
import { migrate } from '../../src/db/migrate.ts';

const BASE_URL = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';

export interface TestDatabase {
  url: string;
  pool: DatabasePool;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file; `drop()` removes it. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `booking_${label.replace(/\W/g, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const url = `${BASE_URL}/${name}`;
  await ensureDatabase(url);
  await migrate(url, pino({ level: 'warn' }));
  const pool = await createDatabasePool(url, 20);
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      await dropDatabase(url);
    },
  };
}
