import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { loadConfig } from '../../src/config.ts';
import { createTestDatabase } from './database.ts';
import { type RoleProcess, spawnRole, waitForHealth } from './processes.ts';
import { eventually } from './wait.ts';
import { freePort } from './ports.ts';

/**
 * The split deployment for one test file: every role its own process, as
 * `npm run start:cluster` and docker-compose.yml run them — two API processes (requests
 * alternate between them), two worker processes (each with its starters and reconciler), and
 * the gateway with the outbox relay when realtime is asked for. Fresh database and task queue,
 * against the suite's Temporal dev server. `npm test` runs tests/reservations this way too.
 */
/** Settings every test engine starts with, whatever runs its roles; a test of one of them turns it on for itself. */
export const TEST_ENGINE_DEFAULTS = {
  // every test file registers from 127.0.0.1
  RATE_LIMIT_REGISTRATIONS_PER_HOUR: '0',
  // nor does a test's quick run of holds defer the starts as a sale does
  SALE_HOLDS_PER_SECOND: '0',
};

export async function startSplitEngineProcesses(label: string, env: Record<string, string>, options: { realtime?: boolean }) {
  const address = process.env.TEMPORAL_TEST_ADDRESS!;
  const bundle = process.env.TEMPORAL_WORKFLOW_BUNDLE!;
  const db = await createTestDatabase(label);
  const taskQueue = `test-split-${label}-${randomUUID().slice(0, 8)}`;
  const roleEnv: Record<string, string> = {
    NODE_ENV: 'test', HOST: '127.0.0.1', DATABASE_URL: db.url, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: taskQueue,
    TEMPORAL_WORKFLOW_BUNDLE: bundle, LOG_LEVEL: 'warn', PAYMENT_SLOW_MS: '2500', PASSIVE_EXPIRY_GRACE_SECONDS: '1',
    ...TEST_ENGINE_DEFAULTS,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...env,
  };
  const config = loadConfig(roleEnv);
  const logFile = (role: string, n: number) => `test-results/split/${label}-${role}-${n}.log`;
  const processes: RoleProcess[] = [];
  const apiPorts = [await freePort(), await freePort()];
  const apis = apiPorts.map((port, n) => spawnRole('api', { ...roleEnv, PORT: String(port) }, logFile('api', n)));
  processes.push(...apis);
  const urls = apiPorts.map((port) => `http://127.0.0.1:${port}`);
  await Promise.all(urls.map((url, n) => waitForHealth(url, 60_000, apis[n])));
  if (options.realtime) {
    const gateway = spawnRole('gateway', { ...roleEnv, PORT: String(await freePort()) }, logFile('gateway', 0));
    processes.push(gateway);
  }

  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  let workers: RoleProcess[] = [];
  let generation = 0;
  async function startWorker() {
    generation++;
    workers = [0, 1].map((n) => spawnRole('worker', roleEnv, logFile(`worker${generation}`, n)));
    // ready once both poll the task queue
    await eventually(async () => {
      const described = await client.workflowService.describeTaskQueue({
        namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      const alive = workers.every((w) => w.child.exitCode === null);
      if (!alive) throw new Error('a worker process exited while starting; see test-results/split/');
      return new Set(described.pollers?.map((p) => p.identity)).size >= 2;
    }, 60_000, 'two worker processes polling', 100);
  }
  async function stopWorker() {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
  }
  await startWorker();
  let next = 0;
  return {
    config, db, client, taskQueue, urls, startWorker, stopWorker,
    /** The next API process, round robin. */
    nextUrl: () => urls[next++ % urls.length],
    async close() {
      await stopWorker();
      await Promise.all(processes.map((p) => p.stop()));
      await connection.close();
      await db.drop();
    },
  };
}

