// The analysts' dashboard: a time-range picker and one card per chart of GET /api/charts,
// each drawn with uPlot from GET /api/charts/{name}, with its SQL and its rows a click away.
// State lives in the URL (?range=1h&step=auto, or ?from=<unix>&to=<unix>), so a view can be
// shared. window.cuepoint exposes what is drawn, for the browser test.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { draw } from './plot.js';
import { duration, format, fromInput, toInput } from './format.js';

const PRESETS = { '15m': 900, '1h': 3600, '24h': 86400, '7d': 7 * 86400 };
const LIVE_EVERY_MS = 10_000;

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
};

const state = {
  range: '1h', // a PRESETS key, or 'custom' with from/to
  from: NaN,
  to: NaN,
  step: 'auto',
  live: true,
};

const app = {
  charts: {}, // name → { def, card, plot, result, error }
  loads: 0,
  state,
};
window.cuepoint = app;

function readURL() {
  const q = new URLSearchParams(location.search);
  const from = Number(q.get('from'));
  const to = Number(q.get('to'));
  if (Number.isFinite(from) && Number.isFinite(to) && from > 0 && to > from) {
    Object.assign(state, { range: 'custom', from, to });
  } else if (PRESETS[q.get('range')]) {
    state.range = q.get('range');
  }
  const step = q.get('step');
  if (step && /^[1-9][0-9]*$/.test(step) && Number(step) % 60 === 0) {
    if (![...$('#step').options].some((o) => o.value === step)) {
      $('#step').append(el('option', { value: step, text: duration(Number(step)) }));
    }
    state.step = step;
  }
  if (q.get('live') === '0') state.live = false;
}

function writeURL() {
  const q = new URLSearchParams();
  if (state.range === 'custom') {
    q.set('from', state.from);
    q.set('to', state.to);
  } else {
    q.set('range', state.range);
  }
  if (state.step !== 'auto') q.set('step', state.step);
  if (!state.live) q.set('live', '0');
  history.replaceState(null, '', `${location.pathname}?${q}`);
}

// window returns the range to query now: [from, to] in unix seconds.
function currentRange() {
  if (state.range === 'custom') return [state.from, state.to];
  const to = Math.floor(Date.now() / 1000);
  return [to - PRESETS[state.range], to];
}

function syncControls() {
  for (const b of document.querySelectorAll('[data-range]')) {
    b.classList.toggle('active', b.dataset.range === state.range);
  }
  $('#custom').hidden = state.range !== 'custom';
  if (state.range === 'custom') {
    $('#from').value = toInput(state.from);
    $('#to').value = toInput(state.to);
  }
  $('#step').value = state.step;
  $('#live').checked = state.live;
  $('#live').disabled = state.range === 'custom';
}

function card(def) {
  const sqlPre = el('pre', { class: 'sql', hidden: '' }, el('code', { text: def.sql }));
  const table = el('div', { class: 'rows', hidden: '' });
  const api = el('a', { class: 'tool', href: def.api, target: '_blank', rel: 'noopener', text: 'JSON' });
  const toggle = (name, target) => {
    const b = el('button', { type: 'button', class: 'tool', 'data-toggle': name, 'aria-pressed': 'false', text: name });
    b.addEventListener('click', () => {
      target.hidden = !target.hidden;
      b.setAttribute('aria-pressed', String(!target.hidden));
    });
    return b;
  };
  const section = el(
    'section',
    { class: `card shape-${def.shape}`, id: `chart-${def.name}`, 'data-chart': def.name },
    el('header', {}, el('h2', { text: def.title }), el('div', { class: 'tools' }, toggle('SQL', sqlPre), toggle('table', table), api)),
    el('p', { class: 'desc', text: def.description }),
    el('div', { class: 'plot' }),
    el('p', { class: 'status muted', text: 'loading…' }),
    sqlPre,
    table,
  );
  return { section, sqlPre, table, api, plotEl: section.querySelector('.plot'), status: section.querySelector('.status') };
}

function rowsTable(result) {
  const t = el('table');
  t.append(el('thead', {}, el('tr', {}, ...result.columns.map((c) => el('th', { text: c.label, title: c.name })))));
  const body = el('tbody');
  for (const r of result.rows) {
    body.append(el('tr', {}, ...r.map((v, i) => el('td', { text: format(v, result.columns[i].unit), 'data-value': v === null ? '' : String(v) }))));
  }
  t.append(body);
  return t;
}

