// The recommendations row: GET {recs}/v1/recs?user=U&n=12&surface=home (docs/recs.md), each
// item drawn as a card from its catalogue entry (GET {recs}/v1/catalog/{id}: title, genres,
// year, poster colours, background first). Picking a card calls onPick(item, list).

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const isColor = (c) => typeof c === 'string' && /^#[0-9a-fA-F]{6}$/.test(c);

const titles = new Map(); // catalogue entries already fetched, by id

async function title(base, id) {
  if (titles.has(id)) return titles.get(id);
  const resp = await fetch(`${base}/v1/catalog/${encodeURIComponent(id)}`, { credentials: 'omit' });
  if (!resp.ok) throw new Error(`catalog ${id}: HTTP ${resp.status}`);
  const t = await resp.json();
  titles.set(id, t);
  return t;
}

// loadRecs fetches the viewer's list and the titles of its items.
export async function loadRecs(base, user, { n = 12, surface = 'home', content } = {}) {
  const q = new URLSearchParams({ user, n: String(n), surface });
  if (content) q.set('content', content);
  const resp = await fetch(`${base}/v1/recs?${q}`, { credentials: 'omit', cache: 'no-store' });
  if (!resp.ok) throw new Error(`recs: HTTP ${resp.status}`);
  const body = await resp.json();
  const list = { id: body.list_id, model: body.model, arm: body.arm, experiment: body.experiment, degraded: body.degraded };
  const items = await Promise.all(
    (body.items || []).map(async (it) => {
      let meta = {};
      try {
        meta = await title(base, it.id);
      } catch {
        /* drawn with its id */
      }
      return { ...it, title: meta.title || it.id, genres: meta.genres || [], year: meta.year, rating: meta.rating, colors: (meta.colors || []).filter(isColor) };
    }),
  );
  return { list, items };
}

// renderRecs draws the row.
export function renderRecs(row, { list, items }, onPick) {
  row.replaceChildren();
  for (const it of items) {
    const [bg = '#2b3040', accent = '#8a93a8', fg = '#f5f6f8'] = it.colors;
    const card = document.createElement('button');
    card.type = 'button';
    card.className = 'card';
    card.setAttribute('role', 'listitem');
    card.dataset.item = it.id;
    card.dataset.position = it.position;
    card.style.setProperty('--bg', bg);
    card.style.setProperty('--accent', accent);
    card.style.setProperty('--fg', fg);
    card.title = `${it.title} · ${it.reason}`;
    card.innerHTML =
      `<span class="poster"><span class="poster-title">${esc(it.title)}</span></span>` +
      `<span class="card-meta">${esc([it.genres[0], it.year, it.rating].filter(Boolean).join(' · '))}</span>` +
      `<span class="card-reason">${esc(reasonText(it.reason))}</span>`;
    card.addEventListener('click', () => onPick(it, list));
    row.append(card);
  }
}

function reasonText(r) {
  if (!r) return '';
  if (r.startsWith('similar:')) return 'because you watched ' + (titles.get(r.slice(8))?.title || r.slice(8));
  return { for_you: 'for you', trending: 'trending', new: 'new', explore: 'something different', promoted: 'featured', popular: 'popular' }[r] || r;
}
