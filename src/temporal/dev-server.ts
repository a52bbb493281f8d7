import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.ts';
import { RESERVATION_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.ts';
import { reclaimFromPidFile, spawnTethered, writePidFile } from './tethered.ts';

const CLI_TYPE_NAMES: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', DATETIME: 'Datetime', TEXT: 'Text', BOOL: 'Bool', DOUBLE: 'Double', KEYWORD_LIST: 'KeywordList' };

/** `--search-attribute Name=Type` flags for every custom attribute of reservation workflows. */
export function searchAttributeFlags(): string[] {
  return RESERVATION_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`]);
}

/** The CLI's type names of the custom search attributes (`temporal operator search-attribute create --type`). */
export function searchAttributeTypes(): Array<{ name: string; type: string }> {
  return RESERVATION_SEARCH_ATTRIBUTES.map((key) => ({ name: key.name, type: CLI_TYPE_NAMES[key.type] }));
}

/**
 * SQLite settings for the dev server's database file: write-ahead logging, and fsync at
 * checkpoints rather than at every commit. Measured (TOOLCHAIN.md, bench/temporal-starts.ts)
 * about twice the bare start rate of the default settings. A power cut can lose the last
 * transactions; a crash of the server process cannot.
 */
export const DEV_SERVER_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

/**
 * One task-queue partition instead of the default four: a single-process server gains nothing
 * from spreading a queue, and each poll or task that lands on the wrong partition is forwarded.
 * Measured with bench/temporal-starts.ts (--stores wal,wal-1p --roundtrip 300, two runs each,
 * alternating, on a machine loaded 14-34): bare starts 32.9 and 43.0/s against 27.0 and 28.2/s;
 * start → result 9.1 and 12.4/s against 6.7 and 9.7/s.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Record<string, unknown> = {
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
};

export interface DevServer {
  address: string;
  uiUrl: string;
  /** The server's pid; undefined when an already running server was adopted. */
  pid?: number;
  /** Resolves with its exit status when the server we started exits (never for an adopted one). */
  exited: Promise<number>;
  stop(): Promise<void>;
}

/**
 * Runs `temporal server start-dev` with the search attributes registered, its state in a
 * database file (holds survive a restart) and the Web UI on its port; waits until it answers.
 *
 * The server dies with the process that started it, even on SIGKILL (see tethered.ts). With a
 * database file its pid is kept in `<file>.pid`, and a server an earlier run left there is
 * stopped before a new one starts.
 */
export async function startDevServer(options: {
  cli: string;
  port: number;
  /** Without a UI port the server runs headless (tests). */
  uiPort?: number;
  /** Without a database file the server keeps everything in memory (tests). */
  dbFile?: string;
  /** SQLite pragmas for the database file (default DEV_SERVER_SQLITE_PRAGMAS). */
  sqlitePragmas?: string[];
  /** `--dynamic-config-value` settings (default DEV_SERVER_DYNAMIC_CONFIG; `{}` for none). */
  dynamicConfig?: Record<string, unknown>;
  logFile: string;
  namespace: string;
  log: Logger;
}): Promise<DevServer> {
  const address = `127.0.0.1:${options.port}`;
  const uiUrl = options.uiPort ? `http://127.0.0.1:${options.uiPort}` : '';
  const pidFile = options.dbFile ? `${options.dbFile}.pid` : undefined;
  if (pidFile) await reclaimFromPidFile(pidFile, ['start-dev', resolve(options.dbFile!)], options.log);
  if (await answers(address, 1)) {
    options.log.warn(`a Temporal server that this project did not start already answers on ${address}; using it`);
    return { address, uiUrl, exited: new Promise(() => {}), stop: async () => {} };
  }
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--namespace', options.namespace,
    '--log-level', 'warn', ...searchAttributeFlags(),
    ...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    ...(options.dbFile
      ? ['--db-filename', resolve(options.dbFile), ...(options.sqlitePragmas ?? DEV_SERVER_SQLITE_PRAGMAS).flatMap((p) => ['--sqlite-pragma', p])]
      : []),
    ...Object.entries(options.dynamicConfig ?? DEV_SERVER_DYNAMIC_CONFIG).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`])];
  options.log.info(`starting the Temporal dev server: temporal ${args.join(' ')}`);
  const child = await spawnTethered(options.cli, args, { logFile: options.logFile });
  if (pidFile) writePidFile(pidFile, child.pid);
  let exitStatus: number | null = null;
  void child.exited.then((status) => (exitStatus = status));
  const stop = async () => {
    await child.stop();
    if (pidFile) rmSync(pidFile, { force: true });
  };
  for (let attempt = 0; attempt < 120; attempt++) {
    if (exitStatus !== null) throw new Error(`the Temporal dev server exited with status ${exitStatus}; see ${options.logFile}`);
    if (await answers(address, 1)) {
      options.log.info(`Temporal dev server ready on ${address} (pid ${child.pid})${uiUrl ? `, Web UI at ${uiUrl}` : ''}`);
      return { address, uiUrl, pid: child.pid, exited: child.exited, stop };
    }
    await sleep(500);
  }
  await stop();
  throw new Error(`the Temporal dev server did not answer on ${address} within 60 s; see ${options.logFile}`);
}

/** Whether a Temporal frontend answers a health check on `address` within `seconds`. */
export async function answers(address: string, seconds: number): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: seconds * 1000 });
    try {
      await connection.healthService.check({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}
