import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { pino } from 'pino';
import { type AppContext, type AppState, errors } from '../../src/api/middleware.ts';
import { sql } from '../../src/db/sql.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

/** The error middleware alone, in front of handlers that fail the ways real ones can. */
let db: TestDatabase;
let server: Server;
let base: string;
const lines: Array<Record<string, any>> = [];

beforeAll(async () => {
  db = await createTestDatabase('error_middleware');
  const app = new Koa<AppState, AppContext>();
  app.silent = true;
  app.use(errors(pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) })));
  app.use(async (ctx) => {
    if (ctx.path === '/bug') throw new Error('a bug with internals: SELECT * FROM customers');
    if (ctx.path === '/unstorable-date') {
      ctx.body = await db.pool.any(sql.typeAlias('void')`SELECT WHERE now() > ${'0000-01-01'}::timestamptz`);
    }
  });
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await db?.drop();
});

describe('the error middleware', () => {
  test('a 500 carries no stack and no internals, in any mode; the log keeps the stack', async () => {
    const res = await fetch(`${base}/bug`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'INTERNAL', message: 'something went wrong on our side; nothing was changed by this request', details: {} } });
    const logged = lines.find((l) => l.msg === 'request failed');
    expect(logged?.level).toBe(50);
    expect(logged?.err.stack).toMatch(/a bug with internals[\s\S]*error-middleware\.test\.ts/);
  });

  test('a value PostgreSQL refuses as data (SQLSTATE class 22) is a 400, logged as a warning to fix at the edge', async () => {
    const res = await fetch(`${base}/unstorable-date`);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(body)).not.toMatch(/0000|out of range|timestamptz/); // no driver message
    expect(lines.find((l) => l.msg === 'a value the request validation let through was refused by PostgreSQL')?.err.code).toBe('22008');
  });

  test('a response left without a body gets the error shape: 404 anywhere', async () => {
    const res = await fetch(`${base}/nothing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no route for GET /nothing', details: {} } });
  });
});
