/**
 * Helper programs built from the Go module proxy with `go install` and cached per version under
 * ~/.cache/booking-engine/ (or $XDG_CACHE_HOME/booking-engine/): the full Temporal server and its
 * tools (src/temporal/full-server.ts), and stripe-mock for the payment tests. Each is built once
 * per machine, with progress printed, into a staging directory that is renamed into place, so
 * two processes that build at the same time both end with a complete binary.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from './logger.ts';

export interface GoBinary {
  label: string;
  /** The Go module that holds the command, and the package path of the command. */
  module: string;
  command: string;
  version: string;
  /** The name `go install` gives the binary, and the name we cache it under. */
  built: string;
  cached: string;
  duration: string;
}

export function cachedBinaryPath(binary: GoBinary): string {
  const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheRoot, 'booking-engine', `${binary.cached}-${binary.version}`, binary.cached);
}

/** The cached build of `binary`, built with `go install` the first time (progress printed unless `quiet`). */
export async function provideGoBinary(binary: GoBinary, log: Logger, quiet = false): Promise<string> {
  const target = cachedBinaryPath(binary);
  if (existsSync(target)) return target;
  const dir = join(target, '..');
  const staging = `${dir}.build-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  const spec = `${binary.command}@${binary.version}`;
  log.info(`building the ${binary.label} ${binary.version} with go install ${spec} (first run only, ${binary.duration})...`);
  const started = Date.now();
  const ticker = setInterval(() => quiet || log.info(`still building the ${binary.label} (${Math.round((Date.now() - started) / 1000)} s)`), 20_000);
  try {
    await run('go', ['install', spec], { env: { ...process.env, GOBIN: staging }, what: `go install ${spec}` });
    mkdirSync(dir, { recursive: true });
    try {
      renameSync(join(staging, binary.built), target);
    } catch (error) {
      // another process finished the same build first (seen as ENOENT when two test files built
      // stripe-mock at once): its binary is as good as ours
      if (!existsSync(target)) throw error;
    }
    log.info(`built the ${binary.label} in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
    return target;
  } finally {
    clearInterval(ticker);
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Where `go` keeps the source of a module (downloaded if needed): its schema, config and fixture files. */
export async function moduleDir(binary: GoBinary): Promise<string> {
  const output = await run('go', ['mod', 'download', '-json', `${binary.module}@${binary.version}`], { what: `go mod download ${binary.module}@${binary.version}` });
  return (JSON.parse(output) as { Dir: string }).Dir;
}

export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; what: string }): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    // 'close', not 'exit': the process can exit before its output has all been read
    child.on('close', (code) => (code === 0
      ? resolvePromise(output)
      : reject(new Error(`${options.what} failed (exit ${code}):\n${output.trim().split('\n').slice(-20).join('\n')}`))));
  });
}
