import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { alive } from '../helpers/processes.ts';

/**
 * The flash-sale benchmark in miniature, so its harness cannot rot: `bench/flash.ts` with tiny
 * sizes against the suite's Temporal dev server. It asserts what the run checked and wrote,
 * and that it left nothing behind; never a timing (speed is the benchmark's to print).
 */
const BUYERS = 120;
const PLACES = 30;
const BARE_STARTS = 100;
const PROBES = 5;
const databaseBase = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';

function runHarness(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // jest's --experimental-vm-modules is not for the harness
  const child = spawn(process.execPath, ['bench/flash.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('the flash-sale benchmark (npm run bench:flash)', () => {
  const out = mkdtempSync(join(tmpdir(), 'bench-flash-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs a small GA sale with checkout, passes its checks, writes JSON and a PNG, and leaves nothing running', async () => {
    const address = process.env.TEMPORAL_TEST_ADDRESS;
    if (!address) throw new Error('run the tests with `npm test`: it starts the Temporal dev server they use');
    const run = await runHarness([
      '--buyers', String(BUYERS), '--places', String(PLACES), '--concurrency', '20', '--seating', 'ga', '--checkout',
      '--temporal-address', address, '--out', out, '--bare-starts', String(BARE_STARTS), '--expiry-probes', String(PROBES),
    ]);
    const files = readdirSync(out);
    const json = files.find((f) => /^flash-ga-all-.*\.json$/.test(f));
    const png = files.find((f) => /^flash-ga-all-.*\.png$/.test(f));
    if (run.code !== 0 || !json) throw new Error(`the harness exited with ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`);
    expect(run.stdout).toContain('| hold sale (all requests) |');
    expect(run.stdout).toContain('all checks passed');

    const report = JSON.parse(readFileSync(join(out, json), 'utf8'));
    expect(report.passed).toBe(true);
    expect(report.checks.length).toBeGreaterThanOrEqual(10);
    expect(report.checks.filter((c: { ok: boolean }) => !c.ok)).toEqual([]);
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining([
      'GA: winners = places (exactly)',
      'PostgreSQL: no seat held by two live reservations',
      'no workflow for a loser',
      "every winner's workflow Running and HELD within 5 s of the last answer",
      'PostgreSQL: every winner CONFIRMED, with one booking and one successful charge',
      'every expired probe hold became claimable again',
    ]));

    const f = report.figures;
    expect(f.sale.requests).toBe(BUYERS);
    expect(f.winners.requests).toBe(PLACES);
    expect(f.rejections.requests).toBe(BUYERS - PLACES);
    expect(f.sale.errors).toBe(0);
    expect(f.checkout.requests).toBe(PLACES);
    expect(f.expiry.probes).toBe(PROBES);
    expect(f.bareStart.requests).toBe(BARE_STARTS);
    expect(f.bareClaim).toMatchObject({ requests: BUYERS, won: PLACES, taken: BUYERS - PLACES, errors: 0 });
    for (const figure of [f.sale, f.winners, f.rejections, f.checkout, f.bareStart, f.bareClaim]) {
      expect(figure.rate).toBeGreaterThan(0);
      expect(figure.latency).toEqual(expect.objectContaining({ p50: expect.any(Number), p90: expect.any(Number), p99: expect.any(Number), max: expect.any(Number) }));
    }
    expect(f.visibility.heldRunningAfterMs).toEqual(expect.any(Number));
    expect(f.sessions).toEqual(expect.objectContaining({ growth: expect.any(Number), poolBudget: 20 }));
    expect(report.temporal.store.kind).toBe('dev-server-memory');

    expect(report.samples.holds).toHaveLength(BUYERS);
    expect(report.samples.holds[0]).toEqual(expect.objectContaining({ status: expect.any(Number), ms: expect.any(Number), sentS: expect.any(Number) }));
    expect(report.samples.holds.filter((h: { status: number }) => h.status === 201)).toHaveLength(PLACES);
    expect(report.samples.checkouts).toHaveLength(PLACES);
    expect(report.samples.bareStart).toHaveLength(BARE_STARTS);
    expect(report.samples.bareClaim).toHaveLength(BUYERS);
    expect(report.phases.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['hold sale', 'checkout', 'bare Temporal start', 'bare PostgreSQL claim']));
    for (const phase of report.phases) {
      expect(Object.keys(phase.cpu)).toEqual(expect.arrayContaining(['engine', 'temporal', 'postgres', 'redis', 'load generator']));
    }

    expect(png).toBeDefined();
    const image = readFileSync(join(out, png!));
    expect(image.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(image.length).toBeGreaterThan(20_000);

    // nothing left behind: the engine's process group, its database, its Temporal data
    expect(alive(report.engine.pid)).toBe(false);
    expect(existsSync(join('.data', `bench-${report.runId}`))).toBe(false);
    const admin = new pg.Client({ connectionString: `${databaseBase}/postgres` });
    await admin.connect();
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [f.sessions.database]);
      expect(rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  }, 150_000);
});
