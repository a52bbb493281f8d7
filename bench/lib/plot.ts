/**
 * PNG plots of a benchmark run: Vega-Lite spec → SVG (vega's headless renderer, no canvas)
 * → PNG (@resvg/resvg-js, prebuilt binaries from the npm registry).
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A latency sample; name it like the outcome of the same requests so both charts colour them alike. */
export interface LatencySeries { name: string; ms: readonly number[] }
/** One answer: when it was sent and answered (s since the phase's origin), how long it took, what it was. */
export interface AnswerPoint { sentS: number; doneS: number; ms: number; outcome: string }

const FONT = 'DejaVu Sans';

/** Empirical CDF points of each series, thinned to at most `points` per series. */
function ecdf(series: readonly LatencySeries[], points = 400) {
  return series.flatMap(({ name, ms }) => {
    const sorted = [...ms].sort((a, b) => a - b);
    const step = Math.max(1, Math.floor(sorted.length / points));
    const rows: Array<{ series: string; ms: number; fraction: number }> = [];
    for (let i = 0; i < sorted.length; i += step) rows.push({ series: name, ms: Math.max(0.1, sorted[i]), fraction: (i + 1) / sorted.length });
    if (sorted.length) rows.push({ series: name, ms: Math.max(0.1, sorted[sorted.length - 1]), fraction: 1 });
    return rows;
  });
}

/** Answers per second in buckets of `bucketMs`, by outcome (zero-filled, so lines drop to 0). */
function throughput(answers: readonly AnswerPoint[], bucketMs = 100) {
  if (answers.length === 0) return [];
  const last = Math.max(...answers.map((a) => a.doneS));
  const buckets = Math.floor((last * 1000) / bucketMs) + 1;
  const outcomes = [...new Set(answers.map((a) => a.outcome))];
  const counts = new Map(outcomes.map((o) => [o, new Array<number>(buckets).fill(0)]));
  for (const a of answers) counts.get(a.outcome)![Math.floor((a.doneS * 1000) / bucketMs)]++;
  return outcomes.flatMap((outcome) => counts.get(outcome)!.map((n, i) => ({ outcome, s: (i * bucketMs) / 1000, perSecond: (n * 1000) / bucketMs })));
}

/** Every outcome together, averaged over `windowBuckets` buckets centred on each one: the trend under the 100 ms noise. */
function movingTotal(rows: ReturnType<typeof throughput>, windowBuckets: number, label: string) {
  const totals = new Map<number, number>();
  for (const r of rows) totals.set(r.s, (totals.get(r.s) ?? 0) + r.perSecond);
  const series = [...totals].sort((a, b) => a[0] - b[0]);
  const half = Math.floor(windowBuckets / 2);
  return series.map(([s], i) => {
    const window = series.slice(Math.max(0, i - half), i + half + 1);
    return { s, perSecond: window.reduce((sum, [, v]) => sum + v, 0) / window.length, outcome: label };
  });
}

export const MOVING_TOTAL = 'all answers, 1 s moving average';

export async function renderRunPlot(options: {
  title: string;
  subtitle: string;
  latency: readonly LatencySeries[];
  answers: readonly AnswerPoint[];
  /** Series and outcome names with their colours: one legend, the same colour in every chart. */
  palette: ReadonlyArray<readonly [string, string]>;
  width?: number;
}): Promise<{ svg: string; png: Buffer }> {
  const width = options.width ?? 900;
  const buckets = throughput(options.answers);
  const used = new Set([MOVING_TOTAL, ...options.latency.filter((l) => l.ms.length).map((l) => l.name), ...options.answers.map((a) => a.outcome)]);
  const palette = options.palette.filter(([name]) => used.has(name));
  const scale = { domain: palette.map(([name]) => name), range: palette.map(([, colour]) => colour) };
  const outcomeColor = { field: 'outcome', type: 'nominal', title: null, scale, legend: { orient: 'right' } } as const;
  const counts = options.latency.filter((l) => l.ms.length).map((l) => `${l.name} ${l.ms.length}`).join(', ');
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: options.title, subtitle: options.subtitle, anchor: 'start', fontSize: 16 },
    background: 'white',
    padding: 16,
    config: { font: FONT, view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, labelLimit: 320 } },
    vconcat: [
      {
        title: { text: 'Latency distribution: share of requests answered within x ms', subtitle: counts },
        width, height: 240,
        data: { values: ecdf(options.latency) },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms, log scale)' },
          y: { field: 'fraction', type: 'quantitative', title: 'share of requests', axis: { format: '%' } },
          color: { field: 'series', type: 'nominal', title: null, scale, legend: { orient: 'right' } },
        },
      },
      {
        title: 'Throughput: answers per second in 100 ms buckets, stacked by outcome',
        width, height: 200,
        layer: [
          {
            data: { values: buckets },
            mark: { type: 'area', interpolate: 'step-after', opacity: 0.85 },
            encoding: {
              x: { field: 's', type: 'quantitative', title: 'answered at (s since the sale started)' },
              y: { field: 'perSecond', type: 'quantitative', stack: 'zero', title: 'answers / s' },
              color: outcomeColor,
              order: { field: 'outcome', sort: 'ascending' },
            },
          },
          {
            data: { values: movingTotal(buckets, 10, MOVING_TOTAL) },
            mark: { type: 'line', strokeWidth: 1.5 },
            encoding: {
              x: { field: 's', type: 'quantitative' },
              y: { field: 'perSecond', type: 'quantitative' },
              color: outcomeColor,
            },
          },
        ],
      },
      {
        title: 'Each request: latency by the time it was sent',
        width, height: 200,
        data: { values: options.answers.map((a) => ({ ...a, ms: Math.max(0.1, a.ms) })) },
        mark: { type: 'point', filled: true, size: 9, opacity: 0.5 },
        encoding: {
          x: { field: 'sentS', type: 'quantitative', title: 'sent at (s since the sale started)' },
          y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms, log scale)' },
          color: outcomeColor,
        },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: FONT }, fitTo: { mode: 'original' } }).render().asPng();
  return { svg, png };
}
