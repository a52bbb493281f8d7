import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { provideTemporalCli } from '../../src/temporal/cli.ts';
import { answers, searchAttributeFlags, startDevServer } from '../../src/temporal/dev-server.ts';
import { processMatches } from '../../src/temporal/tethered.ts';
import { eventually } from '../helpers/wait.ts';
import { freePort } from '../helpers/ports.ts';
import { alive } from '../helpers/processes.ts';

/**
 * The dev server that the engine starts must end with it: after a SIGKILL of its parent no
 * `temporal server start-dev` may keep running (holding its ports and its database file), and a
 * later start must stop a server an earlier run left behind rather than adopt it.
 * Real processes throughout: the Temporal CLI, a Node parent, `kill -9`.
 */
const log = pino({ level: 'silent' });
const PARENT = new URL('./fixtures/dev-server-parent.ts', import.meta.url).pathname;
let cli: string;
let dir: string;
const started: ChildProcess[] = [];


/** A real Node process that starts a dev server on `dbFile` and reports its pid once it answers. */
async function startParent(port: number, dbFile: string) {
  const parent = spawn(process.execPath, [PARENT, cli, String(port), dbFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(parent);
  const ready = await new Promise<{ pid: number; address: string }>((resolve, reject) => {
    let out = '';
    parent.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
    });
    parent.once('exit', (code) => reject(new Error(`the parent exited with ${code} before the server answered`)));
  });
  return { parent, ready };
}

beforeAll(async () => {
  cli = await provideTemporalCli(log, process.env.TEMPORAL_CLI);
  dir = mkdtempSync(join(tmpdir(), 'booking-dev-server-'));
});

afterAll(() => {
  for (const child of started) if (child.pid && alive(child.pid)) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('the Temporal dev server started by the engine', () => {
  test('exits within seconds when the process that started it is killed with SIGKILL', async () => {
    const port = await freePort();
    const dbFile = join(dir, 'killed-parent.db');
    const { parent, ready } = await startParent(port, dbFile);
    expect(processMatches(ready.pid, ['start-dev', dbFile, '--sqlite-pragma', 'journal_mode=wal'])).toBe(true);
    expect(await answers(ready.address, 10)).toBe(true); // it answered once already: a loaded machine may be slow to answer again
    expect(readFileSync(`${dbFile}.pid`, 'utf8').trim()).toBe(String(ready.pid));

    parent.kill('SIGKILL');
    await eventually(() => !alive(ready.pid), 5_000, `dev server pid ${ready.pid} to exit after its parent's SIGKILL`);
    expect(await answers(ready.address, 1)).toBe(false);
  });

  test('stops a server that an earlier run left behind on its database file, instead of adopting it', async () => {
    const port = await freePort();
    const dbFile = join(dir, 'orphan.db');
    // an orphan as older versions left them: started untethered, recorded in the pidfile
    const orphan = spawn(cli, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--db-filename', dbFile, ...searchAttributeFlags()],
      { stdio: 'ignore', detached: true });
    started.push(orphan);
    writeFileSync(`${dbFile}.pid`, `${orphan.pid}\n`);
    await eventually(() => answers(`127.0.0.1:${port}`, 1), 30_000, 'the orphan server to answer');

    const server = await startDevServer({ cli, port, dbFile, logFile: `${dbFile}.log`, namespace: 'default', log });
    try {
      expect(alive(orphan.pid!)).toBe(false);
      expect(server.pid).toBeDefined();
      expect(server.pid).not.toBe(orphan.pid);
      expect(await answers(server.address, 10)).toBe(true);
      expect(readFileSync(`${dbFile}.pid`, 'utf8').trim()).toBe(String(server.pid));
    } finally {
      await server.stop();
    }
    expect(alive(server.pid!)).toBe(false);
    expect(existsSync(`${dbFile}.pid`)).toBe(false);
  });

  test('refuses to take over a database file whose server a running engine still owns', async () => {
    const dbFile = join(dir, 'owned.db');
    const { parent, ready } = await startParent(await freePort(), dbFile);
    await expect(startDevServer({ cli, port: await freePort(), dbFile, logFile: `${dbFile}.log`, namespace: 'default', log }))
      .rejects.toThrow(/belongs to a running process/);
    expect(await answers(ready.address, 10)).toBe(true); // it answered once already: a loaded machine may be slow to answer again
    parent.kill('SIGKILL');
    await eventually(() => !alive(ready.pid), 5_000, `dev server pid ${ready.pid} to exit`);
  });

  test('leaves alone an unrelated process whose pid a stale pidfile names', async () => {
    const port = await freePort();
    const dbFile = join(dir, 'stale.db');
    const bystander = spawn('sleep', ['120'], { stdio: 'ignore' });
    started.push(bystander);
    writeFileSync(`${dbFile}.pid`, `${bystander.pid}\n`);

    const server = await startDevServer({ cli, port, dbFile, logFile: `${dbFile}.log`, namespace: 'default', log });
    await server.stop();
    expect(alive(bystander.pid!)).toBe(true);
    bystander.kill('SIGKILL');
  });
});
