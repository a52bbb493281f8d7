/**
 * Processes of the machine, read from /proc (Linux): who listens on a port, the descendants
 * of a process, and the CPU time of named groups of processes between two samples.
 *
 * A group's CPU time is the sum over its members of utime + stime (every thread) plus
 * cutime + cstime (children that exited and were reaped). So the PostgreSQL group keeps the
 * time of backends that came and went between two samples (the postmaster reaps them), and a
 * process started during a phase counts whole. A member that exits during a phase under a
 * parent outside the group is lost, which none of the groups here does while it is measured.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  comm: string;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

let ticksPerSecond: number | undefined;
/** The kernel's clock ticks per second (CLK_TCK), 100 on every Linux seen. */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim();
    ticksPerSecond = Number(out) > 0 ? Number(out) : 100;
  }
  return ticksPerSecond;
}

function readStat(pid: number): ProcessInfo | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    // fields after "comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
    const f = text.slice(close + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return { pid, ppid: Number(f[1]), pgrp: Number(f[2]), comm, ticks };
  } catch {
    return null; // it exited while we looked
  }
}

/** Every process of the machine, by pid. */
export function listProcesses(): Map<number, ProcessInfo> {
  const all = new Map<number, ProcessInfo>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readStat(Number(name));
    if (info) all.set(info.pid, info);
  }
  return all;
}

/** The command line of a process, split into its arguments ([] when it is gone). */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** `root` and every process below it. */
export function descendants(all: Map<number, ProcessInfo>, root: number): Set<number> {
  const children = new Map<number, number[]>();
  for (const p of all.values()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const found = new Set<number>();
  const stack = all.has(root) ? [root] : [];
  while (stack.length) {
    const pid = stack.pop()!;
    found.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** The pid of the process listening on a local TCP port, or null (not on this machine, or not ours to see). */
export function pidListeningOn(port: number): number | null {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = readFileSync(table, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue; // 0A = LISTEN
      if (Number.parseInt(cols[1].split(':')[1], 16) === port) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return null;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try { fds = readdirSync(`/proc/${name}/fd`); } catch { continue; }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${name}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) return Number(name);
      } catch { /* closed meanwhile */ }
    }
  }
  return null;
}

/** Decides, for one sample of the machine's processes, which pids belong to a group. */
export type GroupMembers = (all: Map<number, ProcessInfo>) => Iterable<number>;

export interface CpuSample { at: number; ticks: Map<string, number>; members: Map<string, number[]> }

export function sampleCpu(groups: ReadonlyMap<string, GroupMembers>): CpuSample {
  const all = listProcesses();
  const ticks = new Map<string, number>();
  const members = new Map<string, number[]>();
  for (const [name, pick] of groups) {
    const pids = [...new Set(pick(all))].filter((pid) => all.has(pid));
    members.set(name, pids);
    ticks.set(name, pids.reduce((sum, pid) => sum + all.get(pid)!.ticks, 0));
  }
  return { at: performance.now(), ticks, members };
}

/** Per group: CPU used between two samples as % of one core (100 = one core busy throughout). */
export function cpuBetween(before: CpuSample, after: CpuSample): Record<string, number> {
  const seconds = (after.at - before.at) / 1000;
  const result: Record<string, number> = {};
  for (const [name, end] of after.ticks) {
    const used = (end - (before.ticks.get(name) ?? 0)) / clockTicks();
    result[name] = seconds > 0 ? Math.max(0, (100 * used) / seconds) : Number.NaN;
  }
  return result;
}
