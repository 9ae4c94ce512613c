import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { toUplotData, type ChartData } from '../lib/chart-data.js';
import { formatValue } from '../lib/format.js';
import type { PanelDisplay } from '../lib/types.js';

/** Series colours, distinguishable in both themes. */
export const PALETTE = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16', '#f97316', '#6366f1'];

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v === '' ? fallback : v;
}

interface Props {
  data: ChartData;
  display?: PanelDisplay | undefined;
  /** 'bar' draws bars instead of lines. */
  kind?: 'line' | 'bar';
}

/**
 * A uPlot time-series chart filling its container (resized with it). Rebuilt when the set of
 * series changes; otherwise new data is set in place, so live appends do not flicker.
 */
export function Chart({ data, display, kind = 'line' }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = data.series.map((s) => s.label).join('\u0000') + '|' + kind + '|' + JSON.stringify(display ?? {});

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const axis = cssVar('--muted', '#888');
    const grid = cssVar('--grid', 'rgba(128,128,128,0.15)');
    const showLegend = display?.legend?.show ?? true;
    const fmt = (v: number | null) => formatValue(v, display);
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 100),
      height: Math.max(el.clientHeight - (showLegend ? 28 : 0), 60),
      legend: { show: showLegend, live: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid } },
        { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid }, size: 70, values: (_u, vals) => vals.map((v) => fmt(v)) },
      ],
      series: [
        {},
        ...data.series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length]!,
          width: 1.5,
          value: (_u: uPlot, v: number | null) => fmt(v),
          spanGaps: false,
          ...(kind === 'bar' ? { fill: PALETTE[i % PALETTE.length]! + '99', paths: uPlot.paths.bars!({ size: [0.8, 40] }), points: { show: false } } : {}),
        })),
      ],
    };
    const u = new uPlot(opts, toUplotData(data), el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(el.clientWidth, 100), height: Math.max(el.clientHeight - (showLegend ? 28 : 0), 60) }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the shape changes; data updates go through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(toUplotData(data));
  }, [data]);

  return <div ref={box} className={`chart${display?.legend?.position === 'right' ? ' legend-right' : ''}`} data-testid="chart" data-series={data.series.length} />;
}
