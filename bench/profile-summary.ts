/**
 * Where a process spent its CPU, from a V8 CPU profile (`node --cpu-prof`, e.g. bench:flash
 * --cpu-prof DIR): self time by package or source file, self time by function, and inclusive
 * time by function (the function and what it called).
 *
 *   node bench/profile-summary.ts DIR/*.cpuprofile [--top N] [--busiest S | --from S --to S]
 *
 * --busiest S keeps only the S seconds in which the process was busiest (not idle): the sale,
 * rather than start-up and the wait after it. --from and --to keep the samples between those
 * seconds since the process started (bench:flash's progress lines say when the sale ran).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, busiest: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } });
const top = Number(values.top);

/** A package (node_modules/<name>), a file of this repository, or the engine's own work (GC, idle, native). */
function place(url: string): string {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '');
  const inModules = path.split('node_modules/').at(-1)!;
  if (inModules !== path) {
    const [scope, name] = inModules.split('/');
    return `npm:${scope.startsWith('@') ? `${scope}/${name}` : scope}`;
  }
  return path;
}

function summarize(file: string) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const label = (id: number) => {
    const frame = nodes.get(id)!.callFrame;
    return `${frame.functionName || '(anonymous)'} ${place(frame.url)}:${frame.lineNumber + 1}`;
  };

  // the samples, at their time since the profile started
  let at = 0;
  const samples = profile.samples.map((id, i) => ({ id, micros: profile.timeDeltas[i] ?? 0, at: (at += profile.timeDeltas[i] ?? 0) }));
  let from = 0;
  let to = Number.POSITIVE_INFINITY;
  if (values.busiest) {
    const width = Number(values.busiest);
    const busyBySecond: number[] = [];
    for (const s of samples) if (!idle.has(s.id)) busyBySecond[Math.floor(s.at / 1e6)] = (busyBySecond[Math.floor(s.at / 1e6)] ?? 0) + s.micros;
    let best = 0;
    let bestBusy = -1;
    for (let start = 0; start < busyBySecond.length; start++) {
      let busy = 0;
      for (let second = start; second < start + width; second++) busy += busyBySecond[second] ?? 0;
      if (busy > bestBusy) [best, bestBusy] = [start, busy];
    }
    [from, to] = [best * 1e6, (best + width) * 1e6];
  }
  if (values.from) from = Number(values.from) * 1e6;
  if (values.to) to = Number(values.to) * 1e6;

  const self = new Map<string, number>();
  const byPlace = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, micros: number) => map.set(key, (map.get(key) ?? 0) + micros);
  let total = 0;
  for (const s of samples) {
    if (s.at < from || s.at >= to) continue;
    total += s.micros;
    add(self, label(s.id), s.micros);
    add(byPlace, place(nodes.get(s.id)!.callFrame.url), s.micros);
    const seen = new Set<string>();
    for (let id: number | undefined = s.id; id !== undefined; id = parents.get(id)) {
      const key = label(id);
      if (!seen.has(key)) add(inclusive, key, s.micros);
      seen.add(key);
    }
  }
  const table = (title: string, map: Map<string, number>) => {
    process.stdout.write(`\n| ${title} | CPU |\n|---|---:|\n`);
    for (const [key, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(`| ${key.replaceAll('|', '\\|')} | ${(micros / total * 100).toFixed(1)} % |\n`);
    }
  };
  const window = values.busiest ? `, the busiest ${values.busiest} s (from ${(from / 1e6).toFixed(0)} s)` : '';
  process.stdout.write(`\n## ${file}: ${(total / 1e6).toFixed(1)} s sampled${window}\n`);
  table('package or file (self)', byPlace);
  table('function (self)', self);
  table('function (inclusive)', inclusive);
}

for (const file of positionals) summarize(file);
