import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.ts';

/**
 * Long-running helper programs (the Temporal servers, the Temporal UI) that die with the Node
 * process that started them, even when that process is killed with SIGKILL.
 *
 * Node cannot ask the kernel for PR_SET_PDEATHSIG, so each program runs under a tiny `sh`
 * wrapper. The wrapper's stdin is a pipe whose only write end this process holds. When this
 * process ends, however it ends, the kernel closes that end; the wrapper reads end-of-file and
 * stops the program (SIGTERM, then SIGKILL after a grace period). The program itself gets
 * /dev/null as stdin and neither pipe, so nothing else keeps the tether open.
 *
 * The wrapper also reports the program's pid on fd 3 (for pidfiles), forwards SIGTERM/SIGINT to
 * it, and exits with its status. It is a process-group leader (`detached`), so a terminal's
 * Ctrl-C reaches only our process (which then stops the program in order), and a last-resort
 * SIGKILL can take the whole group.
 */
const WRAPPER = String.raw`
grace=$1; shift
exec 4<&0 </dev/null
"$@" 3>&- 4<&- &
pid=$!
echo "$pid" >&3
exec 3>&-
( while read -r _; do :; done <&4; kill -TERM "$pid" 2>/dev/null; sleep "$grace"; kill -KILL "$pid" 2>/dev/null ) &
watcher=$!
exec 4<&-
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT HUP
while :; do wait "$pid"; status=$?; kill -0 "$pid" 2>/dev/null || break; done
kill "$watcher" 2>/dev/null
exit "$status"
`;

export interface TetheredProcess {
  /** The program's own pid (not the wrapper's). */
  pid: number;
  /** Resolves with the program's exit status once it has exited, for whatever reason. */
  exited: Promise<number>;
  /** SIGTERM, then SIGKILL of the wrapper's whole process group after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export async function spawnTethered(command: string, args: string[], options: {
  /** stdout and stderr of the program are appended here. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Seconds between SIGTERM and SIGKILL once this process is gone (default 5). */
  graceSeconds?: number;
}): Promise<TetheredProcess> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'a');
  const wrapper = spawn('sh', ['-c', WRAPPER, 'tethered', String(options.graceSeconds ?? 5), command, ...args], {
    stdio: ['pipe', log, log, 'pipe'],
    detached: true,
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  closeSync(log);
  const exited = new Promise<number>((resolve) => wrapper.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  const report = wrapper.stdio[3]!;
  const pid = await new Promise<number>((resolve, reject) => {
    let text = '';
    report.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(Number(text.trim()));
    });
    wrapper.once('error', reject);
    void exited.then((code) => reject(new Error(`${command} exited at once (status ${code}); see ${options.logFile}`)));
  });
  report.destroy();
  // Neither the wrapper nor its idle tether pipe keeps our event loop alive: if this process
  // ends without stop(), the program ends with it.
  wrapper.unref();
  let done = false;
  void exited.then(() => (done = true));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-wrapper.pid!, signal);
    } catch {
      // already gone
    }
  };
  return {
    pid,
    exited,
    async stop(graceMs = 5000) {
      if (!done) {
        wrapper.kill('SIGTERM');
        // the grace timer goes as soon as the program has exited: no timer outlives the stop
        const grace = new AbortController();
        const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs, undefined, { signal: grace.signal }).then(() => true, () => false)]);
        grace.abort();
        if (timedOut) {
          killGroup('SIGKILL');
          await exited;
        }
      }
      // also after the program died by itself (a chaos run's SIGKILL): our end of the tether is closed
      wrapper.stdin?.destroy();
    },
  };
}

/** The parent pid and command line of a live process, or undefined. */
function processInfo(pid: number): { ppid: number; args: string } | undefined {
  const result = spawnSync('ps', ['-ww', '-o', 'ppid=,args=', '-p', String(pid)], { encoding: 'utf8' });
  const match = result.status === 0 ? /^\s*(\d+)\s+(.*)$/s.exec(result.stdout.trim()) : null;
  return match ? { ppid: Number(match[1]), args: match[2] } : undefined;
}

/** Whether `pid` is alive and its command line contains every one of `marks`. */
export function processMatches(pid: number, marks: string[]): boolean {
  const info = processInfo(pid);
  return !!info && marks.every((mark) => info.args.includes(mark));
}

export function writePidFile(path: string, pid: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${pid}\n`);
}

/**
 * A server an earlier run of ours started and did not stop (recorded in `pidFile`) is stopped,
 * so that this run starts its own rather than adopting a stray one. The pid is trusted only if
 * that process's command line still carries `marks` (pids get reused). A server still tethered
 * to a live process (its parent is our wrapper) belongs to a running engine: that is an error,
 * not something to kill.
 */
export async function reclaimFromPidFile(pidFile: string, marks: string[], log: Logger): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 0 && processMatches(pid, marks)) {
    const wrapper = processInfo(processInfo(pid)?.ppid ?? 0);
    if (wrapper?.args.includes(' tethered ')) {
      const owner = processInfo(wrapper.ppid);
      throw new Error(`the server recorded in ${pidFile} (pid ${pid}) belongs to a running process (pid ${wrapper.ppid}: ${owner?.args.slice(0, 100) ?? '?'}); stop that first`);
    }
    log.warn(`stopping a server an earlier run left behind (pid ${pid}, from ${pidFile})`);
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; waited < 10_000 && processMatches(pid, marks); waited += 100) await sleep(100);
    if (processMatches(pid, marks)) {
      log.warn(`pid ${pid} ignored SIGTERM for 10 s; sending SIGKILL`);
      process.kill(pid, 'SIGKILL');
      for (let waited = 0; waited < 5_000 && processMatches(pid, marks); waited += 100) await sleep(100);
    }
  }
  rmSync(pidFile, { force: true });
}
