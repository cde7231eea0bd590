// Browser test of the web player, run by cmd/cuepoint's TestPlayerInBrowser (go test) against
// `cuepoint dev`: opens the player in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core) on a VOD source with a preroll and a midroll, muted with autoplay, plays
// through both breaks and checks that
//   - the page logged no console error, threw nothing, no request failed and no response was
//     an HTTP error;
//   - the session's tracking JSON has the breaks (the first at 0: the preroll);
//   - the "Ad n of m" indicator showed during each break, with a countdown that moved;
//   - video time advanced across each break (before it, after it; never backwards);
//   - a recommendation picked plays, in client-side beacon mode, and the page fires its
//     preroll's impression and start beacons;
//   - with --live, a live channel picked plays;
//   - the QoE and recs reports reached the collector and none was rejected; leaving the page
//     sends the last session's final QoE as a beacon.
// It saves a screenshot during the midroll and prints a JSON report (the session, the breaks,
// what the player reported) for the Go test, which then looks for the rows in ClickHouse.
// Exit status 1 on any failure. Launching Chromium, watching the page for errors and the report
// are web/test/browser.mjs's.
//
//   node web/player/test/browser.mjs --url URL --screenshot FILE.png [--breaks 2] [--rate 1] [--timeout 150] [--live CHANNEL]
import { cliArgs, inBrowser, sleep } from '../../test/browser.mjs';

const args = cliArgs(['url', 'screenshot']);
const wantBreaks = Number(args.breaks || 2);
const rate = Number(args.rate || 1);
const timeoutMs = Number(args.timeout || 150) * 1000;

