// Unit tests of the player's pure modules, run with `node --test web/player/test/unit.test.mjs` (and by
// cmd/cuepoint's TestPlayerUnitJS in `make test`): where a break and an ad are on the VOD and
// live timelines, the client-side beacons fired once at their offsets, QoE counters, and the
// events' ids and shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ads } from '../src/ads.js';
import Hls from 'hls.js';
import { isToken, newId, qoe, recsAction } from '../src/events.js';
import { QoE } from '../src/qoe.js';

const te = (event, offset, urls = []) => ({ event, offset, urls });
const ad = (id, sequence, startTime, duration, urls = false) => ({
  id,
  sequence,
  startTime,
  duration,
  trackingEvents: [
    te('impression', 0, urls ? [`https://t.example/${id}/imp`] : []),
    te('start', 0, urls ? [`https://t.example/${id}/start`] : []),
    te('midpoint', duration / 2, urls ? [`https://t.example/${id}/mid`] : []),
  ],
});

// newAds returns an Ads over fixed avails, with a fake clock (video/hls) and fetch.
function newAds({ live = false, avails }) {
  const fetched = [];
  const video = { currentTime: 0, paused: false };
  const hls = { playingDate: null };
  const a = new Ads({ trackingUrl: null, video, hls, live, fetchImpl: async (url) => fetched.push(url) });
  a.close(); // no timers: the test drives tick()
  a.closed = false;
  a.avails = avails;
  return { a, video, hls, fetched };
}

test('VOD: preroll and midroll placed on video.currentTime, ads in order, slate after them', () => {
  const { a, video } = newAds({
    avails: [
      { id: 'b0', startTime: 0, duration: 14, ads: [ad('x', 1, 0, 6), ad('y', 2, 6, 6)] },
      { id: 'b6', startTime: 26, duration: 15, ads: [ad('z', 1, 26, 15)] },
    ],
  });
  const at = (t) => {
    video.currentTime = t;
    const c = a.locate(a.position());
    return c && { avail: c.avail.id, n: c.n, m: c.m, left: Math.round(c.remaining * 10) / 10 };
  };
  assert.deepEqual(at(0), { avail: 'b0', n: 1, m: 2, left: 14 });
  assert.deepEqual(at(5.9), { avail: 'b0', n: 1, m: 2, left: 8.1 });
  assert.deepEqual(at(6), { avail: 'b0', n: 2, m: 2, left: 8 });
  assert.deepEqual(at(12.5), { avail: 'b0', n: 0, m: 2, left: 1.5 }); // slate
  assert.equal(at(14), null);
  assert.equal(at(25.9), null);
  assert.deepEqual(at(26), { avail: 'b6', n: 1, m: 1, left: 15 });
  assert.equal(at(41), null);
});

test('ad start times relative to their avail are read as such', () => {
  const { a, video } = newAds({ avails: [{ id: 'b6', startTime: 26, duration: 12, ads: [ad('p', 1, 0, 6), ad('q', 2, 6, 6)] }] });
  video.currentTime = 33;
  const c = a.locate(a.position());
  assert.equal(c.n, 2);
  assert.equal(c.inAd, 1);
});

test('live: avails placed by programDateTime against hls.playingDate', () => {
  const start = Date.parse('2026-11-22T12:53:00.000Z');
  const { a, hls } = newAds({
    live: true,
    avails: [{ id: 'b9', startTime: 0, programDateTime: '2026-11-22T12:53:00.000Z', duration: 30, ads: [ad('l1', 1, 0, 15), ad('l2', 2, 15, 15)] }],
  });
  assert.equal(a.locate(a.position()), null); // no date yet
  hls.playingDate = new Date(start - 1000);
  assert.equal(a.locate(a.position()), null);
  hls.playingDate = new Date(start + 16_500);
  const c = a.locate(a.position());
  assert.equal(c.n, 2);
  assert.equal(Math.round(c.remaining * 10) / 10, 13.5);
  hls.playingDate = new Date(start + 30_000);
  assert.equal(a.locate(a.position()), null);
});

