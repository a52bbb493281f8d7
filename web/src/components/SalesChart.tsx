import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { EventStats } from '../../../src/contract/stats';

/**
 * The sale hour by hour (uPlot): holds made and bookings confirmed per hour. The same figures
 * are in the table below the chart, for screen readers and for copying.
 */
export function SalesChart({ timeline }: { timeline: EventStats['timeline'] }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element || timeline.length === 0) return;
    const data: uPlot.AlignedData = [
      timeline.map((h) => Date.parse(h.hour) / 1000),
      timeline.map((h) => h.holds),
      timeline.map((h) => h.bookings),
    ];
    const [first, last] = [data[0][0], data[0][data[0].length - 1]];
    const plot = new uPlot({
      width: Math.max(280, element.clientWidth),
      height: 220,
      // half an hour either side, so one hour of sales is a point in a window, not years of axis; counts from 0
      scales: { x: { time: true, auto: false, range: [first - 1800, last + 1800] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      series: [
        {},
        { label: 'Holds', stroke: '#d97706', width: 2, points: { show: true } },
        { label: 'Bookings', stroke: '#4338ca', width: 2, points: { show: true } },
      ],
      axes: [{}, { label: 'per hour' }],
    }, data, element);
    const resize = () => plot.setSize({ width: Math.max(280, element.clientWidth), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [timeline]);
  return <div ref={host} className="sales-chart" data-testid="sales-chart" aria-hidden="true" />;
}
