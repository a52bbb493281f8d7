import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../logger.ts';

/**
 * Finds or builds the Temporal CLI (which carries the dev server and its Web UI).
 * Order: TEMPORAL_CLI, a `temporal` on PATH, the cached build, else build it with
 * `go install` into the cache (about 3-5 minutes, once per machine).
 */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

export function cachedCliPath(): string {
  const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheRoot, 'booking-engine', `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

function works(path: string): boolean {
  return spawnSync(path, ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function provideTemporalCli(log: Logger, explicit?: string): Promise<string> {
  if (explicit) {
    if (!works(explicit)) throw new Error(`TEMPORAL_CLI=${explicit} does not run (tried "${explicit} --version")`);
    return explicit;
  }
  const onPath = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).stdout.trim();
  if (onPath && works(onPath)) return onPath;
  const cached = cachedCliPath();
  if (existsSync(cached) && works(cached)) return cached;
  await buildCli(cached, log);
  return cached;
}

async function buildCli(target: string, log: Logger): Promise<void> {
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      'The Temporal CLI is not installed and Go is not available to build it. Install Go, put `temporal` on PATH, ' +
        'set TEMPORAL_CLI to its path, or point TEMPORAL_ADDRESS at a running Temporal server.',
    );
  }
  const dir = join(target, '..');
  const staging = `${dir}.build-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  log.info(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (first run only, about 3-5 minutes)...`);
  const started = Date.now();
  const ticker = setInterval(() => log.info(`still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)`), 20_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('go', ['install', MODULE], { env: { ...process.env, GOBIN: staging }, stdio: ['ignore', 'pipe', 'pipe'] });
      let lines = 0;
      const output: string[] = [];
      const onData = (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          output.push(line);
          if (++lines % 25 === 0) log.info(`go: ${lines} modules fetched or built so far`);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install ${MODULE} failed (exit ${code}):\n${output.slice(-20).join('\n')}`))));
    });
    mkdirSync(dir, { recursive: true });
    renameSync(join(staging, 'temporal'), target);
    log.info(`built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  } finally {
    clearInterval(ticker);
    rmSync(staging, { recursive: true, force: true });
  }
}