const options = {
  name: 'player',
  url: args.url,
  screenshot: args.screenshot,
  viewport: { width: 1280, height: 1100 },
  args: ['--autoplay-policy=no-user-gesture-required'],
  report: { breaks: [] },
  // hls.js aborts loads it no longer needs (a rendition switch, a destroyed session).
  ignoreFailedRequest: (why) => why.includes('ERR_ABORTED'),
};
await inBrowser(options, async ({ page, fail, report }) => {
  await page.waitForFunction(() => window.cuepoint && window.cuepoint.state.session, null, { timeout: 30_000 });
  // A VOD session's breaks are decided when it starts, each within SSAI's decision timeout
  // (150 ms); past it the break plays content, by design. On a machine too loaded to decide in
  // time, start another session (at most twice), and say so.
  report.sessionsStarted = 1;
  for (;;) {
    const filled = await page
      .waitForFunction(
        (n) => window.cuepoint.avails().filter((a) => (a.ads || []).length > 0).length >= n,
        wantBreaks,
        { timeout: 10_000 },
      )
      .then(() => true)
      .catch(() => false);
    if (filled || report.sessionsStarted >= 3) break;
    report.sessionsStarted++;
    await page.evaluate(() => window.cuepoint.start(window.cuepoint.state.session.source));
    await page.waitForFunction((n) => window.cuepoint.state.sessions >= n, report.sessionsStarted, { timeout: 30_000 });
  }
  report.session = await page.evaluate(() => {
    const s = window.cuepoint.state.session;
    return { source: s.source, content: s.content, session: s.session, qoeSession: s.qoeSession, requestId: s.requestId, trackingUrl: s.trackingUrl, manifestUrl: s.manifestUrl, mode: s.mode, uid: window.cuepoint.state.uid };
  });
  if (!report.session.trackingUrl) fail('the session has no tracking URL: SSAI sessions (POST /v1/sessions) are not available');
  await page.waitForFunction(() => window.cuepoint.video.currentTime > 0, null, { timeout: 30_000 });
  if (rate !== 1) await page.evaluate((r) => (window.cuepoint.video.playbackRate = r), rate);

  // Sample playback until the last wanted break has ended and a few seconds played after it.
  const samples = [];
  let shot = false;
  const began = Date.now();
  let avails = [];
  for (;;) {
    const s = await page.evaluate(() => ({
      t: window.cuepoint.video.currentTime,
      paused: window.cuepoint.video.paused,
      ad: document.body.dataset.ad || '',
      label: document.getElementById('ad').hidden ? '' : document.getElementById('ad').innerText,
      avails: window.cuepoint.avails().map((a) => ({ id: a.id, startTime: a.startTime, duration: a.duration, ads: (a.ads || []).length })),
      state: document.body.dataset.state,
    }));
    avails = s.avails;
    samples.push({ t: s.t, ad: s.ad, label: s.label });
    if (s.state === 'error') {
      fail(`the player reports an error: ${await page.textContent('#message')}`);
      break;
    }
    const last = avails[wantBreaks - 1];
    // The screenshot: the midroll's indicator over the video, the recommendations beneath.
    if (!shot && last && s.ad && s.ad !== 'slate' && s.t >= last.startTime) {
      await page.screenshot({ path: args.screenshot, fullPage: true });
      shot = true;
    }
    if (last && s.t >= last.startTime + last.duration + 2) break;
    if (Date.now() - began > timeoutMs) {
      fail(`playback did not get past break ${wantBreaks} within ${timeoutMs / 1000} s: at ${s.t.toFixed(1)} s, breaks ${JSON.stringify(avails)}`);
      break;
    }
    await sleep(250);
  }
  report.samples = samples.length;
  report.finalTime = samples.length ? samples[samples.length - 1].t : 0;
  report.avails = avails;

  // The breaks: the first is the preroll; the indicator showed in each; time went on across each.
  if (avails.length < wantBreaks) fail(`tracking JSON has ${avails.length} breaks, want at least ${wantBreaks}`);
  else if (avails[0].startTime > 0.5) fail(`the first break starts at ${avails[0].startTime} s: no preroll`);
  for (let i = 1; i < samples.length; i++) {
    if (samples[i].t < samples[i - 1].t - 0.5) fail(`video time went back from ${samples[i - 1].t} to ${samples[i].t}`);
  }
  const seen = await page.evaluate(() => window.cuepoint.state.adsSeen);
  for (const a of avails.slice(0, wantBreaks)) {
    const b = { id: a.id, startTime: a.startTime, duration: a.duration, ads: a.ads, shown: seen[a.id] || null };
    report.breaks.push(b);
    if (a.ads < 1) fail(`break ${a.id} has no ads`);
    if (!b.shown || b.shown.ads.length === 0) fail(`break ${a.id}: the "Ad n of m" indicator never showed`);
    else if (b.shown.countdowns.length < 2) fail(`break ${a.id}: the countdown never moved (${b.shown.countdowns})`);
    const end = a.startTime + a.duration;
    // Played into it (from before it; a preroll is where playback starts), through it, past it.
    const before = a.startTime < 0.5 || samples.some((s) => s.t < a.startTime);
    const inside = samples.some((s) => s.t >= a.startTime && s.t < end);
    const after = samples.some((s) => s.t >= end + 1);
    if (!before || !inside || !after) {
      const missing = [before ? '' : 'before', inside ? '' : 'inside', after ? '' : 'after'].filter(Boolean).join(', ');
      fail(`break ${a.id} [${a.startTime}, ${end}): video time did not advance across it (no sample ${missing})`);
    }
  }
  const labels = [...new Set(samples.map((s) => s.label).filter(Boolean).map((l) => l.replace(/\s+\d+:\d\d$/, '')))];
  report.labels = labels;
  if (!labels.some((l) => /Ad \d+ of \d+/.test(l))) fail(`the ad indicator never read "Ad n of m": ${JSON.stringify(labels)}`);
  if (!shot) await page.screenshot({ path: args.screenshot, fullPage: true });
  report.recs = await page.evaluate(() => document.querySelectorAll('#recs-row .card').length);
  if (report.recs === 0) fail('no recommendations drawn');

  // Pick a recommendation, with client-side beacons: the click is reported now, the play once
  // the title plays, and the page fires its preroll's impression and start beacons itself.
  if (report.recs > 0) {
    report.picked = await page.evaluate(() => document.querySelector('#recs-row .card').dataset.item);
    await page.selectOption('#beacons', 'client');
    await page.click('#recs-row .card');
    await page.waitForFunction(
      (item) => window.cuepoint.state.session && window.cuepoint.state.session.content === item && document.body.dataset.state === 'playing',
      report.picked,
      { timeout: 30_000 },
    );
    report.pickedSession = await page.evaluate(() => window.cuepoint.state.session.qoeSession);
    try {
      await page.waitForFunction(
        () => ['impression', 'start'].every((e) => window.cuepoint.beacons().some((b) => b.event === e && b.ok === true)),
        null,
        { timeout: 30_000 },
      );
    } catch {
      fail(`client-side beacons: the preroll's impression and start were not fired: ${JSON.stringify(await page.evaluate(() => window.cuepoint.beacons()))}`);
    }
    report.clientBeacons = await page.evaluate(() => window.cuepoint.beacons().map((b) => `${b.event}:${b.ok}`));
  }

  // A live channel from the picker plays: its time advances.
  if (args.live) {
    await page.selectOption('#source', args.live);
    await page.click('#play');
    await page.waitForFunction(
      (src) => window.cuepoint.state.session && window.cuepoint.state.session.source === src && document.body.dataset.state === 'playing',
      args.live,
      { timeout: 30_000 },
    );
    const t0 = await page.evaluate(() => window.cuepoint.video.currentTime);
    try {
      await page.waitForFunction((t) => window.cuepoint.video.currentTime >= t + 2, t0, { timeout: 20_000 });
    } catch {
      fail(`live channel ${args.live}: time did not advance from ${t0}`);
    }
    report.liveSession = await page.evaluate(() => window.cuepoint.state.session.qoeSession);
  }

  // Everything queued so far reaches the collector in batches.
  const deadline = Date.now() + 15_000;
  let stats;
  for (;;) {
    stats = await page.evaluate(async () => {
      await window.cuepoint.flush(false);
      return window.cuepoint.reporter();
    });
    if (stats.accepted > 0 && stats.queued <= stats.accepted + stats.duplicates + stats.rejected.length) break;
    if (Date.now() > deadline) break;
    await sleep(500);
  }
  report.reports = stats;
  if (!stats.accepted) fail(`no event reached the collector: ${JSON.stringify(stats)}`);
  for (const r of stats.rejected) fail(`the collector rejected: ${r}`);

  // The viewer leaves: pagehide sends the playing session's final QoE with sendBeacon (the Go
  // test finds it in ClickHouse). The browser delivers a beacon after the page is gone.
  report.lastSession = await page.evaluate(() => window.cuepoint.state.session.qoeSession);
  await page.goto('about:blank');
  await sleep(1000);
});
