import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CrashMode, runCrashSchedule } from '../../bench/chaos/crash-schedule.ts';

/**
 * The engine's process is SIGKILLed in the middle of checkouts (alone, and with its Temporal
 * dev server: a power cut), started again, and left to settle: every charge must end as one
 * booking or a refund, every reservation terminal, every workflow agreeing with PostgreSQL,
 * and every answer a customer got true. The long version is `npm run bench:chaos`.
 */
describe('a crash in the middle of checkouts', () => {
  test.each<[CrashMode]>([['engine'], ['power-cut']])('(%s) leaves no charge without a booking or a refund, and no workflow disagreeing with PostgreSQL', async (mode) => {
    const report = await runCrashSchedule({
      mode,
      holds: 24,
      checkouts: { success: 8, slow: 8, declined: 3 },
      holdSeconds: 20,
      killAfterMs: 1000,
      workDir: join(tmpdir(), `crash-${mode}-${process.pid}`),
      progress: (line) => process.stdout.write(`[crash ${mode}] ${line}\n`),
    });
    process.stdout.write(`[crash ${mode}] ${JSON.stringify(report)}\n`);
    expect(report.violations).toEqual([]);
    expect(report.workflowsChecked).toBe(24);
    expect(Object.values(report.final).reduce((a, b) => a + b, 0)).toBe(24);
    expect(report.chargedCents - report.refundedCents).toBe(report.bookedCents);
    // the crash did cut checkouts off: the schedule tested what it claims to
    expect(report.cutOffByCrash).toBeGreaterThan(0);
  }, 300_000);
});
