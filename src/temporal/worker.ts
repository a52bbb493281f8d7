import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Activities } from '../../activities/index.ts';
import type { Logger } from '../logger.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

/**
 * The worker that runs reservation workflows and their activities. Autoscaling pollers: with
 * fixed pollers a burst of 50 holds waited seconds for workflow tasks on this dev server.
 */
export async function createReservationWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A prebuilt bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string;
  log: Logger;
}): Promise<Worker> {
  const workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = options.workflowBundlePath
    ? { workflowBundle: { codePath: options.workflowBundlePath } }
    : { workflowsPath: WORKFLOWS_PATH };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...workflowSource,
    workflowTaskPollerBehavior: { type: 'autoscaling' },
    activityTaskPollerBehavior: { type: 'autoscaling' },
    maxConcurrentActivityTaskExecutions: 200,
    // A checkout holds its workflow task for its three local activities: with the default 40
    // slots, 100 checkouts in flight left the rest on the sticky queue, where a task that is not
    // taken waits out stickyQueueScheduleToStartTimeout (10 s by default) before another poller
    // may have it (measured: UWS calls of 10 s in the dev server's log).
    maxConcurrentWorkflowTaskExecutions: 200,
    maxConcurrentLocalActivityExecutions: 600,
    maxCachedWorkflows: 2000,
    stickyQueueScheduleToStartTimeout: '2s',
    shutdownGraceTime: '5s',
  });
}
