import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.ts';
import { RESERVATION_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.ts';

const CLI_TYPE_NAMES: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', DATETIME: 'Datetime', TEXT: 'Text', BOOL: 'Bool', DOUBLE: 'Double', KEYWORD_LIST: 'KeywordList' };

/** `--search-attribute Name=Type` flags for every custom attribute of reservation workflows. */
export function searchAttributeFlags(): string[] {
  return RESERVATION_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`]);
}

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/**
 * Runs `temporal server start-dev` with the search attributes registered, its state in a
 * database file (holds survive a restart) and the Web UI on its port; waits until it answers.
 */
export async function startDevServer(options: {
  cli: string;
  port: number;
  /** Without a UI port the server runs headless (tests). */
  uiPort?: number;
  /** Without a database file the server keeps everything in memory (tests). */
  dbFile?: string;
  logFile: string;
  namespace: string;
  log: Logger;
}): Promise<DevServer> {
  const address = `127.0.0.1:${options.port}`;
  const uiUrl = options.uiPort ? `http://127.0.0.1:${options.uiPort}` : '';
  if (await answers(address, 1)) {
    options.log.warn(`a Temporal server already answers on ${address}; using it`);
    return { address, uiUrl, stop: async () => {} };
  }
  mkdirSync(dirname(options.logFile), { recursive: true });
  const logFile = openSync(options.logFile, 'a');
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--namespace', options.namespace,
    '--log-level', 'warn', ...searchAttributeFlags(),
    ...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : [])];
  options.log.info(`starting the Temporal dev server: temporal ${args.join(' ')}`);
  const child = spawn(options.cli, args, { stdio: ['ignore', logFile, logFile] });
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  const stopChild = () => child.kill('SIGTERM');
  process.once('exit', stopChild);
  for (let attempt = 0; attempt < 120; attempt++) {
    if (exited !== null) throw new Error(`the Temporal dev server exited with code ${exited}; see ${options.logFile}`);
    if (await answers(address, 1)) {
      options.log.info(`Temporal dev server ready on ${address}${uiUrl ? `, Web UI at ${uiUrl}` : ''}`);
      return {
        address,
        uiUrl,
        async stop() {
          process.off('exit', stopChild);
          if (exited !== null) return;
          const gone = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await Promise.race([gone, sleep(5000).then(() => child.kill('SIGKILL'))]);
        },
      };
    }
    await sleep(500);
  }
  stopChild();
  throw new Error(`the Temporal dev server did not answer on ${address} within 60 s; see ${options.logFile}`);
}

async function answers(address: string, seconds: number): Promise<boolean> {
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
