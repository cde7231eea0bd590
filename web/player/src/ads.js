// Ads follows a session's ad breaks from SSAI's tracking JSON (the session's trackingUrl):
// where each break ("avail") and each ad sits on the stitched timeline, and the tracking
// events of each ad. It drives the "Ad n of m" overlay with the break's countdown and, in
// client-side beacon mode, fires each tracking URL once at its offset (impression and start
// at the ad's start). In server-side mode SSAI fires them itself and the URLs are empty.
//
// Position: VOD uses video.currentTime (the stitched presentation timeline); live uses the
// avail's programDateTime against hls.js's playingDate (the PROGRAM-DATE-TIME of what plays).

const POLL_MS = 4000;

export class Ads {
  constructor({ trackingUrl, video, hls, live, onChange = () => {}, fetchImpl = (...a) => fetch(...a) }) {
    this.url = trackingUrl;
    this.video = video;
    this.hls = hls;
    this.live = live;
    this.onChange = onChange;
    this.fetch = fetchImpl;
    this.avails = [];
    this.fired = new Set(); // `${ad.id}|${event}|${url}`
    this.beacons = []; // {event, ad, url, ok}
    this.seen = new Map(); // avail id → {ads: Set of sequence numbers shown, of}
    this.current = null; // {avail, ad, n, m, remaining}
    this.closed = false;
    this.loaded = false;
    if (this.url) this.poll();
    this.ticker = setInterval(() => this.tick(), 250);
  }

  async poll() {
    if (this.closed) return;
    try {
      const resp = await this.fetch(this.url, { cache: 'no-store', credentials: 'omit' });
      if (resp.ok) {
        const doc = await resp.json();
        this.avails = Array.isArray(doc.avails) ? doc.avails.filter(validAvail) : [];
        this.loaded = true;
      }
    } catch {
      /* the next poll tries again */
    }
    // Breaks appear once the session's playlists have been fetched: look again soon until then.
    if (!this.closed) this.pollTimer = setTimeout(() => this.poll(), this.avails.length ? POLL_MS : 1000);
  }

  // position returns where playback is on the avails' timeline: seconds for VOD, epoch ms for
  // live (null when unknown).
  position() {
    if (!this.live) return this.video.currentTime;
    const d = this.hls && this.hls.playingDate;
    return d ? d.getTime() : null;
  }

  // locate finds the avail and ad playing at pos.
  locate(pos) {
    if (pos === null) return null;
    for (const a of this.avails) {
      let start, end, scale;
      if (this.live) {
        if (!a.programDateTime) continue;
        start = Date.parse(a.programDateTime);
        scale = 1000;
      } else {
        start = a.startTime;
        scale = 1;
      }
      end = start + a.duration * scale;
      if (pos < start || pos >= end) continue;
      const inAvail = (pos - start) / scale; // seconds into the break
      const remaining = Math.max(0, a.duration - inAvail);
      const ads = a.ads || [];
      for (let i = 0; i < ads.length; i++) {
        const ad = ads[i];
        const off = adOffset(a, ad);
        if (inAvail >= off && inAvail < off + ad.duration) {
          return { avail: a, ad, n: ad.sequence || i + 1, m: ads.length, inAd: inAvail - off, remaining };
        }
      }
      return { avail: a, ad: null, n: 0, m: ads.length, inAd: 0, remaining }; // slate after the ads
    }
    return null;
  }

  tick() {
    if (this.closed) return;
    const cur = this.locate(this.position());
    const was = this.current;
    this.current = cur;
    if (cur && cur.ad) {
      let s = this.seen.get(cur.avail.id);
      if (!s) this.seen.set(cur.avail.id, (s = { ads: new Set(), of: cur.m, countdowns: new Set() }));
      s.ads.add(cur.n);
      s.countdowns.add(Math.ceil(cur.remaining));
      if (!this.video.paused) this.fire(cur.ad, cur.inAd);
    }
    if (cur || was) this.onChange(cur);
  }

  // fire sends the ad's tracking URLs whose offset has been reached, each once. The request is
  // a no-cors GET (an image pixel would do too): a beacon's answer is not read.
  fire(ad, inAd) {
    for (const te of ad.trackingEvents || []) {
      if (inAd + 0.05 < (te.offset || 0)) continue;
      for (const url of te.urls || []) {
        const key = `${ad.id}|${te.event}|${url}`;
        if (this.fired.has(key)) continue;
        this.fired.add(key);
        const rec = { event: te.event, ad: ad.id, url, ok: null };
        this.beacons.push(rec);
        this.fetch(url, { mode: 'no-cors', credentials: 'omit', keepalive: true, cache: 'no-store' })
          .then(() => (rec.ok = true))
          .catch(() => (rec.ok = false));
      }
    }
  }

  close() {
    this.closed = true;
    clearInterval(this.ticker);
    clearTimeout(this.pollTimer);
  }
}

// adOffset is the ad's start in seconds into its avail. Ads carry their start on the stitched
// timeline; one earlier than its avail's start is read as relative to the avail.
function adOffset(avail, ad) {
  const s = Number(ad.startTime) || 0;
  return s >= avail.startTime ? s - avail.startTime : s;
}

function validAvail(a) {
  return a && typeof a.startTime === 'number' && typeof a.duration === 'number' && a.duration > 0;
}
