// Number and time formatting by the units the API declares for each column
// (analytics/dashboard: ratio, ms, usd, cpm, count, per_s, time, label).

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function fixed(v, digits) {
  return v.toFixed(digits);
}

// format returns v (a number, a string or null) as the unit reads; null is an em dash.
export function format(v, unit) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  switch (unit) {
    case 'ratio': {
      const p = v * 100;
      return `${fixed(p, Math.abs(p) < 10 ? 2 : 1)}%`;
    }
    case 'ms':
      return `${fixed(v, v < 10 ? 2 : v < 100 ? 1 : 0)} ms`;
    case 'usd':
      return `$${fixed(v, Math.abs(v) < 1 ? 4 : 2)}`;
    case 'cpm':
      return `$${fixed(v, 2)}`;
    case 'per_s':
      return `${fixed(v, v < 10 ? 2 : v < 100 ? 1 : 0)}/s`;
    case 'count':
      return grouped.format(v);
    case 'time':
      return formatTime(v);
    default:
      return String(v);
  }
}

// axisFormat is format for axis ticks: shorter, no units that repeat on every tick.
export function axisFormat(v, unit) {
  if (v === null || v === undefined) return '';
  switch (unit) {
    case 'ratio': {
      const p = v * 100;
      return `${+p.toFixed(p !== 0 && Math.abs(p) < 1 ? 2 : 1)}%`;
    }
    case 'ms':
      return `${+v.toFixed(2)}`;
    case 'usd':
    case 'cpm':
      return `$${+v.toFixed(2)}`;
    case 'per_s':
      return `${+v.toFixed(2)}`;
    case 'count':
      if (!Number.isInteger(v)) return ''; // no fractional things on a count axis
      return v >= 10000 ? `${+(v / 1000).toFixed(1)}k` : grouped.format(v);
    default:
      return String(v);
  }
}

// unitName is how an axis is titled.
export function unitName(unit) {
  return { ratio: '%', ms: 'ms', usd: 'USD', cpm: 'CPM (USD)', count: 'count', per_s: 'per second' }[unit] || '';
}

const pad = (n) => String(n).padStart(2, '0');

// formatTime writes unix seconds as UTC "YYYY-MM-DD HH:MM".
export function formatTime(s) {
  const d = new Date(s * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

// timeTick labels a time axis tick at s (unix seconds, UTC) when ticks are incr seconds
// apart: HH:MM, with the date under the first tick and under midnights; dates alone for
// ticks a day or more apart.
export function timeTick(s, incr, first) {
  const d = new Date(s * 1000);
  const md = `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (incr >= 86400) return md;
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return first || (d.getUTCHours() === 0 && d.getUTCMinutes() === 0) ? `${hm}\n${md}` : hm;
}

// toInput writes unix seconds for a datetime-local input (read as UTC).
export function toInput(s) {
  return formatTime(s).replace(' ', 'T');
}

// fromInput reads a datetime-local input's value as UTC unix seconds (NaN when empty).
export function fromInput(v) {
  if (!v) return NaN;
  const iso = /T\d\d:\d\d$/.test(v) ? `${v}:00Z` : `${v}Z`;
  return Math.floor(Date.parse(iso) / 1000);
}

// duration writes seconds as 15m, 1h, 1d.
export function duration(s) {
  if (s % 86400 === 0) return `${s / 86400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}
