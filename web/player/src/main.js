// The Cuepoint web player (docs/web-player.md). It learns where the services answer from the
// origin's config.json, lists the titles SSAI serves (VOD sources and live channels), starts a
// session (POST {ssai}/v1/sessions) and plays its stitched playlist with hls.js. During a break
// it shows "Ad n of m" with the break's countdown from the session's tracking JSON (ads.js),
// and fires the ads' beacons itself when the session is in client-side mode. Beneath the video,
// the viewer's recommendations (recs.js); picking one plays that title. QoE and recs clicks
// and plays go to the collector in batches (qoe.js, reporter.js).
//
// URL parameters: ?uid= (the viewer; else kept in localStorage), ?source= and ?content= (what
// to play first), ?beacons=client|server, ?autoplay=0.
import Hls from 'hls.js';
import './style.css';
import { Ads } from './ads.js';
import { isToken, newId, qoe as qoeEvent, recsAction } from './events.js';
import { QoE } from './qoe.js';
import { loadRecs, renderRecs } from './recs.js';
import { Reporter } from './reporter.js';

const REPORT_MS = 5000;
const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
const video = $('video');

// state is what the page knows; the browser test reads it (window.cuepoint).
const state = {
  uid: viewerId(),
  config: {},
  sources: [],
  session: null, // {source, content, session, qoeSession, manifestUrl, trackingUrl, requestId, mode, live}
  hls: null,
  ads: null,
  qoe: null,
  recs: null,
  adsSeen: {}, // avail id → {ads: [n…], of: m, countdowns: [s…]}
  overlaySamples: 0,
  errors: [],
  sessions: 0,
  cleanup: [], // the playing session's listeners, removed by stop()
};
window.cuepoint = {
  state,
  video,
  flush: (final) => reportQoE(!!final).then(() => reporter.flush()),
  reporter: () => reporter.stats,
  beacons: () => (state.ads ? state.ads.beacons : []),
  avails: () => (state.ads ? state.ads.avails : []),
  start: (source, opts) => start(source, opts),
};

// viewerId is ?uid=, else the id kept in localStorage, else a new one (kept).
function viewerId() {
  const fromUrl = params.get('uid');
  if (isToken(fromUrl)) {
    try {
      localStorage.setItem('cuepoint.uid', fromUrl);
    } catch {
      /* private mode */
    }
    return fromUrl;
  }
  let id = null;
  try {
    id = localStorage.getItem('cuepoint.uid');
  } catch {
    /* private mode */
  }
  if (!isToken(id)) {
    id = 'viewer-' + newId().slice(12, 24);
    try {
      localStorage.setItem('cuepoint.uid', id);
    } catch {
      /* private mode */
    }
  }
  return id;
}

async function loadConfig() {
  const resp = await fetch('config.json', { cache: 'no-store' });
  if (!resp.ok) throw new Error(`config.json: HTTP ${resp.status}`);
  state.config = await resp.json();
  if (state.config.tokenError) console.warn('no event reports:', state.config.tokenError);
  // Fetch a fresh token a few minutes before this one runs out.
  const exp = Date.parse(state.config.tokenExpires || '');
  clearTimeout(state.configTimer);
  if (exp) state.configTimer = setTimeout(() => loadConfig().catch(() => {}), Math.max(30_000, exp - Date.now() - 5 * 60_000));
}

const reporter = new Reporter(
  () => ({ collector: state.config.collector, token: state.config.token }),
  () => loadConfig().catch(() => {}),
  { interval: 0, onChange: (s) => ($('qoe-reports').textContent = `${s.accepted} sent`) },
);

