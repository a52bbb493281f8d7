/**
 * `npm test`: provides everything the suite needs, runs jest, and cleans up.
 *  1. the Temporal CLI (built once with go install and cached, if not on PATH);
 *  2. Debian's Chromium for the browser tests (apt-get, when missing);
 *  3. checks that PostgreSQL and Redis answer (tests create their own databases);
 *  4. a Temporal dev server in memory on a free port, with the search attributes registered;
 *  5. the workflow bundle, built once for every test file's worker;
 *  6. the web client build (the browser tests load it);
 *  7. jest, with the arguments given to `npm test -- ...`; a whole run (no arguments) then runs
 *     tests/reservations again against the split deployment (TEST_TOPOLOGY=split: every role
 *     its own process; set it yourself to run any file that way).
 * The dev server is stopped however jest ends, so no run leaves one behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createLogger } from '../src/logger.ts';
import { provideTemporalCli } from '../src/temporal/cli.ts';
import { startDevServer } from '../src/temporal/dev-server.ts';
import { WORKFLOWS_PATH } from '../src/temporal/worker.ts';
import { freePort } from '../tests/helpers/ports.ts';

const log = createLogger(process.env.LOG_LEVEL ?? 'info', 'test-setup');
const databaseBase = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';


async function checkServices(): Promise<void> {
  const client = new pg.Client({ connectionString: `${databaseBase}/postgres` });
  try {
    await client.connect();
    await client.end();
  } catch (error) {
    throw new Error(`PostgreSQL does not answer at ${databaseBase} (${(error as Error).message}); the tests need it`);
  }
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis does not answer at ${redisUrl} (${(error as Error).message}); the tests need it`);
  } finally {
    redis.disconnect();
  }
}

/** The browser tests drive Debian's Chromium; install it once when it is missing (we are root here). */
function ensureChromium(): void {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return;
  if (process.getuid?.() !== 0) throw new Error(`${path} is missing: install Debian's chromium (apt-get install chromium) for the browser tests`);
  log.info('installing Debian\'s chromium for the browser tests (apt-get, once)...');
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'chromium']]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed`);
  }
}

ensureChromium();
const cli = await provideTemporalCli(log, process.env.TEMPORAL_CLI);
await checkServices();
const server = await startDevServer({ cli, port: await freePort(), logFile: 'test-results/temporal-dev-server.log', namespace: 'default', log });
let exitCode = 1;
try {
  log.info('bundling workflows for the test workers...');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  mkdirSync('test-results', { recursive: true });
  writeFileSync('test-results/workflow-bundle.js', code);
  log.info('building the web client...');
  if (process.env.SKIP_WEB_BUILD !== '1' && spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' }).status !== 0) {
    throw new Error('the web client did not build');
  }
  const args = process.argv.slice(2);
  const runJest = (jestArgs: string[], extraEnv: Record<string, string> = {}) => {
    const jest = spawn('npx', ['jest', ...jestArgs], {
      stdio: 'inherit',
      env: {
        ...process.env,
        NODE_ENV: 'test',
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --no-warnings=ExperimentalWarning`.trim(),
        TEMPORAL_TEST_ADDRESS: server.address,
        TEMPORAL_WORKFLOW_BUNDLE: 'test-results/workflow-bundle.js',
        TEST_DATABASE_BASE_URL: databaseBase,
        REDIS_URL: redisUrl,
        ...extraEnv,
      },
    });
    const stop = () => jest.kill('SIGINT');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return new Promise<number>((resolve) => jest.on('exit', (code) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(code ?? 1);
    }));
  };
  exitCode = await runJest(args);
  // A whole run also runs the reservation tests against the split deployment: every role its
  // own process (two APIs, two workers), one test file at a time (tests/helpers/split-engine.ts).
  if (exitCode === 0 && args.length === 0 && process.env.TEST_TOPOLOGY === undefined) {
    log.info('the reservation tests again, every role in its own process (split deployment)...');
    exitCode = await runJest(['tests/reservations', '--maxWorkers=1', '--testTimeout=180000'], { TEST_TOPOLOGY: 'split' });
  }
} finally {
  await server.stop();
}
process.exit(exitCode);