test('client-side beacons: each URL once, at its offset, only while playing', () => {
  const { a, video, fetched } = newAds({ avails: [{ id: 'b0', startTime: 0, duration: 10, ads: [ad('x', 1, 0, 10, true)] }] });
  video.paused = true;
  a.tick();
  assert.deepEqual(fetched, []);
  video.paused = false;
  video.currentTime = 0.2;
  a.tick();
  a.tick();
  assert.deepEqual(fetched, ['https://t.example/x/imp', 'https://t.example/x/start']);
  video.currentTime = 4.9;
  a.tick();
  assert.equal(fetched.length, 2);
  video.currentTime = 5.0;
  a.tick();
  video.currentTime = 6;
  a.tick();
  assert.deepEqual(fetched.slice(2), ['https://t.example/x/mid']);
  assert.equal(a.beacons.length, 3);
  assert.deepEqual(a.seen.get('b0').ads, new Set([1]));
});

test('server-side mode: empty URLs fire nothing', () => {
  const { a, video, fetched } = newAds({ avails: [{ id: 'b0', startTime: 0, duration: 6, ads: [ad('x', 1, 0, 6)] }] });
  video.currentTime = 3;
  a.tick();
  assert.deepEqual(fetched, []);
});

test('malformed tracking data is ignored, not thrown on', async () => {
  for (const body of [
    { avails: [null, 7, { id: 'b', startTime: 'x', duration: 5 }, { id: 'c', startTime: 0, duration: 0 }, { id: 'd', startTime: 0, duration: 5 }] },
    { avails: 'nope' },
    {},
    'not json',
  ]) {
    const video = { currentTime: 1, paused: false };
    const a = new Ads({
      trackingUrl: 'https://ssai.example/t.json',
      video,
      hls: {},
      live: false,
      fetchImpl: async () => ({ ok: true, json: async () => (typeof body === 'string' ? JSON.parse(body) : body) }),
    });
    await a.poll();
    a.close();
    const kept = a.avails.map((v) => v.id);
    assert.deepEqual(kept, Array.isArray(body.avails) ? ['d'] : [], JSON.stringify(body));
    const c = a.locate(a.position());
    if (kept.length) assert.equal(c.n, 0); // a break without ads: slate
    else assert.equal(c, null);
  }
});

test('event ids and tokens follow docs/events.md', () => {
  const id = newId();
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.equal(parseInt(id.slice(0, 12), 16) <= Date.now(), true);
  assert.notEqual(newId(), id);
  for (const ok of ['viewer-1', 'item-96', 'a'.repeat(128), '0c989903bbe6ef46']) assert.equal(isToken(ok), true, ok);
  for (const bad of ['', 'a b', 'a"b', "a'b", 'a\\b', 'a'.repeat(129), 'é', null, undefined, 7]) assert.equal(isToken(bad), false, String(bad));
});

test('QoE and RecsAction events carry what the collector validates', () => {
  const q = qoe('s-1', 'item-9', { watchMs: 5000.4, rebuffers: 1, rebufferMs: 320.6, switches: 2, bitrateKbps: 1800.2, errors: 0, startupMs: 640.2, lastError: '' }, true, 'req-1');
  assert.equal(q.family, 'playback');
  const e = q.event;
  assert.deepEqual(
    { type: e.type, v: e.v, service: e.service, session: e.session, content: e.content, device: e.device, startup_ms: e.startup_ms, watch_ms: e.watch_ms, rebuffers: e.rebuffers, rebuffer_ms: e.rebuffer_ms, bitrate_switches: e.bitrate_switches, bitrate_kbps: e.bitrate_kbps, errors: e.errors, final: e.final, request_id: e.request_id },
    { type: 'qoe', v: 1, service: 'web-player', session: 's-1', content: 'item-9', device: 'web', startup_ms: 640, watch_ms: 5000, rebuffers: 1, rebuffer_ms: 321, bitrate_switches: 2, bitrate_kbps: 1800, errors: 0, final: true, request_id: 'req-1' },
  );
  assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal('last_error' in e, false);
  const later = qoe('s-1', 'item-9', { watchMs: 10, rebuffers: 0, rebufferMs: 0, switches: 0, bitrateKbps: 0, errors: 1, startupMs: 0, lastError: 'x'.repeat(2000) }, false);
  assert.equal('startup_ms' in later.event, false);
  assert.equal('final' in later.event, false);
  assert.equal(later.event.last_error.length, 1000);

  const r = recsAction('click', { id: 'list-1', model: 'm1', arm: 'model', experiment: 'recs-ranker' }, 'viewer-1', { id: 'item-96', position: 2 });
  assert.equal(r.family, 'recs');
  assert.deepEqual(
    { type: r.event.type, list: r.event.list, user: r.event.user, item: r.event.item, position: r.event.position, model: r.event.model, arm: r.event.arm, experiment: r.event.experiment },
    { type: 'click', list: 'list-1', user: 'viewer-1', item: 'item-96', position: 2, model: 'm1', arm: 'model', experiment: 'recs-ranker' },
  );
});

