import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One step of a sale: when it starts (ISO 8601), the holds made and the bookings confirmed in it. */
export interface SalesPoint {
  at: string;
  holds: number;
  bookings: number;
}

const SECONDS: Record<'hour' | 'day', number> = { hour: 3600, day: 86_400 };

/**
 * The sale step by step (uPlot): holds made and bookings confirmed per hour (an event's) or per day
 * (a tenant's). The same figures are in a table beside the chart, for screen readers and for copying.
 */
export function SalesChart({ points, per }: { points: SalesPoint[]; per: 'hour' | 'day' }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element || points.length === 0) return;
    const data: uPlot.AlignedData = [
      points.map((p) => Date.parse(p.at) / 1000),
      points.map((p) => p.holds),
      points.map((p) => p.bookings),
    ];
    const [first, last] = [data[0][0], data[0][data[0].length - 1]];
    // half a step either side; days are shown over a week at least, so the axis counts days, not hours
    const pad = Math.max(SECONDS[per] / 2, per === 'day' ? (7 * SECONDS.day - (last - first)) / 2 : 0);
    const plot = new uPlot({
      width: Math.max(280, element.clientWidth),
      height: 220,
      // one step of sales is a point in a window, not years of axis; counts from 0
      scales: { x: { time: true, auto: false, range: [first - pad, last + pad] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      series: [
        {},
        { label: 'Holds', stroke: '#d97706', width: 2, points: { show: true } },
        { label: 'Bookings', stroke: '#4338ca', width: 2, points: { show: true } },
      ],
      axes: [{}, { label: `per ${per}` }],
    }, data, element);
    const resize = () => plot.setSize({ width: Math.max(280, element.clientWidth), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [points, per]);
  return <div ref={host} className="sales-chart" data-testid="sales-chart" aria-hidden="true" />;
}