// loadSources lists what can be played: SSAI's sources, or without SSAI the origin's own
// assets and channels (plain playlists: no ads).
async function loadSources() {
  if (state.config.ssai) {
    try {
      const resp = await fetch(`${state.config.ssai}/v1/sources`, { credentials: 'omit' });
      if (resp.ok) {
        const body = await resp.json();
        const list = Array.isArray(body) ? body : Array.isArray(body.sources) ? body.sources : Object.values(body.sources || body);
        return list
          .filter((s) => s && isToken(s.name))
          .map((s) => ({ name: s.name, live: isLive(s), ssai: true }));
      }
    } catch {
      /* fall back to the origin */
    }
    console.warn('SSAI sources unavailable: playing the origin without ads');
  }
  const [assets, channels] = await Promise.all(
    ['/v1/assets', '/v1/channels'].map((p) =>
      fetch(p)
        .then((r) => (r.ok ? r.json() : {}))
        .catch(() => ({})),
    ),
  );
  return [
    ...(assets.assets || []).map((a) => ({ name: a.name, live: false, url: a.master })),
    ...(channels.channels || []).map((c) => ({ name: c.name, live: true, url: c.master })),
  ];
}

function isLive(s) {
  if (typeof s.live === 'boolean') return s.live;
  if (s.kind || s.type) return (s.kind || s.type) === 'live';
  return /\/live\//.test(s.url || '');
}

function fillPicker() {
  const sel = $('source');
  sel.replaceChildren();
  for (const [label, live] of [
    ['On demand', false],
    ['Live', true],
  ]) {
    const group = document.createElement('optgroup');
    group.label = label;
    for (const s of state.sources.filter((x) => x.live === live)) {
      const o = document.createElement('option');
      o.value = s.name;
      o.textContent = s.name + (live ? ' (live)' : '');
      group.append(o);
    }
    if (group.children.length) sel.append(group);
  }
}