// A fake <video> and hls.js for QoE: events are dispatched by hand, the clock is the test's.
function fakePlayer() {
  const listeners = {};
  const video = {
    seeking: false,
    addEventListener: (ev, fn) => (listeners[ev] ||= []).push(fn),
    removeEventListener: (ev, fn) => (listeners[ev] = (listeners[ev] || []).filter((f) => f !== fn)),
    emit: (ev) => (listeners[ev] || []).forEach((f) => f()),
  };
  const handlers = {};
  const hls = {
    levels: [{ bitrate: 800_000 }, { bitrate: 1_800_000 }, { bitrate: 3_000_000 }],
    on: (ev, fn) => (handlers[ev] ||= []).push(fn),
    off: (ev, fn) => (handlers[ev] = (handlers[ev] || []).filter((f) => f !== fn)),
    emit: (ev, data) => (handlers[ev] || []).forEach((f) => f(ev, data)),
  };
  return { video, hls, listeners, handlers };
}

test('QoE: startup, watch time, rebuffers, switches, time-weighted bitrate and errors, as deltas', () => {
  let now = 1000;
  const { video, hls } = fakePlayer();
  const q = new QoE(video, hls, 1000, () => now);
  hls.emit(Hls.Events.LEVEL_SWITCHED, { level: 0 });
  now = 1650;
  video.emit('playing'); // first frame 650 ms after the request
  now = 5650; // 4 s at 800 kb/s
  hls.emit(Hls.Events.LEVEL_SWITCHED, { level: 2 });
  now = 7650; // 2 s at 3000 kb/s
  video.emit('waiting'); // a stall
  now = 8150;
  video.emit('playing'); // 500 ms later
  now = 9150; // 1 s more at 3000 kb/s
  hls.emit(Hls.Events.ERROR, { fatal: false, type: Hls.ErrorTypes.MEDIA_ERROR, details: 'bufferStalledError' });
  hls.emit(Hls.Events.ERROR, { fatal: true, type: Hls.ErrorTypes.NETWORK_ERROR, details: 'manifestLoadError' });
  const d = q.take();
  assert.equal(d.startupMs, 650);
  assert.equal(d.watchMs, 7000);
  assert.equal(d.rebuffers, 1);
  assert.equal(d.rebufferMs, 500);
  assert.equal(d.switches, 1); // the first level is not a switch
  assert.equal(Math.round(d.bitrateKbps), Math.round((4000 * 800 + 3000 * 3000) / 7000));
  assert.equal(d.errors, 1); // fatal only; hls.js recovers from the others
  assert.equal(d.lastError, 'manifestLoadError');
  assert.deepEqual(q.warnings, ['bufferStalledError']);

  // The next report carries what happened since, and no startup.
  now = 10_150;
  video.emit('pause');
  now = 20_000; // paused: not watch time
  const d2 = q.take();
  assert.deepEqual(
    { startupMs: d2.startupMs, watchMs: d2.watchMs, rebuffers: d2.rebuffers, switches: d2.switches, errors: d2.errors, lastError: d2.lastError },
    { startupMs: 0, watchMs: 1000, rebuffers: 0, switches: 0, errors: 0, lastError: '' },
  );
  assert.equal(Math.round(d2.bitrateKbps), 3000);

  // A stall while seeking is the viewer's doing, not a rebuffer.
  video.emit('playing');
  video.seeking = true;
  video.emit('waiting');
  video.seeking = false;
  now = 21_000;
  video.emit('playing');
  assert.equal(q.take().rebuffers, 0);
  q.close();
});
