/**
 * The full Temporal server on PostgreSQL, as production runs it (services that scale apart,
 * persistence in a real database), on this machine:
 *  1. its binaries: the server, its SQL schema tool and the Web UI server, each built once with
 *     `go install` into ~/.cache/booking-engine/ (about 4 minutes, progress printed);
 *  2. its two databases (`temporal`, `temporal_visibility` by default), created and migrated with
 *     the schema tool from the server module's own schema files;
 *  3. its config, written from the module's config/development-postgres12.yaml with our ports,
 *     databases and credentials;
 *  4. the server, then the namespace and the reservation search attributes (Temporal CLI), then
 *     the Web UI pointed at it.
 * The server and the UI die with the process that started them (tethered.ts), and a pidfile in
 * the data directory lets the next start stop whatever an earlier run left behind.
 * Measured recipe: ../shared/TOOLCHAIN.md ("The full Temporal server").
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { cachedBinaryPath, type GoBinary, moduleDir, provideGoBinary, run } from '../go-binaries.ts';
import type { Logger } from '../logger.ts';
import { answers, searchAttributeTypes } from './dev-server.ts';
import { reclaimFromPidFile, spawnTethered, writePidFile, type TetheredProcess } from './tethered.ts';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
/** v2.56 and later need a newer Go than 1.26 (TOOLCHAIN.md). */
export const TEMPORAL_UI_SERVER_VERSION = 'v2.55.0';

const SERVER: GoBinary = { label: 'Temporal server', module: 'go.temporal.io/server', command: 'go.temporal.io/server/cmd/server', version: TEMPORAL_SERVER_VERSION, built: 'server', cached: 'temporal-server', duration: 'about 4 minutes' };
const SQL_TOOL: GoBinary = { label: 'Temporal SQL schema tool', module: 'go.temporal.io/server', command: 'go.temporal.io/server/cmd/tools/sql', version: TEMPORAL_SERVER_VERSION, built: 'sql', cached: 'temporal-sql-tool', duration: 'under a minute once the server is built' };
const UI_SERVER: GoBinary = { label: 'Temporal Web UI server', module: 'github.com/temporalio/ui-server/v2', command: 'github.com/temporalio/ui-server/v2/cmd/server', version: TEMPORAL_UI_SERVER_VERSION, built: 'server', cached: 'temporal-ui-server', duration: 'about 1 minute' };

/** Builds whatever is missing of the server, the schema tool and the UI server, in parallel, with one progress line. */
export async function provideFullServerBinaries(log: Logger): Promise<{ server: string; sqlTool: string; uiServer: string }> {
  const pending = new Set<string>();
  const started = Date.now();
  const ticker = setInterval(() => pending.size && log.info(`still building the ${[...pending].join(', ')} (${Math.round((Date.now() - started) / 1000)} s)`), 20_000);
  try {
    const [server, sqlTool, uiServer] = await Promise.all([SERVER, SQL_TOOL, UI_SERVER].map(async (binary) => {
      if (!existsSync(cachedBinaryPath(binary))) pending.add(binary.label);
      try {
        return await provideGoBinary(binary, log, true);
      } finally {
        pending.delete(binary.label);
      }
    }));
    return { server, sqlTool, uiServer };
  } finally {
    clearInterval(ticker);
  }
}

/**
 * Sets values in a block-style YAML document by dotted key path (`a.b.c`), keeping its comments
 * and order. Top-level keys that are missing are appended; a missing nested key is an error, so
 * a changed upstream file fails loudly instead of being half-configured. Values are written as
 * JSON scalars, which YAML reads as the same values.
 */
export function setYamlValues(text: string, values: Record<string, string | number | boolean>): string {
  const pending = new Map(Object.entries(values));
  const stack: Array<{ indent: number; key: string }> = [];
  const lines = text.split('\n').map((line) => {
    const match = /^(\s*)([A-Za-z0-9_.-]+):(\s*)(.*)$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) return line;
    const indent = match[1].length;
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    stack.push({ indent, key: match[2] });
    const path = stack.map((entry) => entry.key).join('.');
    if (!pending.has(path)) return line;
    const value = pending.get(path)!;
    pending.delete(path);
    return `${match[1]}${match[2]}: ${JSON.stringify(value)}`;
  });
  const nested = [...pending.keys()].filter((path) => path.includes('.'));
  if (nested.length) throw new Error(`the YAML template has no ${nested.join(', ')}`);
  for (const [key, value] of pending) lines.push(`${key}: ${JSON.stringify(value)}`);
  return lines.join('\n');
}

