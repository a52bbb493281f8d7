import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

/** The workflow of bench/temporal-starts.ts's round-trip part: it does nothing and completes. */
export async function benchEmpty(): Promise<void> {}

/** The update of the bare-update baseline: the workflow answers at once, with no activity. */
export const benchEchoUpdate = defineUpdate<string, []>('echo');

/**
 * The workflow of bench/flash.ts's bare-update baseline: it answers `echo` Updates and waits.
 * An Update of it costs what any Update costs the server and a worker, and nothing else: the
 * floor of a checkout that is an Update.
 */
export async function benchEcho(): Promise<void> {
  setHandler(benchEchoUpdate, () => 'ok');
  await condition(() => false);
}
