import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type FaultKind, lifecycleSummary, runLifecycleChaos } from '../../bench/chaos/lifecycle.ts';

/**
 * The split deployment (2 API processes, 2 workers, 1 gateway) under a full-lifecycle load for a
 * minute, past the rate-limit window, while a worker is SIGKILLed and Redis, an API process, the
 * gateway and the Temporal dev server are restarted; then every invariant of the lifecycle chaos
 * run (bench/chaos/lifecycle.ts) is checked. Redis is a redis-server of the test's own, so the
 * test files running beside it keep theirs. The long version: `npm run bench:chaos -- --scenario lifecycle`.
 */
describe('the split deployment under a full-lifecycle load with processes failing', () => {
  test('keeps every invariant while a worker is killed and Redis, an API process, the gateway and the Temporal dev server restart', async () => {
    const bundle = process.env.TEMPORAL_WORKFLOW_BUNDLE;
    const report = await runLifecycleChaos({
      durationSeconds: 65, rate: 3, customers: 40, holdSeconds: 12, shortHoldSeconds: 4, sampleSeconds: 10, seed: 20261201,
      workerKills: 1, redisRestarts: 1, temporalRestarts: 1, apiRestarts: 1, gatewayKills: 1, redis: 'own',
      workDir: join(tmpdir(), `lifecycle-chaos-${process.pid}`),
      ...(bundle ? { workflowBundle: resolve(bundle) } : {}),
      progress: (line) => process.stdout.write(`[lifecycle chaos] ${line}\n`),
    });
    process.stdout.write(`${lifecycleSummary(report)}\n`);

    // the faults happened: each process died and its replacement went back to work
    const done = (kind: FaultKind) => report.faults.filter((f) => f.kind === kind && f.happened && f.recoveredAfterSeconds !== null).length;
    expect({
      worker: done('worker SIGKILL'), redis: done('Redis restart'), temporal: done('Temporal restart'), api: done('API restart'), gateway: done('gateway SIGKILL'),
    }).toEqual({ worker: 1, redis: 1, temporal: 1, api: 1, gateway: 1 });
    expect(report.socket.reconnects).toBeGreaterThanOrEqual(1);

    // every check passed
    expect(report.checks.map((c) => [c.name, c.violations])).toEqual(report.checks.map((c) => [c.name, []]));
    expect(report.checks).toHaveLength(7);
    expect(report.violations).toEqual([]);

    // the load went through every path of the lifecycle, and the checks looked at all of it
    const reservations = Object.values(report.finalReservations).reduce((a, b) => a + b, 0);
    expect(report.finalReservations).toMatchObject({ CONFIRMED: expect.any(Number), EXPIRED: expect.any(Number), CANCELLED: expect.any(Number) });
    expect(Object.keys(report.finalReservations).every((status) => ['CONFIRMED', 'EXPIRED', 'CANCELLED', 'FAILED'].includes(status))).toBe(true);
    expect(report.requests['checkout 402 PAYMENT_DECLINED']).toBeGreaterThan(0);
    const figures = (name: string) => report.checks.find((c) => c.name.startsWith(name))!.figures;
    expect(figures('each workflow closed').workflowsChecked).toBe(reservations);
    expect(figures('every committed seat change').outboxRows).toBeGreaterThan(reservations);
    expect(figures('no live reservation without').checkedDuringLoad).toBeGreaterThan(0);
  }, 420_000);
});