export interface FullServerOptions {
  /** The Temporal CLI, for the namespace and the search attributes. */
  cli: string;
  /** PostgreSQL server (no database in the path), e.g. postgres://postgres@127.0.0.1:5432. */
  postgresUrl: string;
  database: string;
  visibilityDatabase: string;
  /** Frontend gRPC port; the other services take the next ports (see portsFrom). */
  port: number;
  /** Web UI port; without it no UI is started. */
  uiPort?: number;
  namespace: string;
  /** Config, logs and pidfiles go here. */
  dataDir: string;
  /** Extra dynamic config, e.g. `{ 'matching.numTaskqueueReadPartitions': 1 }`. */
  dynamicConfig?: Record<string, unknown>;
  /** Drop both databases first (benchmarks start from empty ones). */
  fresh?: boolean;
  log: Logger;
}

export interface FullServer {
  address: string;
  uiUrl: string;
  pid: number;
  /** Resolves when the server or the UI exits, with which one and its status. */
  exited: Promise<{ what: 'server' | 'ui'; status: number }>;
  stop(): Promise<void>;
}

/** The ports of the server's four services from the frontend's: frontend, history, matching, worker, then HTTP, metrics and membership. */
export function portsFrom(port: number) {
  return {
    frontend: port, history: port + 1, matching: port + 2, worker: port + 3, http: port + 4, metrics: port + 5,
    membership: { frontend: port + 10, history: port + 11, matching: port + 12, worker: port + 13 },
  };
}

/**
 * The server stores its services' membership ports in a PostgreSQL `smallint`: with a frontend
 * port above 32767 - 13 it fails at start ("value ... is out of range for type smallint").
 */
const HIGHEST_FRONTEND_PORT = 32_767 - 13;

const portIsFree = (port: number) => new Promise<boolean>((resolvePort) => {
  const server = createServer().once('error', () => resolvePort(false)).listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)));
});

/** A frontend port whose every service port (see portsFrom) is free now and fits the server's membership table. */
export async function freeFullServerPort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = 20_000 + Math.floor(Math.random() * (HIGHEST_FRONTEND_PORT - 20_000));
    const { membership, ...services } = portsFrom(port);
    const all = [...Object.values(services), ...Object.values(membership)];
    if ((await Promise.all(all.map(portIsFree))).every(Boolean)) return port;
  }
  throw new Error('found no free ports for the full Temporal server between 20000 and 32754');
}