function summary(def, result) {
  const cols = result.columns;
  if (def.shape === 'timeseries') {
    // The latest bucket with data, per series.
    const parts = [];
    for (let i = 1; i < cols.length; i++) {
      let v = null;
      for (let j = result.rows.length - 1; j >= 0 && v === null; j--) v = result.rows[j][i];
      if (v !== null) parts.push(`${cols[i].label} ${format(v, cols[i].unit)}`);
    }
    return parts.length ? `latest: ${parts.join(' · ')}` : 'no data in this range';
  }
  if (!result.rows.length || result.rows.length === result.filled) return 'no data in this range';
  if (def.shape === 'bars') {
    const total = result.rows.reduce((s, r) => s + (r[1] || 0), 0);
    return `total ${format(total, cols[1].unit)} ${cols[1].label}`;
  }
  return `${new Set(result.rows.map((r) => r[1])).size} ${cols[1].label}(s), ${result.rows.length} rows`;
}

async function loadChart(name, from, to, gen) {
  const c = app.charts[name];
  const q = new URLSearchParams({ from, to });
  if (state.step !== 'auto') q.set('step', state.step);
  const url = `/api/charts/${encodeURIComponent(name)}?${q}`;
  c.ui.api.href = url;
  let body;
  let ok = false;
  try {
    const resp = await fetch(url, { cache: 'no-store' });
    body = await resp.json();
    ok = resp.ok;
  } catch (err) {
    body = { error: `request failed: ${err.message}` };
  }
  if (gen !== app.loads) return; // a newer load started
  c.ui.section.classList.toggle('failed', !ok);
  if (!ok) {
    c.error = body.error || 'failed';
    c.ui.status.textContent = c.error;
    c.ui.status.classList.add('error');
    return;
  }
  c.error = null;
  c.result = body;
  c.ui.status.classList.remove('error');
  c.ui.sqlPre.firstChild.textContent = body.sql;
  c.plot = draw(c.ui.plotEl, c.def, body, c.plot);
  c.ui.table.replaceChildren(rowsTable(body));
  const source = body.table === 'raw' ? 'raw events' : `${body.table} rollup`;
  c.ui.status.textContent = `${summary(c.def, body)} — ${source}, step ${duration(body.range.step)}, ${body.rows.length} rows, ${body.elapsed_ms.toFixed(1)} ms`;
}

async function loadAll() {
  const gen = ++app.loads;
  const [from, to] = currentRange();
  document.body.dataset.state = 'loading';
  await Promise.all(Object.keys(app.charts).map((name) => loadChart(name, from, to, gen)));
  if (gen !== app.loads) return;
  const failed = Object.values(app.charts).filter((c) => c.error).length;
  $('#summary').textContent = `${state.range === 'custom' ? 'custom range' : `last ${state.range}`}: ${toInput(from).replace('T', ' ')} – ${toInput(to).replace('T', ' ')} UTC` + (failed ? ` · ${failed} chart(s) failed` : '');
  document.body.dataset.state = 'ready';
  document.body.dataset.loads = String(gen);
}

function bindControls() {
  for (const b of document.querySelectorAll('[data-range]')) {
    b.addEventListener('click', () => {
      if (b.dataset.range === 'custom') {
        const [from, to] = currentRange();
        Object.assign(state, { range: 'custom', from, to });
      } else {
        state.range = b.dataset.range;
      }
      changed();
    });
  }
  $('#range').addEventListener('submit', (e) => {
    e.preventDefault();
    const from = fromInput($('#from').value);
    const to = fromInput($('#to').value);
    if (!(from < to)) {
      $('#summary').textContent = 'custom range: "from" must be before "to"';
      return;
    }
    Object.assign(state, { range: 'custom', from, to });
    changed();
  });
  $('#step').addEventListener('change', () => {
    state.step = $('#step').value;
    changed();
  });
  $('#live').addEventListener('change', () => {
    state.live = $('#live').checked;
    writeURL();
  });
  $('#refresh').addEventListener('click', () => loadAll());
  let resizeTimer;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const c of Object.values(app.charts)) {
        if (c.plot) c.plot.setSize({ width: Math.max(280, c.ui.plotEl.clientWidth), height: c.plot.height });
      }
    }, 150);
  });
}

function changed() {
  writeURL();
  syncControls();
  loadAll();
}

async function main() {
  readURL();
  syncControls();
  bindControls();
  let list;
  try {
    const resp = await fetch('/api/charts', { cache: 'no-store' });
    list = await resp.json();
  } catch (err) {
    $('#summary').textContent = `cannot list the charts: ${err.message}`;
    document.body.dataset.state = 'ready';
    return;
  }
  $('#subtitle').textContent = `ads, playback and recommendations, from ClickHouse database ${list.database}`;
  const grid = $('#charts');
  for (const def of list.charts) {
    const ui = card(def);
    grid.append(ui.section);
    app.charts[def.name] = { def, ui, plot: null, result: null, error: null };
  }
  writeURL();
  await loadAll();
  setInterval(() => {
    if (state.live && state.range !== 'custom' && !document.hidden) loadAll();
  }, LIVE_EVERY_MS);
}

main();
