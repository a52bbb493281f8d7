/**
 * `npm run bench:chaos`: the chaos runs, with every invariant checked (bench/chaos/checks.ts).
 * Prints progress and a Markdown summary; exits 1 on any violation.
 *
 * --scenario crash (default): the crash schedule of issue 8 at full size, run again and again in
 * both modes (the engine's process SIGKILLed alone, and with its Temporal dev server)
 * (bench/chaos/crash-schedule.ts).
 *   npm run bench:chaos                      10 runs per mode, 120 holds of 2 seats for 40 s
 *   npm run bench:chaos -- --runs 2 --holds 60 --hold-seconds 30 --modes engine
 *
 * --scenario lifecycle: the lifecycle run of issue 7 (bench/chaos/lifecycle.ts): the split
 * deployment under a full-lifecycle load while worker processes are SIGKILLed, Redis, an API
 * process, the gateway and the Temporal dev server restarted; also writes
 * bench-results/chaos-lifecycle-<time>.json.
 *   npm run bench:chaos -- --scenario lifecycle                       about 6 minutes
 *   npm run bench:chaos -- --scenario lifecycle --duration 60 --rate 3 --worker-kills 1
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type CrashMode, type CrashReport, runCrashSchedule } from './chaos/crash-schedule.ts';
import { lifecycleSummary, runLifecycleChaos } from './chaos/lifecycle.ts';

const HELP = `npm run bench:chaos -- [--scenario crash|lifecycle] [flags]
crash (default):
  --runs N               runs per mode (default 10)
  --holds N              holds of 2 seats per run (default 120)
  --hold-seconds N       (default 40)
  --kill-after-ms N      from the checkouts' start to the SIGKILL (default 1000)
  --modes LIST           engine,power-cut (default both)
lifecycle:
  --duration S           seconds of load (default 240)
  --rate N               customer journeys started per second, about 4 requests each (default 6)
  --customers N          (default 200)
  --worker-kills N       SIGKILLs of a worker process (default 5)
  --redis-restarts N     (default 1)   --temporal-restarts N (default 1)
  --api-restarts N       (default 1)   --gateway-kills N     (default 1)
  --hold-seconds N       holds that go on to a checkout or a cancel (default 20)
  --short-hold-seconds N holds left to expire (default 6)
  --sample-seconds N     invariant samples during the load (default 15)
  --seed N               seed of the load's random choices (default: random)
  --redis machine|own    restart the machine's Redis on 6379 (default) or a redis-server of the run's own
  --keep                 keep logs and the Temporal database file (kept anyway when a check fails)
  --out DIR              where the JSON report goes (default bench-results)`;

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'crash' },
    runs: { type: 'string', default: '10' },
    holds: { type: 'string', default: '120' },
    'hold-seconds': { type: 'string' },
    'kill-after-ms': { type: 'string', default: '1000' },
    modes: { type: 'string', default: 'engine,power-cut' },
    duration: { type: 'string', default: '240' },
    rate: { type: 'string', default: '6' },
    customers: { type: 'string', default: '200' },
    'worker-kills': { type: 'string', default: '5' },
    'redis-restarts': { type: 'string', default: '1' },
    'temporal-restarts': { type: 'string', default: '1' },
    'api-restarts': { type: 'string', default: '1' },
    'gateway-kills': { type: 'string', default: '1' },
    'short-hold-seconds': { type: 'string', default: '6' },
    'sample-seconds': { type: 'string', default: '15' },
    seed: { type: 'string' },
    redis: { type: 'string', default: 'machine' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench-results' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const number = (name: string, value: string | undefined, min = 0): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`--${name} must be a number of at least ${min}\n\n${HELP}\n`);
    process.exit(2);
  }
  return n;
};
const started = performance.now();
const out = (line: string) => process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);

if (values.scenario === 'lifecycle') {
  if (values.redis !== 'machine' && values.redis !== 'own') {
    process.stderr.write(`--redis must be machine or own\n\n${HELP}\n`);
    process.exit(2);
  }
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const report = await runLifecycleChaos({
    durationSeconds: number('duration', values.duration, 10),
    rate: number('rate', values.rate, 0.1),
    customers: number('customers', values.customers, 1),
    workerKills: number('worker-kills', values['worker-kills']),
    redisRestarts: number('redis-restarts', values['redis-restarts']),
    temporalRestarts: number('temporal-restarts', values['temporal-restarts']),
    apiRestarts: number('api-restarts', values['api-restarts']),
    gatewayKills: number('gateway-kills', values['gateway-kills']),
    holdSeconds: number('hold-seconds', values['hold-seconds'] ?? '20', 2),
    shortHoldSeconds: number('short-hold-seconds', values['short-hold-seconds'], 2),
    sampleSeconds: number('sample-seconds', values['sample-seconds'], 1),
    seed: values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : number('seed', values.seed),
    redis: values.redis,
    workDir: join(tmpdir(), `bench-chaos-lifecycle-${process.pid}`),
    keep: values.keep,
    progress: out,
  });
  const outDir = resolve(repo, values.out!);
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `chaos-lifecycle-${report.startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${lifecycleSummary(report)}\nJSON: ${relative(repo, file)}${report.workDir ? `; logs and Temporal database kept in ${report.workDir}` : ''}\n`);
  process.exit(report.violations.length > 0 ? 1 : 0);
}
if (values.scenario !== 'crash') {
  process.stderr.write(`--scenario must be crash or lifecycle\n\n${HELP}\n`);
  process.exit(2);
}

const runs = number('runs', values.runs, 1);
const holds = number('holds', values.holds, 1);
const holdSeconds = number('hold-seconds', values['hold-seconds'] ?? '40', 2);
const modes = values.modes!.split(',') as CrashMode[];
// the issue's mix for 120 holds: 40 success, 40 slow, 10 declined, 30 left to expire
const checkouts = { success: Math.round(holds / 3), slow: Math.round(holds / 3), declined: Math.round(holds / 12) };

const reports: CrashReport[] = [];
for (let run = 1; run <= runs; run++) {
  for (const mode of modes) {
    out(`run ${run}/${runs}, ${mode}: load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const report = await runCrashSchedule({
      mode, holds, checkouts, holdSeconds, killAfterMs: Number(values['kill-after-ms']),
      workDir: join(tmpdir(), `bench-chaos-${process.pid}-${run}-${mode}`),
      progress: (line) => out(`  ${line}`),
    });
    reports.push(report);
    out(`  ${report.violations.length === 0 ? 'no violation' : `${report.violations.length} VIOLATIONS:\n    ${report.violations.join('\n    ')}`}`);
  }
}

const rows = reports.map((r, i) => `| ${Math.floor(i / modes.length) + 1} | ${r.mode} | ${r.holds} | ${r.checkoutsSent} | ${r.answeredBeforeCrash} | ${r.cutOffByCrash} | ${r.retried} | ${Object.entries(r.final).map(([s, n]) => `${s} ${n}`).join(', ')} | ${r.chargedCents} − ${r.refundedCents} = ${r.bookedCents} | ${r.workflowsChecked} | ${r.secondsToSettle} | ${r.violations.length} |`);
process.stdout.write([
  '',
  `Crash schedule: ${holds} holds of 2 seats for ${holdSeconds} s; checkouts ${checkouts.success} success, ${checkouts.slow} slow, ${checkouts.declined} declined; SIGKILL after ${values['kill-after-ms']} ms. Load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}.`,
  '',
  '| run | mode | holds | checkouts | answered before the crash | cut off | retried | final states | charged − refunded = booked (cents) | workflows checked | s to settle after restart | violations |',
  '|---:|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|',
  ...rows,
  '',
].join('\n'));
process.exit(reports.some((r) => r.violations.length > 0) ? 1 : 0);