export async function startFullServer(options: FullServerOptions): Promise<FullServer> {
  const { log } = options;
  if (options.port > HIGHEST_FRONTEND_PORT) {
    throw new Error(`the full Temporal server's port must be at most ${HIGHEST_FRONTEND_PORT} (it keeps its services' ports, up to port + 13, in a smallint); got ${options.port}`);
  }
  const binaries = await provideFullServerBinaries(log);
  const [serverModule, uiModule] = await Promise.all([moduleDir(SERVER), moduleDir(UI_SERVER)]);
  const dataDir = resolve(options.dataDir);
  const address = `127.0.0.1:${options.port}`;
  const serverRoot = join(dataDir, 'server');
  const uiRoot = join(dataDir, 'ui');
  // whatever an earlier run left behind goes first, before its databases change under it
  await reclaimFromPidFile(join(dataDir, 'ui.pid'), ['temporal-ui-server', uiRoot], log);
  await reclaimFromPidFile(join(dataDir, 'server.pid'), ['temporal-server', serverRoot], log);

  await prepareDatabases(binaries.sqlTool, serverModule, options);
  writeServerConfig(serverModule, serverRoot, options);
  if (await answers(address, 1)) throw new Error(`something already answers on ${address}; choose another port for the full Temporal server`);

  const serverArgs = ['--root', serverRoot, '--config', 'config', '--env', 'development-postgres12', '--allow-no-auth', 'start'];
  log.info(`starting the full Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL (${options.database}, ${options.visibilityDatabase}): ${binaries.server} ${serverArgs.join(' ')}`);
  const server = await spawnTethered(binaries.server, serverArgs, { logFile: join(dataDir, 'server.log') });
  writePidFile(join(dataDir, 'server.pid'), server.pid);
  let ui: TetheredProcess | undefined;
  const stop = async () => {
    await ui?.stop();
    await server.stop(10_000);
    rmSync(join(dataDir, 'server.pid'), { force: true });
    rmSync(join(dataDir, 'ui.pid'), { force: true });
  };
  try {
    await waitFor(() => answers(address, 1), 60_000, `the Temporal server to answer on ${address}`, server, join(dataDir, 'server.log'));
    log.info(`Temporal server answering on ${address} (pid ${server.pid})`);
    await registerNamespace(options.cli, address, options.namespace, log);
    let uiUrl = '';
    if (options.uiPort) {
      writeUiConfig(uiModule, uiRoot, address, options);
      ui = await spawnTethered(binaries.uiServer, ['--root', uiRoot, '--config', 'config', '--env', 'development', 'start'], { logFile: join(dataDir, 'ui.log') });
      writePidFile(join(dataDir, 'ui.pid'), ui.pid);
      uiUrl = `http://127.0.0.1:${options.uiPort}`;
      await waitFor(() => fetch(uiUrl).then((response) => response.ok, () => false), 30_000, `the Temporal UI on ${uiUrl}`, ui, join(dataDir, 'ui.log'));
      log.info(`Temporal Web UI ${TEMPORAL_UI_SERVER_VERSION} at ${uiUrl} (pid ${ui.pid})`);
    }
    const exited = Promise.race([
      server.exited.then((status) => ({ what: 'server' as const, status })),
      ...(ui ? [ui.exited.then((status) => ({ what: 'ui' as const, status }))] : []),
    ]);
    return { address, uiUrl, pid: server.pid, exited, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string, process: TetheredProcess, logFile: string): Promise<void> {
  let status: number | undefined;
  void process.exited.then((s) => (status = s));
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (status !== undefined) throw new Error(`gave up waiting for ${what}: it exited with status ${status}; see ${logFile}`);
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s; see ${logFile}`);
}

/** Creates both databases when missing, sets up the schema version tables, and applies every versioned schema change. */
async function prepareDatabases(sqlTool: string, serverModule: string, options: FullServerOptions): Promise<void> {
  const url = new URL(options.postgresUrl);
  const connection = ['--ep', url.hostname, '-p', url.port || '5432', '-u', decodeURIComponent(url.username || 'postgres'), '--pl', 'postgres12',
    ...(url.password ? ['--pw', decodeURIComponent(url.password)] : [])];
  const admin = new URL(options.postgresUrl);
  admin.pathname = '/postgres';
  for (const [database, schema] of [[options.database, 'temporal'], [options.visibilityDatabase, 'visibility']] as const) {
    const started = Date.now();
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      if (options.fresh) await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
      const exists = (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1;
      if (!exists) await run(sqlTool, [...connection, '--db', database, 'create'], { what: `temporal-sql-tool create ${database}` });
    } finally {
      await client.end();
    }
    const db = new URL(options.postgresUrl);
    db.pathname = `/${database}`;
    const dbClient = new pg.Client({ connectionString: db.toString() });
    await dbClient.connect();
    let versioned: boolean;
    try {
      versioned = (await dbClient.query(`SELECT to_regclass('schema_version') IS NOT NULL AS found`)).rows[0].found;
    } finally {
      await dbClient.end();
    }
    if (!versioned) await run(sqlTool, [...connection, '--db', database, 'setup-schema', '-v', '0.0'], { what: `temporal-sql-tool setup-schema ${database}` });
    await run(sqlTool, [...connection, '--db', database, 'update-schema', '-d', join(serverModule, 'schema/postgresql/v12', schema, 'versioned')],
      { what: `temporal-sql-tool update-schema ${database}` });
    options.log.info(`PostgreSQL database ${database} ready for Temporal (${schema} schema, ${Date.now() - started} ms)`);
  }
}

function writeServerConfig(serverModule: string, root: string, options: FullServerOptions): void {
  const url = new URL(options.postgresUrl);
  const ports = portsFrom(options.port);
  const dynamicConfigFile = join(root, 'config', 'dynamicconfig', 'development-sql.yaml');
  mkdirSync(join(root, 'config', 'dynamicconfig'), { recursive: true });
  const store = (database: string) => ({
    databaseName: database,
    connectAddr: `${url.hostname}:${url.port || '5432'}`,
    user: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
  });
  const values: Record<string, string | number> = {
    'log.level': 'warn',
    'global.pprof.port': 0, // 0 turns pprof off
    'global.metrics.prometheus.listenAddress': `127.0.0.1:${ports.metrics}`,
    'services.frontend.rpc.grpcPort': ports.frontend,
    'services.frontend.rpc.httpPort': ports.http,
    'services.frontend.rpc.membershipPort': ports.membership.frontend,
    'services.history.rpc.grpcPort': ports.history,
    'services.history.rpc.membershipPort': ports.membership.history,
    'services.matching.rpc.grpcPort': ports.matching,
    'services.matching.rpc.membershipPort': ports.membership.matching,
    'services.worker.rpc.grpcPort': ports.worker,
    'services.worker.rpc.membershipPort': ports.membership.worker,
    'clusterMetadata.clusterInformation.active.rpcAddress': `127.0.0.1:${ports.frontend}`,
    'dynamicConfigClient.filepath': dynamicConfigFile,
  };
  for (const [name, database] of [['postgres-default', options.database], ['postgres-visibility', options.visibilityDatabase]] as const) {
    for (const [key, value] of Object.entries(store(database))) values[`persistence.datastores.${name}.sql.${key}`] = value;
  }
  const template = readFileSync(join(serverModule, 'config', 'development-postgres12.yaml'), 'utf8');
  writeFileSync(join(root, 'config', 'development-postgres12.yaml'), setYamlValues(template, values));

  // the module's dynamic config, with the Nexus callback on our HTTP port, plus ours
  const dynamic = readFileSync(join(serverModule, 'config', 'dynamicconfig', 'development-sql.yaml'), 'utf8')
    .replaceAll('localhost:7243', `127.0.0.1:${ports.http}`);
  const extra = Object.entries(options.dynamicConfig ?? {}).map(([key, value]) => `${key}:\n  - value: ${JSON.stringify(value)}\n`).join('');
  writeFileSync(dynamicConfigFile, `${dynamic.trimEnd()}\n${extra}`);
}

function writeUiConfig(uiModule: string, root: string, address: string, options: FullServerOptions): void {
  mkdirSync(join(root, 'config'), { recursive: true });
  const base = readFileSync(join(uiModule, 'config', 'base.yaml'), 'utf8');
  writeFileSync(join(root, 'config', 'base.yaml'), setYamlValues(base, { temporalGrpcAddress: address, port: options.uiPort!, host: '127.0.0.1' }));
  // development.yaml overrides base.yaml (its port, its default namespace)
  const development = readFileSync(join(uiModule, 'config', 'development.yaml'), 'utf8');
  writeFileSync(join(root, 'config', 'development.yaml'), setYamlValues(development, { port: options.uiPort!, defaultNamespace: options.namespace }));
}

/**
 * The namespace, then every custom search attribute of reservation workflows that is missing.
 * Retried for a while: a namespace just created is not visible to
 * every service until their namespace caches refresh (about 10 s).
 */
async function registerNamespace(cli: string, address: string, namespace: string, log: Logger): Promise<void> {
  const temporal = (...args: string[]) => run(cli, [...args, '--address', address], { what: `temporal ${args.join(' ')}` });
  try {
    await temporal('operator', 'namespace', 'describe', '--namespace', namespace);
  } catch {
    log.info(`creating the Temporal namespace "${namespace}"`);
    await temporal('operator', 'namespace', 'create', '--namespace', namespace, '--retention', '72h');
  }
  const wanted = searchAttributeTypes();
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const listed = JSON.parse(await temporal('operator', 'search-attribute', 'list', '--namespace', namespace, '--output', 'json')) as unknown;
      const existing = new Map(searchAttributeEntries(listed));
      const wrong = wanted.filter((a) => existing.has(a.name) && normalType(existing.get(a.name)!) !== normalType(a.type));
      if (wrong.length) throw Object.assign(new Error(`search attributes with another type already exist: ${wrong.map((a) => `${a.name} is ${existing.get(a.name)}, not ${a.type}`).join('; ')}`), { fatal: true });
      const missing = wanted.filter((a) => !existing.has(a.name));
      if (!missing.length) break;
      // one --type per --name: `--name A --name B --type Keyword` creates only A (CLI 1.5.1)
      await temporal('operator', 'search-attribute', 'create', '--namespace', namespace, ...missing.flatMap((a) => ['--name', a.name, '--type', a.type]));
    } catch (error) {
      if ((error as { fatal?: boolean }).fatal || Date.now() - started > 60_000) throw error;
      if (attempt % 4 === 1) log.info(`waiting for namespace "${namespace}" to accept search attributes (${(error as Error).message.split('\n')[0]})`);
      await sleep(1000);
    }
  }
  log.info(`namespace "${namespace}" has the search attributes ${wanted.map((a) => `${a.name} (${a.type})`).join(', ')}`);
}

const normalType = (type: string) => type.replace(/^INDEXED_VALUE_TYPE_/, '').replaceAll('_', '').toLowerCase();

/** Custom attributes as [name, type] from `temporal operator search-attribute list -o json` ({ customAttributes: { Name: 'INDEXED_VALUE_TYPE_KEYWORD' } }). */
function searchAttributeEntries(listed: unknown): Array<[string, string]> {
  return Object.entries((listed as { customAttributes?: Record<string, string> }).customAttributes ?? {});
}
