// Reporter batches events and posts them to the collector (POST /v1/events, see
// analytics/collector): every few seconds, and once more when the page is hidden or left, with
// navigator.sendBeacon (the token in the query, as beacons cannot set headers). A batch whose
// answer did not come (network error, 5xx) is retried whole: the collector drops the events it
// already took as duplicates. An expired token (401) fetches a fresh config first.

const MAX_BATCH = 200;

export class Reporter {
  // config() returns {collector, token}; refresh() fetches a fresh one (a new token).
  constructor(config, refresh, { interval = 5000, onChange = () => {} } = {}) {
    this.config = config;
    this.refresh = refresh;
    this.queue = [];
    this.inflight = null;
    this.onChange = onChange;
    this.stats = { queued: 0, batches: 0, accepted: 0, duplicates: 0, rejected: [], failures: 0, beacons: 0 };
    this.timer = interval > 0 ? setInterval(() => this.flush(), interval) : null;
  }

  get enabled() {
    const c = this.config();
    return !!(c.collector && c.token);
  }

  add(ev) {
    if (!this.enabled) return;
    this.queue.push(ev);
    this.stats.queued++;
  }

  url(withToken) {
    const c = this.config();
    const u = c.collector + '/v1/events';
    return withToken ? u + '?token=' + encodeURIComponent(c.token) : u;
  }

  // flush posts what is queued; it resolves when the batch was answered (or failed).
  async flush() {
    if (this.inflight) return this.inflight;
    if (!this.enabled || this.queue.length === 0) return;
    const batch = this.queue.splice(0, MAX_BATCH);
    this.inflight = this.post(batch).finally(() => {
      this.inflight = null;
      this.onChange(this.stats);
    });
    return this.inflight;
  }

  async post(batch, retried) {
    let resp;
    try {
      resp = await fetch(this.url(false), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Cuepoint-Token': this.config().token },
        body: JSON.stringify({ events: batch }),
        keepalive: true,
        credentials: 'omit',
      });
    } catch (err) {
      this.stats.failures++;
      this.queue.unshift(...batch); // retried with the next flush
      return;
    }
    if (resp.status === 401 && !retried) {
      await this.refresh();
      return this.post(batch, true);
    }
    if (resp.status >= 500 || resp.status === 401) {
      this.stats.failures++;
      this.queue.unshift(...batch);
      return;
    }
    let body = {};
    try {
      body = await resp.json();
    } catch {
      /* not JSON: counted below */
    }
    this.stats.batches++;
    this.stats.accepted += body.accepted || 0;
    this.stats.duplicates += body.duplicates || 0;
    for (const r of body.rejected || []) {
      const ev = batch[r.index];
      this.stats.rejected.push(`${ev ? ev.family + ' ' + ev.event.type : '?'}: ${r.reason}`);
    }
    if (!resp.ok && !(body.rejected || []).length) this.stats.rejected.push(`HTTP ${resp.status}: ${body.error || ''}`);
    if (this.stats.rejected.length) console.warn('collector rejected events:', this.stats.rejected.slice(-3).join('; '));
  }

  // beacon sends what is queued with sendBeacon, for a page being hidden or left: the browser
  // delivers it even after the page is gone. Falls back to a keepalive fetch.
  beacon() {
    if (!this.enabled || this.queue.length === 0) return;
    const batch = this.queue.splice(0, MAX_BATCH);
    const body = JSON.stringify({ events: batch });
    // text/plain keeps it a CORS "simple" request: no preflight a leaving page would not wait for.
    if (navigator.sendBeacon && navigator.sendBeacon(this.url(true), new Blob([body], { type: 'text/plain' }))) {
      this.stats.beacons++;
      return;
    }
    this.queue.unshift(...batch);
    this.flush();
  }

  close() {
    if (this.timer) clearInterval(this.timer);
  }
}
