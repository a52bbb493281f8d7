/**
 * The split deployment as `npm run start:cluster` runs it (src/cluster.ts: 2 API processes sharing
 * one port, 2 workers, 1 gateway, each a node:cluster child that the supervisor restarts when it
 * dies), started by a chaos run against a Temporal server of the run's own (TEMPORAL_ADDRESS),
 * so that the run can restart Temporal without the supervisor stopping everything.
 *
 * The supervisor runs under the tether of src/temporal/tethered.ts: if the run dies, however it
 * dies, the supervisor gets SIGTERM (SIGKILL after the grace) and its children exit with it (their
 * IPC channel closes). The roles' pids are read from /proc, below the supervisor, so a run can
 * kill one role process at a time.
 */
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import { CONFIG_VARIABLES } from '../../src/config.ts';
import { spawnTethered } from '../../src/temporal/tethered.ts';
import { commandLine, descendants, listProcesses } from '../lib/processes.ts';

const { DescribeTaskQueueMode, TaskQueueType } = protos.temporal.api.enums.v1;
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SUPERVISOR = fileURLToPath(new URL('../../src/cluster.ts', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export type Role = 'api' | 'worker' | 'gateway';
export const EXPECTED: Record<Role, number> = { api: 2, worker: 2, gateway: 1 };

export interface SplitDeployment {
  /** The supervisor's pid. */
  pid: number;
  apiUrl: string;
  gatewayUrl: string;
  logFile: string;
  /** The role processes alive right now, by role (read from /proc). */
  pids(): Record<Role, number[]>;
  /** Pids of the processes polling the task queue for workflow tasks (throws while Temporal is down). */
  pollingPids(): Promise<Set<number>>;
  /** Resolves once every role process is up: both APIs answer health, the gateway answers, every worker polls. */
  ready(timeoutMs: number): Promise<void>;
  /** Whether the supervisor has exited (it should not, during a run). */
  exitStatus(): number | null;
  stop(): Promise<void>;
}

export async function startSplitDeployment(options: {
  env: Record<string, string>;
  port: number;
  gatewayPort: number;
  logFile: string;
  /** A connection to the run's Temporal server, to see which workers poll. */
  temporal: Connection;
  taskQueue: string;
}): Promise<SplitDeployment> {
  // the engine's configuration is what the run says, nothing inherited (flash.ts does the same)
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key, value]) => value !== undefined && !CONFIG_VARIABLES.includes(key))) as Record<string, string>;
  const env: Record<string, string> = {
    ...inherited, NODE_OPTIONS: '', ...options.env,
    PORT: String(options.port), CLUSTER_GATEWAY_PORT: String(options.gatewayPort),
    CLUSTER_API_PROCESSES: String(EXPECTED.api), CLUSTER_WORKER_PROCESSES: String(EXPECTED.worker),
    TEMPORAL_TASK_QUEUE: options.taskQueue,
  };
  // `npm run start:cluster` is `node --env-file=scripts/local-run.env src/cluster.ts` after a build of
  // the web client, which a run does not need; the environment here says everything that file would
  const supervisor = await spawnTethered(process.execPath, [SUPERVISOR], { logFile: options.logFile, env, cwd: REPO, graceSeconds: 20 });
  let exitStatus: number | null = null;
  void supervisor.exited.then((status) => (exitStatus = status));

  const pids = (): Record<Role, number[]> => {
    const found: Record<Role, number[]> = { api: [], worker: [], gateway: [] };
    for (const pid of descendants(listProcesses(), supervisor.pid)) {
      const args = commandLine(pid);
      const at = args.indexOf(MAIN);
      const role = at >= 0 ? args[at + 1] : undefined;
      if (role === 'api' || role === 'worker' || role === 'gateway') found[role].push(pid);
    }
    return found;
  };
  const pollingPids = async () => {
    const { versionsInfo } = await options.temporal.workflowService.describeTaskQueue({
      namespace: 'default', taskQueue: { name: options.taskQueue },
      apiMode: DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED, reportPollers: true, taskQueueTypes: [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW],
    });
    const identities = Object.values(versionsInfo ?? {}).flatMap((v) => Object.values(v.typesInfo ?? {}).flatMap((t) => t.pollers ?? []).map((p) => p.identity ?? ''));
    // the SDK's default worker identity is `<pid>@<host>`
    return new Set(identities.map((identity) => Number(/^(\d+)@/.exec(identity)?.[1])));
  };
  const apiUrl = `http://127.0.0.1:${options.port}`;
  const gatewayUrl = `http://127.0.0.1:${options.gatewayPort}`;
  const answers = async (url: string) => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  };

  return {
    pid: supervisor.pid, apiUrl, gatewayUrl, logFile: options.logFile, pids, pollingPids,
    exitStatus: () => exitStatus,
    async ready(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let missing = 'nothing checked yet';
      for (;;) {
        if (exitStatus !== null) throw new Error(`the split deployment's supervisor exited (status ${exitStatus}); see ${options.logFile}`);
        const now = pids();
        const short = (Object.keys(EXPECTED) as Role[]).filter((role) => now[role].length < EXPECTED[role]);
        if (short.length) missing = `processes of ${short.join(', ')}`;
        else if (!(await answers(`${apiUrl}/api/health`))) missing = 'API health';
        else if (!(await answers(`${gatewayUrl}/socket.io/?EIO=4&transport=polling`))) missing = 'the gateway';
        else {
          const polling = await pollingPids().catch(() => new Set<number>());
          const idle = now.worker.filter((pid) => !polling.has(pid));
          if (idle.length === 0) return;
          missing = `workers ${idle.join(', ')} polling`;
        }
        if (Date.now() > deadline) throw new Error(`the split deployment was not ready within ${timeoutMs / 1000} s (waiting for ${missing}); see ${options.logFile}`);
        await sleep(250);
      }
    },
    stop: () => supervisor.stop(25_000),
  };
}
