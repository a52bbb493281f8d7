/**
 * The engine as `npm start` runs it, started by a benchmark as a child process of its own:
 * `node src/main.ts all` (every role and the Temporal dev server in one process), or the split
 * deployment's command (`npm run start:cluster`), with the environment given; waits for
 * /api/health. The child leads a process group of its own: `stop()` asks it to stop (SIGTERM),
 * so it ends its roles and its Temporal dev server in order, then signals the whole group if
 * anything is left; this process's exit, however it happens, SIGKILLs the group. Nothing the
 * engine started outlives the benchmark: role processes, the dev server, wrappers such as npm.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { descendants, listProcesses } from './processes.ts';

export type Topology = 'all' | 'split';

export interface EngineProcess {
  /** The child's pid, which is also its process group id. */
  pid: number;
  command: string[];
  baseUrl: string;
  logFile: string;
  /** Exit code (or signal name) once the child has exited, else null. */
  exitStatus(): string | null;
  /** The last lines of the engine's output, for error messages. */
  logTail(lines?: number): string;
  /** Resolves once /api/health answers 200; rejects when the engine exits or the time runs out. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

/** How each topology is started; `node` is the Node binary running the benchmark (Node 24). */
export function engineCommand(topology: Topology, node: string, nodeArgs: string[] = []): string[] {
  return topology === 'all' ? [node, ...nodeArgs, 'src/main.ts', 'all'] : ['npm', 'run', '--silent', 'start:cluster'];
}

/** Whether any process of the group, or any of the given pids (children that left the group), still runs. */
function anyAlive(pgid: number, pids: ReadonlySet<number> = new Set()): boolean {
  for (const p of listProcesses().values()) if (p.pgrp === pgid || pids.has(p.pid)) return true;
  return false;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone already
  }
}

/** Spawns the engine; register `stop()` for teardown at once, then await `ready()`. */
export function startEngine(options: {
  topology: Topology;
  env: Record<string, string>;
  port: number;
  logFile: string;
  cwd: string;
  /** Extra node flags for the all-in-one engine (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Health must answer 200 within this time (the first start may bundle workflows for a while). */
  readyTimeoutMs?: number;
  onProgress?: (line: string) => void;
}): EngineProcess {
  const command = engineCommand(options.topology, process.execPath, options.nodeArgs);
  const out = openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(command[0], command.slice(1), {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', out, out],
    detached: true, // a process group of its own: one signal reaches every process it starts
  });
  closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${command.join(' ')}`);
  const pid = child.pid;
  const state: { status: string | null } = { status: null };
  child.once('exit', (code, signal) => {
    state.status = signal ?? String(code);
  });
  // last resort when this process ends without stop(): no engine may outlive the benchmark
  const killOnExit = () => signalGroup(pid, 'SIGKILL');
  process.once('exit', killOnExit);

  const baseUrl = `http://127.0.0.1:${options.port}`;
  const engine: EngineProcess = {
    pid,
    command,
    baseUrl,
    logFile: options.logFile,
    exitStatus: () => state.status,
    logTail(lines = 30) {
      try {
        return readFileSync(options.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    async ready() {
      const timeoutMs = options.readyTimeoutMs ?? 180_000;
      const started = Date.now();
      let lastNote = started;
      for (;;) {
        if (state.status !== null) {
          throw new Error(`the engine (${command.join(' ')}) exited with ${state.status} before it was healthy; last lines of ${options.logFile}:\n${engine.logTail()}`);
        }
        try {
          const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2000) });
          if (res.status === 200) return;
          await res.arrayBuffer();
        } catch {
          // not listening yet
        }
        if (Date.now() - started > timeoutMs) {
          throw new Error(`the engine did not answer /api/health with 200 within ${timeoutMs / 1000} s; last lines of ${options.logFile}:\n${engine.logTail()}`);
        }
        if (Date.now() - lastNote > 15_000) {
          lastNote = Date.now();
          options.onProgress?.(`  still waiting for ${baseUrl}/api/health (${Math.round((Date.now() - started) / 1000)} s)`);
        }
        await sleep(250);
      }
    },
    async stop() {
      process.off('exit', killOnExit);
      // a launcher may start its processes in groups of their own: they are stopped by it, or at last here
      const tree = descendants(listProcesses(), pid);
      const gone = async (ms: number) => {
        const deadline = Date.now() + ms;
        while (anyAlive(pid, tree) && Date.now() < deadline) await sleep(100);
        return !anyAlive(pid, tree);
      };
      if (!anyAlive(pid, tree)) return;
      // the leader first: it stops its roles in order, the Temporal dev server it started last
      try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
      if (await gone(15_000)) return;
      signalGroup(pid, 'SIGTERM');
      if (await gone(5_000)) return;
      options.onProgress?.('the engine\'s processes did not stop within 20 s of SIGTERM: SIGKILL');
      signalGroup(pid, 'SIGKILL');
      for (const child of tree) {
        try { process.kill(child, 'SIGKILL'); } catch { /* gone */ }
      }
      await gone(5_000);
    },
  };

  return engine;
}
