import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { eventually } from '../helpers/wait.ts';
import { freePort } from '../helpers/ports.ts';
import { alive } from '../helpers/processes.ts';

/**
 * `npm run start:cluster` as a newcomer runs it (src/cluster.ts, real processes): it brings up
 * Temporal, 2 API processes on one port, a worker and the gateway; and however the supervisor
 * ends, SIGTERM or SIGKILL, no child and no Temporal server is left running.
 */
const CLUSTER = new URL('../../src/cluster.ts', import.meta.url).pathname;
const UP_TIMEOUT_MS = 240_000;
const TEST_TIMEOUT_MS = UP_TIMEOUT_MS + 60_000;

let db: TestDatabase;
let dir: string;
const supervisors: ChildProcess[] = [];


/** Starts the supervisor and resolves once it says the deployment is up. */
async function startCluster() {
  const ports = { api: await freePort(), gateway: await freePort(), temporal: await freePort(), ui: await freePort() };
  const dbFile = join(dir, `temporal-${randomUUID().slice(0, 8)}.db`);
  const { TEMPORAL_ADDRESS: _external, ...inherited } = process.env; // the supervisor starts its own server
  const supervisor = spawn(process.execPath, [CLUSTER], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...inherited,
      NODE_ENV: 'test', LOG_LEVEL: 'info', SEED_DEMO: 'false',
      DATABASE_URL: db.url, PORT: String(ports.api), CLUSTER_GATEWAY_PORT: String(ports.gateway),
      TEMPORAL_DEV_PORT: String(ports.temporal), TEMPORAL_UI_PORT: String(ports.ui), TEMPORAL_DB_FILE: dbFile,
      CLUSTER_API_PROCESSES: '2', CLUSTER_WORKER_PROCESSES: '1',
      TEMPORAL_TASK_QUEUE: `cluster-${randomUUID().slice(0, 8)}`,
    },
  });
  supervisors.push(supervisor);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the cluster did not come up within ${UP_TIMEOUT_MS / 1000} s:\n${output.slice(-3000)}`)), UP_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('running as a split deployment')) { clearTimeout(timer); resolve(); }
    };
    supervisor.stdout!.on('data', onData);
    supervisor.stderr!.on('data', onData);
    supervisor.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the supervisor exited with ${code}:\n${output.slice(-3000)}`)); });
  });
  const children = spawnSync('pgrep', ['-P', String(supervisor.pid)], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number);
  const temporalPid = Number(readFileSync(`${dbFile}.pid`, 'utf8'));
  return { supervisor, ports, children, temporalPid, output: () => output };
}

beforeAll(async () => {
  db = await createTestDatabase('cluster');
  dir = mkdtempSync(join(tmpdir(), 'booking-cluster-'));
});

afterAll(async () => {
  for (const s of supervisors) if (s.pid && alive(s.pid)) s.kill('SIGKILL');
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run start:cluster', () => {
  test('serves the API from two processes on one port and Socket.io from the gateway, and a SIGKILL of the supervisor leaves nothing running', async () => {
    const cluster = await startCluster();
    const mainPids = cluster.children.filter((pid) => /src\/main\.ts (api|worker|gateway)/.test(spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).stdout));
    expect(mainPids).toHaveLength(4); // 2 api, 1 worker, 1 gateway
    expect(alive(cluster.temporalPid)).toBe(true);

    for (let i = 0; i < 4; i++) {
      const response = await fetch(`http://127.0.0.1:${cluster.ports.api}/api/health`, { headers: { connection: 'close' } });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ ok: true, checks: { postgres: 'ok', redis: 'ok', temporal: 'ok' } });
    }

    // the gateway answers a join from PostgreSQL (an unknown event: NOT_FOUND)
    const socket = io(`http://127.0.0.1:${cluster.ports.gateway}`, { transports: ['websocket'], reconnection: false });
    try {
      const ack = await new Promise<{ ok: boolean; error?: { code: string } }>((resolve, reject) => {
        socket.once('connect_error', reject);
        socket.once('connect', () => socket.emit('event:join', { eventId: randomUUID() }, resolve));
      });
      expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    } finally {
      socket.close();
    }

    cluster.supervisor.kill('SIGKILL');
    for (const pid of [...cluster.children, cluster.temporalPid]) {
      await eventually(() => !alive(pid), 10_000, `pid ${pid} to exit after the supervisor's SIGKILL`);
    }
  }, TEST_TIMEOUT_MS);

  test('SIGTERM stops every child and Temporal, and the supervisor exits 0', async () => {
    const cluster = await startCluster();
    const exited = new Promise<number | null>((resolve) => cluster.supervisor.once('exit', resolve));
    cluster.supervisor.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of [...cluster.children, cluster.temporalPid]) expect(alive(pid)).toBe(false);
    expect(cluster.output()).toContain('every process has stopped');
  }, TEST_TIMEOUT_MS);
});
