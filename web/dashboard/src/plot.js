// Turns one chart's API result into a uPlot chart, by the chart's shape:
//   timeseries  x = bucket start (unix seconds, UTC), one line per value column
//   bars        x = category (in the rows' order), one bar series per value column
//   pivot       x = first column, one line per distinct value of the second column
import uPlot from 'uplot';
import { axisFormat, format, formatTime, timeTick, unitName } from './format.js';

export const palette = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

export const HEIGHT = 230;

// toData returns the uPlot data arrays and the series descriptions for a result.
export function toData(def, result) {
  const rows = result.rows;
  const cols = result.columns;
  if (def.shape === 'pivot') {
    const vi = cols.findIndex((c) => c.name === def.value);
    const xs = [...new Set(rows.map((r) => r[0]))].sort((a, b) => a - b);
    const groups = [...new Set(rows.map((r) => r[1]))];
    const at = new Map(rows.map((r) => [`${r[0]}\u0000${r[1]}`, r[vi]]));
    return {
      x: { label: cols[0].label, unit: cols[0].unit, labels: null },
      unit: cols[vi].unit,
      data: [xs, ...groups.map((g) => xs.map((x) => at.get(`${x}\u0000${g}`) ?? null))],
      series: groups.map((g) => ({ label: String(g), unit: cols[vi].unit })),
    };
  }
  const values = cols.slice(1);
  if (def.shape === 'bars') {
    return {
      x: { label: cols[0].label, unit: cols[0].unit, labels: rows.map((r) => r[0]) },
      unit: values[0].unit,
      data: [rows.map((_, i) => i), ...values.map((_, j) => rows.map((r) => r[j + 1]))],
      series: values.map((c) => ({ label: c.label, unit: c.unit })),
    };
  }
  return {
    x: { label: cols[0].label, unit: 'time', labels: null },
    unit: values[0].unit,
    data: [rows.map((r) => r[0]), ...values.map((_, j) => rows.map((r) => r[j + 1]))],
    series: values.map((c) => ({ label: c.label, unit: c.unit, name: c.name })),
  };
}

// seriesColors gives each series a palette index and a dash: columns named <stage>_p50,
// <stage>_p99 (the quantiles of one stage) share their stage's color, the later ones dashed.
function seriesColors(series) {
  const byStage = new Map();
  let next = 0;
  return series.map((s) => {
    const m = /^(.+)_p\d+$/.exec(s.name || '');
    if (m && byStage.has(m[1])) {
      return { color: palette[byStage.get(m[1]) % palette.length], dash: [6, 4] };
    }
    const i = next++;
    if (m) byStage.set(m[1], i);
    return { color: palette[i % palette.length], dash: undefined };
  });
}

// options returns the uPlot options for a chart drawn from d (see toData).
export function options(def, d, width) {
  const bars = def.shape === 'bars';
  const time = def.shape === 'timeseries';
  const xLabel = (v) => {
    if (v === null || v === undefined) return '';
    if (time) return formatTime(v);
    if (bars) return format(d.x.labels[v] ?? '', d.x.unit);
    return format(v, d.x.unit);
  };
  const n = d.data[0].length;
  const colors = seriesColors(d.series);
  return {
    width,
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
    cursor: { points: { size: 7 }, drag: { x: false, y: false } },
    legend: { live: true },
    scales: {
      x: bars ? { time: false, range: [-0.6, Math.max(n, 1) - 0.4] } : { time },
      // A log axis (def.log_y) for series of different orders of magnitude.
      y: def.log_y
        ? { distr: 3, log: 10 }
        : {
            range: (u, min, max) => {
              const lo = Math.min(0, min ?? 0);
              const hi = max === null || max === undefined || max <= lo ? lo + (d.unit === 'ratio' ? 0.01 : 1) : max * 1.08;
              return [lo, hi];
            },
          },
    },
    series: [
      { label: d.x.label, value: (u, v) => xLabel(v) },
      ...d.series.map((s, i) => {
        const { color, dash } = colors[i];
        const base = { label: s.label, stroke: color, width: 2, value: (u, v) => format(v, s.unit) };
        if (dash) base.dash = dash;
        if (bars) {
          return { ...base, width: 1, fill: `${color}aa`, paths: uPlot.paths.bars({ size: [0.8 / d.series.length, 48], align: 0 }), points: { show: false } };
        }
        if (def.shape === 'pivot') {
          return { ...base, points: { show: true, size: 6 } };
        }
        return base;
      }),
    ],
    axes: [
      bars
        ? {
            space: 34,
            incrs: [1, 2, 4, 5, 10, 20, 40, 50, 100],
            values: (u, splits) => splits.map((i) => (Number.isInteger(i) && i >= 0 && i < n ? xLabel(i) : '')),
          }
        : time
          ? { space: 60, values: (u, splits, ai, space, incr) => splits.map((s, i) => timeTick(s, incr, i === 0)) }
          : { incrs: [1, 2, 5, 10], values: (u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) },
      {
        size: 64,
        label: unitName(d.unit),
        labelSize: 18,
        values: (u, vals) => vals.map((v) => axisFormat(v, d.unit)),
      },
    ],
  };
}

// draw replaces the plot in el with one of result, or updates the existing plot when its
// series are the same.
export function draw(el, def, result, prev) {
  const d = toData(def, result);
  const width = Math.max(280, Math.floor(el.clientWidth || 560));
  const sameSeries = prev && prev.series.length === d.series.length + 1 && d.series.every((s, i) => prev.series[i + 1].label === s.label);
  if (sameSeries && def.shape !== 'bars') {
    prev.setData(d.data);
    return prev;
  }
  if (prev) prev.destroy();
  el.replaceChildren();
  return new uPlot(options(def, d, width), d.data, el);
}
