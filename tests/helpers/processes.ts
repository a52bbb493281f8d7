import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The engine's roles as real processes (`node src/main.ts <role>`), for tests and benchmarks
 * that kill them: crash tests, chaos runs, the split deployment.
 */
export interface RoleProcess {
  role: string;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string>;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  /** SIGTERM (a clean shutdown), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

export function spawnRole(role: 'all' | 'api' | 'worker' | 'gateway' | 'migrate', env: Record<string, string>, logFile: string): RoleProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [MAIN, role], {
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    // the IPC channel is a tether: the role shuts down when this process goes, however it goes
    stdio: ['ignore', log, log, 'ipc'],
  });
  child.unref();
  child.channel?.unref();
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    role, child, exited,
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 10_000) {
      if (!gone()) child.kill('SIGTERM');
      // the grace timer is cleared once the process is gone, so it does not keep jest waiting
      const grace = new AbortController();
      await Promise.race([exited, sleep(graceMs, undefined, { signal: grace.signal }).then(() => child.kill('SIGKILL'), () => {})]);
      grace.abort();
      await exited;
    },
  };
}

/** Waits until `GET <url>/api/health` answers 200. */
export async function waitForHealth(url: string, timeoutMs = 60_000, process?: RoleProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (process && (process.child.exitCode !== null || process.child.signalCode !== null)) {
      throw new Error(`the ${process.role} process exited before ${url} answered`);
    }
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url}/api/health did not answer within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** Process ids whose command line contains every one of `parts` (Linux /proc). */
export function pidsMatching(...parts: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (parts.every((part) => cmdline.includes(part))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** SIGKILLs every process whose command line contains all of `parts`; waits until they are gone. */
export async function killMatching(...parts: string[]): Promise<number> {
  const pids = pidsMatching(...parts);
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  for (let i = 0; i < 50 && pidsMatching(...parts).length > 0; i++) await sleep(100);
  return pids.length;
}

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
