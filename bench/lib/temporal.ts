/**
 * Temporal pieces of the benchmarks: the bare start of an empty workflow (the floor a
 * workflow start costs on a given server) and a description of the server's store, read from
 * the server process's command line.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { benchEchoUpdate } from '../workflows/empty.ts';
import { commandLine } from './processes.ts';

/**
 * `client.workflow.start` of an empty workflow type on a task queue that no worker polls:
 * the server's whole cost of a start (history, visibility, a task that is never taken), and
 * nothing else. The workflows stay Running until the server goes away.
 */
export async function startEmptyWorkflow(client: Client, taskQueue: string): Promise<void> {
  await client.workflow.start('benchEmpty', { taskQueue, workflowId: `bench-empty-${randomUUID()}`, args: [] });
}

export interface TemporalStore {
  /** e.g. "dev server, database file .data/x/temporal.db (pragmas: journal_mode=wal, synchronous=normal)". */
  description: string;
  kind: 'dev-server-memory' | 'dev-server-file' | 'server' | 'unknown';
  dbFile?: string;
  pragmas?: string[];
  commandLine: string[];
}

function flagValues(args: readonly string[], flag: string): string[] {
  const values: string[] = [];
  args.forEach((arg, i) => {
    if (arg === flag && i + 1 < args.length) values.push(args[i + 1]);
    else if (arg.startsWith(`${flag}=`)) values.push(arg.slice(flag.length + 1));
  });
  return values;
}

/** What the Temporal server process `pid` keeps its state in, as far as its command line (and config) tell. */
export function describeTemporalStore(pid: number | null, cwd: string): TemporalStore {
  const args = pid === null ? [] : commandLine(pid);
  if (args.length === 0) return { description: 'unknown (the server is not a process of this machine that we can read)', kind: 'unknown', commandLine: [] };
  if (args.includes('start-dev')) {
    const dbFile = flagValues(args, '--db-filename')[0] ?? flagValues(args, '-f')[0];
    const pragmas = flagValues(args, '--sqlite-pragma');
    if (!dbFile) return { description: 'Temporal dev server, in memory', kind: 'dev-server-memory', commandLine: args };
    return {
      description: `Temporal dev server, database file ${dbFile} (SQLite pragmas: ${pragmas.length ? pragmas.join(', ') : 'none given, SQLite defaults'})`,
      kind: 'dev-server-file', dbFile, pragmas, commandLine: args,
    };
  }
  // the full server: `server --root <dir> --config <dir> --env <name> start`; its persistence is in the config file
  const root = flagValues(args, '--root')[0] ?? flagValues(args, '-r')[0] ?? cwd;
  const configDir = flagValues(args, '--config')[0] ?? flagValues(args, '-c')[0] ?? 'config';
  const env = flagValues(args, '--env')[0] ?? flagValues(args, '-e')[0] ?? 'development';
  const configFile = resolve(root, join(configDir, `${env}.yaml`));
  let persistence = 'persistence not read';
  try {
    if (existsSync(configFile)) {
      const plugins = [...new Set([...readFileSync(configFile, 'utf8').matchAll(/pluginName:\s*"?([\w-]+)"?/g)].map((m) => m[1]))];
      if (plugins.length) persistence = `SQL plugin ${plugins.join(', ')} (${configFile})`;
    }
  } catch { /* not ours to read */ }
  return { description: `Temporal server (${args.join(' ')}), ${persistence}`, kind: 'server', commandLine: args };
}

/**
 * The bare-update baseline: Updates that the workflow answers at once, one per workflow
 * (started here, not timed), through a worker of this process on a task queue of its own. The
 * floor of a checkout that is an Update on the same server. `update(i)` sends the i-th.
 */
export async function prepareBareUpdates(client: Client, address: string, count: number) {
  const taskQueue = `bench-echo-${randomUUID().slice(0, 8)}`;
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection, taskQueue, workflowsPath: fileURLToPath(new URL('../workflows/empty.ts', import.meta.url)),
    workflowTaskPollerBehavior: { type: 'autoscaling' }, maxConcurrentWorkflowTaskExecutions: 200, maxCachedWorkflows: 2000,
  });
  const running = worker.run();
  const ids = Array.from({ length: count }, () => `bench-echo-${randomUUID()}`);
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(ids.slice(i, i + 50).map((workflowId) => client.workflow.start('benchEcho', { taskQueue, workflowId, args: [] })));
  }
  return {
    update: (i: number) => client.workflow.getHandle(ids[i]).executeUpdate(benchEchoUpdate),
    async close() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
