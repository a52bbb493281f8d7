/**
 * The Redis a chaos run restarts: `redis-cli shutdown nosave`, then started again the same way.
 *   machine  the machine's Redis on 127.0.0.1:6379, started again with exactly the command this
 *            machine starts it with (everyone on the machine loses it for about a second)
 *   own      a redis-server of the run's own on a free port, tethered to the run (it dies with
 *            it): for the CI test, whose neighbours in the test suite use the machine's Redis
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnTethered, type TetheredProcess } from '../../src/temporal/tethered.ts';
import { freePort } from '../lib/run.ts';

export interface ChaosRedis {
  url: string;
  description: string;
  answers(): boolean;
  /** INFO's run_id: a new one proves a restart. */
  runId(): string | null;
  /** Shuts it down (nosave), starts it again, waits until it answers. */
  restart(): Promise<{ wentDown: boolean; cameBack: boolean; before: string | null; after: string | null }>;
  /** own: stops it. machine: makes sure it answers (it is never left stopped). */
  close(): Promise<void>;
}

const MACHINE_START = ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'];

function cli(port: number, ...args: string[]): string | null {
  const result = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 });
  return result.status === 0 ? result.stdout.trim() : null;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(100);
  }
  return check();
}

function redisAt(port: number, description: string, start: () => Promise<void>, stop: () => Promise<void>): ChaosRedis {
  const answers = () => cli(port, 'ping') === 'PONG';
  const runId = () => /run_id:(\w+)/.exec(cli(port, 'info', 'server') ?? '')?.[1] ?? null;
  return {
    url: `redis://127.0.0.1:${port}`, description, answers, runId,
    async restart() {
      const before = runId();
      cli(port, 'shutdown', 'nosave');
      const wentDown = await until(() => !answers(), 10_000);
      await start();
      const cameBack = await until(answers, 20_000);
      return { wentDown, cameBack, before, after: runId() };
    },
    close: stop,
  };
}

export function machineRedis(): ChaosRedis {
  const start = async () => {
    const result = spawnSync('redis-server', MACHINE_START, { encoding: 'utf8', timeout: 10_000 });
    if (result.status !== 0) throw new Error(`redis-server did not start: ${result.stderr || result.stdout}`);
  };
  const redis = redisAt(6379, "the machine's Redis, 127.0.0.1:6379", start, async () => {
    if (!redis.answers()) await start();
    await until(redis.answers, 5000);
  });
  return redis;
}

export async function ownRedis(dir: string): Promise<ChaosRedis> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  let server: TetheredProcess | undefined;
  const start = async () => {
    server = await spawnTethered('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { logFile: join(dir, 'redis.log') });
  };
  const redis = redisAt(port, `a redis-server of the run's own, 127.0.0.1:${port}`, async () => {
    await server?.exited;
    await server?.stop(); // nothing left to stop but our end of its tether
    await start();
  }, async () => server?.stop());
  await start();
  if (!(await until(redis.answers, 10_000))) throw new Error(`redis-server did not answer on ${port}; see ${join(dir, 'redis.log')}`);
  return redis;
}