// openSession starts a playback session for source: SSAI's POST /v1/sessions (the manifest,
// the tracking JSON), or SSAI's direct playlist URL, or the origin's plain playlist.
async function openSession(src, content, mode) {
  const s = { source: src.name, content: content || src.name, live: src.live, mode, session: null, trackingUrl: null, requestId: null };
  if (src.ssai) {
    const body = { source: src.name, uid: state.uid, beacons: mode };
    if (content) body.content = content;
    const resp = await fetch(`${state.config.ssai}/v1/sessions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
    });
    if (resp.ok) {
      const r = await resp.json();
      s.session = r.session;
      s.sessionId = r.id || r.sessionId || tokenSessionId(r.session);
      s.manifestUrl = r.manifestUrl;
      s.trackingUrl = r.trackingUrl;
      s.requestId = r.requestId || resp.headers.get('X-Request-Id');
    } else if (resp.status === 404 || resp.status === 405) {
      // An SSAI without session creation: its playlist URL starts a session directly.
      s.manifestUrl = `${state.config.ssai}/ssai/${encodeURIComponent(src.name)}/master.m3u8?uid=${encodeURIComponent(state.uid)}`;
    } else {
      let msg = `HTTP ${resp.status}`;
      try {
        msg = (await resp.json()).error || msg;
      } catch {
        /* keep the status */
      }
      throw new Error(`could not start a session for ${src.name}: ${msg}`);
    }
  } else {
    s.manifestUrl = src.url;
  }
  // The QoE session id: SSAI's session id (what its ad events carry), else one of the page's.
  s.qoeSession = isToken(s.sessionId) ? s.sessionId : 'web-' + newId();
  return s;
}

// tokenSessionId reads the session id that analytics and the adserver see out of an SSAI
// session token (ssai/token.go: base64url of version 1, flags, the 8-byte id, …), for an SSAI
// whose POST /v1/sessions answer does not carry the id itself.
function tokenSessionId(tok) {
  try {
    const bin = atob(tok.replace(/-/g, '+').replace(/_/g, '/').slice(0, 16));
    if (bin.length < 10 || bin.charCodeAt(0) !== 1) return null;
    let id = '';
    for (let i = 2; i < 10; i++) id += bin.charCodeAt(i).toString(16).padStart(2, '0');
    return id;
  } catch {
    return null;
  }
}

// start plays source (a source name), optionally as catalogue title content; rec is the
// recommendation picked ({item, list}) whose play is reported once playback starts.
async function start(sourceName, { content, rec } = {}) {
  const src = state.sources.find((s) => s.name === sourceName);
  if (!src) {
    showMessage(`no such title: ${sourceName}`);
    return;
  }
  const requested = performance.now();
  await stop();
  state.sessions++;
  const seq = state.sessions;
  document.body.dataset.state = 'starting';
  showMessage('');
  const mode = $('beacons').value === 'client' ? 'client' : 'server';
  let s;
  try {
    s = await openSession(src, content, mode);
  } catch (err) {
    fail(err.message);
    return;
  }
  if (seq !== state.sessions) return; // another title was picked meanwhile
  state.session = s;
  state.adsSeen = {};
  $('source').value = src.name;
  $('now-title').textContent = rec ? rec.item.title : src.name;
  $('now-detail').textContent = [src.live ? 'live' : 'on demand', s.trackingUrl ? `${mode}-side beacons` : 'no ad tracking'].join(' · ');

  const hls = new Hls({ enableWorker: true, lowLatencyMode: false, backBufferLength: 30 });
  state.hls = hls;
  state.qoe = new QoE(video, hls, requested);
  let recoveries = 0;
  hls.on(Hls.Events.ERROR, (_, data) => {
    if (!data.fatal) return;
    if (recoveries++ < 3 && data.type === Hls.ErrorTypes.NETWORK_ERROR) {
      setTimeout(() => hls.startLoad(), 1000);
    } else if (recoveries <= 3 && data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      hls.recoverMediaError();
    } else {
      fail(`playback failed: ${data.details}`);
      hls.destroy();
    }
  });
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    if (params.get('autoplay') === '0' && state.sessions === 1) return;
    video.muted = true; // browsers allow muted autoplay; the controls unmute
    video.play().catch((err) => showMessage(`press play (${err.name})`));
  });
  // This session's listeners on the shared <video>, removed when it stops.
  const listen = (ev, fn) => {
    video.addEventListener(ev, fn);
    state.cleanup.push(() => video.removeEventListener(ev, fn));
  };
  let played = false;
  listen('playing', () => {
    if (played) return;
    played = true;
    document.body.dataset.state = 'playing';
    if (rec) reporter.add(recsAction('play', rec.list, state.uid, rec.item));
  });
  // A VOD played to its end: the session's final report goes now.
  listen('ended', () => reportQoE(true).then(() => reporter.flush()));
  hls.loadSource(s.manifestUrl);
  hls.attachMedia(video);
  video.controls = true;
  if (s.trackingUrl) state.ads = new Ads({ trackingUrl: s.trackingUrl, video, hls, live: src.live, onChange: showAd });
}

// stop ends the current session: its final QoE report, then everything is released.
async function stop() {
  for (const f of state.cleanup.splice(0)) f();
  if (!state.hls) return;
  await reportQoE(true);
  if (state.ads) state.ads.close();
  state.qoe.close();
  state.hls.destroy();
  state.hls = state.ads = state.qoe = null;
  showAd(null);
}

async function reportQoE(final) {
  const s = state.session;
  if (!s || !state.qoe || s.finalSent) return;
  if (final) s.finalSent = true;
  const d = state.qoe.take();
  if (!final && d.watchMs === 0 && !d.startupMs && d.errors === 0 && d.rebuffers === 0) return;
  reporter.add(qoeEvent(s.qoeSession, isToken(s.content) ? s.content : s.source, d, final, s.requestId));
}

function showAd(cur) {
  const box = $('ad');
  if (!cur) {
    box.hidden = true;
    delete document.body.dataset.ad;
    return;
  }
  const left = Math.ceil(cur.remaining);
  const clock = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
  if (cur.ad) {
    $('ad-label').textContent = `Ad ${cur.n} of ${cur.m}`;
    $('ad-countdown').textContent = clock;
    const seen = (state.adsSeen[cur.avail.id] ||= { ads: [], of: cur.m, countdowns: [] });
    if (!seen.ads.includes(cur.n)) seen.ads.push(cur.n);
    if (!seen.countdowns.includes(left)) seen.countdowns.push(left);
    document.body.dataset.ad = `${cur.n}/${cur.m}`;
  } else {
    $('ad-label').textContent = 'Back in';
    $('ad-countdown').textContent = clock;
    document.body.dataset.ad = 'slate';
  }
  state.overlaySamples++;
  box.hidden = false;
}

function showMessage(msg) {
  const m = $('message');
  m.textContent = msg;
  m.hidden = !msg;
}

function fail(msg) {
  state.errors.push(msg);
  document.body.dataset.state = 'error';
  showMessage(msg);
  console.warn(msg);
}

function drawQoE() {
  if (!state.qoe) return;
  const q = state.qoe.summary();
  $('qoe-startup').textContent = q.startupMs === null ? '–' : `${q.startupMs} ms`;
  $('qoe-rebuffers').textContent = q.rebuffers ? `${q.rebuffers} (${(q.rebufferMs / 1000).toFixed(1)} s)` : '0';
  $('qoe-bitrate').textContent = q.bitrateKbps ? `${q.bitrateKbps} kb/s` : '–';
  $('qoe-switches').textContent = String(q.switches);
  $('qoe-errors').textContent = String(q.errors);
  $('qoe-errors').title = q.lastError || '';
}

async function refreshRecs() {
  if (!state.config.recs) {
    $('recs-meta').textContent = '(recs not configured)';
    return;
  }
  try {
    const r = await loadRecs(state.config.recs, state.uid, { n: 12, surface: 'home' });
    state.recs = r;
    $('recs-meta').textContent = `· ${r.list.model}${r.list.degraded ? ' · degraded' : ''}`;
    renderRecs($('recs-row'), r, pickRec);
  } catch (err) {
    $('recs-meta').textContent = `(unavailable: ${err.message})`;
  }
}

// pickRec plays a recommended title: every catalogue title plays the demo VOD source, as
// content=<title id>. The click is reported now, the play once playback starts.
function pickRec(item, list) {
  reporter.add(recsAction('click', list, state.uid, item));
  const demo = state.sources.find((s) => s.name === 'demo') || state.sources.find((s) => !s.live);
  if (!demo) return;
  start(demo.name, { content: item.id, rec: { item, list } }).then(() => setTimeout(refreshRecs, 2000));
}

async function init() {
  $('uid').textContent = state.uid;
  if (params.get('beacons') === 'client') $('beacons').value = 'client';
  try {
    await loadConfig();
  } catch (err) {
    console.warn(`${err.message}: playing the origin's own playlists without services`);
  }
  state.sources = await loadSources();
  fillPicker();
  refreshRecs();
  $('picker').addEventListener('submit', (e) => {
    e.preventDefault();
    start($('source').value);
  });
  setInterval(() => {
    drawQoE();
  }, 500);
  setInterval(() => {
    reportQoE(false).then(() => reporter.flush());
  }, REPORT_MS);
  // A page hidden may never come back: its reports go out as a beacon (final when it leaves).
  addEventListener('pagehide', () => {
    const s = state.session && state.qoe;
    if (s) reportQoE(true);
    reporter.beacon();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') reportQoE(false).then(() => reporter.beacon());
  });
  const first = params.get('source') || (state.sources.find((s) => !s.live) || state.sources[0] || {}).name;
  document.body.dataset.state = 'ready';
  if (first) await start(first, { content: params.get('content') || undefined });
  else fail('nothing to play: no sources');
}

init().catch((err) => fail(`player: ${err.message}`));
