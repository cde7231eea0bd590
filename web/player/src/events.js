// Analytics events as docs/events.md defines them (schema version 1), built in the browser and
// posted to the collector by reporter.js. Only the fields the page knows are set; the
// collector validates each event (events.Decode) and stamps when it received it.

export const SERVICE = 'web-player';

const hex = (n, digits) => n.toString(16).padStart(digits, '0').slice(-digits);

// newId is events.NewID: 12 hex digits of Unix milliseconds, then 20 random ones.
export function newId() {
  const r = new Uint32Array(3);
  crypto.getRandomValues(r);
  return hex(Date.now(), 12) + hex(r[0], 8) + hex(r[1], 8) + hex(r[2] & 0xffff, 4);
}

// isToken tells whether s is an id the events accept: 1–128 bytes of printable ASCII without
// spaces, quotes or backslashes.
export function isToken(s) {
  return typeof s === 'string' && s.length >= 1 && s.length <= 128 && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s) && !s.includes("'");
}

function header(type, requestId) {
  const h = { v: 1, type, id: newId(), time: new Date().toISOString(), service: SERVICE };
  if (isToken(requestId)) h.request_id = requestId;
  return h;
}

// qoe is a QoE report (family playback): counters are deltas since the session's previous one.
export function qoe(session, content, d, final, requestId) {
  const e = {
    ...header('qoe', requestId),
    session,
    content,
    device: 'web',
    watch_ms: Math.max(0, Math.round(d.watchMs)),
    rebuffers: d.rebuffers,
    rebuffer_ms: Math.max(0, Math.round(d.rebufferMs)),
    bitrate_switches: d.switches,
    bitrate_kbps: Math.max(0, Math.round(d.bitrateKbps)),
    errors: d.errors,
  };
  if (d.startupMs > 0) e.startup_ms = Math.round(d.startupMs);
  if (d.lastError) e.last_error = String(d.lastError).slice(0, 1000);
  if (final) e.final = true;
  return { family: 'playback', event: e };
}

// recsAction is a click on, or play of, an item of a served list (family recs).
export function recsAction(type, list, user, item) {
  const e = { ...header(type), list: list.id, user, item: item.id, position: item.position };
  if (isToken(list.model)) e.model = list.model;
  if (isToken(list.experiment)) e.experiment = list.experiment;
  if (isToken(list.arm)) e.arm = list.arm;
  return { family: 'recs', event: e };
}
