import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The catalog-search benchmark in miniature, so its harness cannot rot: `bench/catalog.ts` on
 * 200 events. It asserts what the run found and wrote, never a timing.
 */
describe('the catalog-search benchmark (npm run bench:catalog)', () => {
  const out = mkdtempSync(join(tmpdir(), 'bench-catalog-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('fills a catalog, runs every query shape through listEvents, and reports matches that follow from the data', async () => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // jest's --experimental-vm-modules is not for the harness
    const child = spawn(process.execPath, ['bench/catalog.ts', '--events', '200', '--runs', '2', '--out', out], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('## Catalog search: 200 events');

    const [file] = readdirSync(out).filter((f) => f.startsWith('catalog-') && f.endsWith('.json'));
    const report = JSON.parse(readFileSync(join(out, file), 'utf8')) as { results: Array<{ name: string; total: number; latencyMs: { count: number } }> };
    expect(report.results).toHaveLength(11);
    const total = (name: string) => report.results.find((r) => r.name.startsWith(name))?.total;
    // a tenth of the 200 events are drafts, which the public catalog never lists
    expect(total('everything on sale')).toBe(180);
    expect(total('status ON_SALE')).toBe(180);
    expect(total('a deep page')).toBe(180);
    // events #1..#200: "#4242" names none of them; 50 venues take 4 events each (drafts among them)
    expect(total('keyword matching one event')).toBe(0);
    expect(total('one venue')).toBeGreaterThan(0);
    expect(total('with places left')).toBeLessThan(180); // about a fifth are sold out
    expect(report.results.every((r) => r.latencyMs.count === 2)).toBe(true);
  }, 180_000);
});
