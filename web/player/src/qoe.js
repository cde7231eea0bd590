// QoE measures one playback session from the video element and hls.js, as the QoE event
// (analytics/events/playback.go) counts it: startup time (play requested → first frame),
// watch time (playing, not stalled, not paused), rebuffers after startup and their duration,
// rendition switches and the time-weighted bitrate, errors. take() returns the deltas since
// the previous report, so reports sum to the session's totals.
import Hls from 'hls.js';

export class QoE {
  // requested is when the viewer asked for playback (performance.now()): the session's start,
  // before SSAI was asked for it.
  constructor(video, hls, requested, now = () => performance.now()) {
    this.video = video;
    this.hls = hls;
    this.now = now;
    this.requested = requested ?? now();
    this.startupMs = 0; // set at the first frame, sent once
    this.startupSent = false;
    this.started = false;
    this.playingSince = null; // wall time playback last (re)started
    this.stallSince = null;
    this.level = -1;
    this.bitrate = 0; // bits/s of the level playing
    this.totals = { watchMs: 0, rebuffers: 0, rebufferMs: 0, switches: 0, errors: 0, bitrateMs: 0 };
    this.sent = { watchMs: 0, rebuffers: 0, rebufferMs: 0, switches: 0, errors: 0, bitrateMs: 0, weighted: 0 };
    this.weighted = 0; // Σ bitrate(kbps) × ms played
    this.lastError = '';
    this.off = [];

    const on = (t, ev, fn) => {
      t.addEventListener(ev, fn);
      this.off.push(() => t.removeEventListener(ev, fn));
    };
    on(video, 'playing', () => this.onPlaying());
    on(video, 'waiting', () => this.onWaiting());
    on(video, 'pause', () => this.pauseClock());
    on(video, 'ended', () => this.pauseClock());
    on(video, 'error', () => this.onError(video.error ? `media error ${video.error.code}` : 'media error'));
    const onLevel = (_, data) => this.onLevel(data.level);
    // Errors the viewer sees: fatal ones. hls.js recovers from the others by itself (stalls are
    // counted as rebuffers); they are kept in warnings for the curious.
    this.warnings = [];
    const onError = (_, data) => {
      if (data.fatal) this.onError(data.details || data.type);
      else if (this.warnings.length < 50) this.warnings.push(data.details || data.type);
    };
    hls.on(Hls.Events.LEVEL_SWITCHED, onLevel);
    hls.on(Hls.Events.ERROR, onError);
    this.off.push(() => {
      hls.off(Hls.Events.LEVEL_SWITCHED, onLevel);
      hls.off(Hls.Events.ERROR, onError);
    });
  }

  onPlaying() {
    const t = this.now();
    if (!this.started) {
      this.started = true;
      this.startupMs = t - this.requested;
    }
    if (this.stallSince !== null) {
      this.totals.rebufferMs += t - this.stallSince;
      this.stallSince = null;
    }
    if (this.playingSince === null) this.playingSince = t;
  }

  onWaiting() {
    const t = this.now();
    this.pauseClock();
    // A stall after the first frame, not caused by the viewer seeking.
    if (this.started && !this.video.seeking && this.stallSince === null) {
      this.totals.rebuffers++;
      this.stallSince = t;
    }
  }

  pauseClock() {
    if (this.playingSince === null) return;
    const t = this.now();
    this.account(t - this.playingSince);
    this.playingSince = null;
  }

  account(ms) {
    this.totals.watchMs += ms;
    this.weighted += (this.bitrate / 1000) * ms;
    this.totals.bitrateMs += ms;
  }

  onLevel(level) {
    if (this.playingSince !== null) {
      const t = this.now();
      this.account(t - this.playingSince);
      this.playingSince = t;
    }
    if (this.level >= 0 && level !== this.level) this.totals.switches++;
    this.level = level;
    const l = this.hls.levels && this.hls.levels[level];
    this.bitrate = l ? l.bitrate : 0;
  }

  onError(msg) {
    this.totals.errors++;
    this.lastError = msg;
  }

  // take returns the deltas since the previous take, and marks them sent.
  take() {
    if (this.playingSince !== null) {
      const t = this.now();
      this.account(t - this.playingSince);
      this.playingSince = t;
    }
    const d = {};
    for (const k of ['watchMs', 'rebuffers', 'rebufferMs', 'switches', 'errors']) {
      d[k] = this.totals[k] - this.sent[k];
      this.sent[k] = this.totals[k];
    }
    const ms = this.totals.bitrateMs - this.sent.bitrateMs;
    const w = this.weighted - this.sent.weighted;
    d.bitrateKbps = ms > 0 ? w / ms : this.bitrate / 1000;
    this.sent.bitrateMs = this.totals.bitrateMs;
    this.sent.weighted = this.weighted;
    d.startupMs = 0;
    if (this.started && !this.startupSent) {
      d.startupMs = Math.max(1, this.startupMs);
      this.startupSent = true;
    }
    d.lastError = d.errors > 0 ? this.lastError : '';
    return d;
  }

  // summary is what the page shows.
  summary() {
    return {
      startupMs: this.started ? Math.round(this.startupMs) : null,
      rebuffers: this.totals.rebuffers,
      rebufferMs: Math.round(this.totals.rebufferMs),
      switches: this.totals.switches,
      errors: this.totals.errors,
      lastError: this.lastError,
      bitrateKbps: Math.round(this.bitrate / 1000),
      watchMs: Math.round(this.totals.watchMs + (this.playingSince !== null ? this.now() - this.playingSince : 0)),
    };
  }

  close() {
    this.pauseClock();
    if (this.stallSince !== null) {
      this.totals.rebufferMs += this.now() - this.stallSince;
      this.stallSince = null;
    }
    for (const f of this.off) f();
    this.off = [];
  }
}
