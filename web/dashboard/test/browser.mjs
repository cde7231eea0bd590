// Browser test of the dashboard, run by analytics/dashboard's TestDashboardInBrowser (go test):
// loads the page in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core),
// waits for every chart, and checks that
//   - the page logged no console error, threw nothing, and no request failed;
//   - every chart drew a plot and none reported an error;
//   - the numbers drawn (uPlot's data) and shown (the rows table) for the charts in the
//     expectation file equal the values a direct SQL query computed;
//   - the SQL toggle shows the query that ran.
// It saves a full-page screenshot and prints a JSON report; exit status 1 on any failure.
// Launching Chromium, watching the page for errors and the report are web/test/browser.mjs's.
//
//   node web/dashboard/test/browser.mjs --url URL --expect FILE --screenshot FILE.png
//
// FILE holds {"charts": {name: {"x": [...], "series": {column: [...]}}}}: for each chart,
// the x values (bucket starts or categories) and each value column's expected numbers.
import { readFile } from 'node:fs/promises';
import { cliArgs, inBrowser } from '../../test/browser.mjs';

const args = cliArgs(['url', 'expect', 'screenshot']);
const expect = JSON.parse(await readFile(args.expect, 'utf8'));

const options = {
  name: 'dashboard',
  url: args.url,
  screenshot: args.screenshot,
  viewport: { width: 1440, height: 1000 },
  report: { checked: {} },
};
await inBrowser(options, async ({ page, fail, report }) => {
  await page.waitForFunction(() => document.body.dataset.state === 'ready' && Number(document.body.dataset.loads) >= 1, null, {
    timeout: 30_000,
  });

  const drawn = await page.evaluate(() =>
    Object.fromEntries(
      Object.entries(window.cuepoint.charts).map(([name, c]) => [
        name,
        {
          error: c.error,
          shape: c.def.shape,
          columns: c.result ? c.result.columns.map((col) => col.name) : [],
          rows: c.result ? c.result.rows : [],
          data: c.plot ? c.plot.data.map((a) => Array.from(a)) : null,
          canvas: !!document.querySelector(`#chart-${name} .plot canvas`),
          cells: [...document.querySelectorAll(`#chart-${name} .rows tbody tr`)].map((tr) =>
            [...tr.children].map((td) => td.dataset.value),
          ),
        },
      ]),
    ),
  );
  report.charts = Object.keys(drawn);
  if (report.charts.length === 0) fail('no charts on the page');
  for (const [name, c] of Object.entries(drawn)) {
    if (c.error) fail(`chart ${name}: ${c.error}`);
    if (!c.canvas || !c.data) fail(`chart ${name}: no plot drawn`);
  }

  const close = (a, b) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));
  for (const [name, want] of Object.entries(expect.charts)) {
    const c = drawn[name];
    if (!c) {
      fail(`chart ${name}: not on the page`);
      continue;
    }
    const checked = { values: 0 };
    // The x values drawn: bucket starts for a time series, categories (in the rows) for bars.
    const xs = c.shape === 'bars' ? c.rows.map((r) => r[0]) : c.data[0];
    if (JSON.stringify(xs) !== JSON.stringify(want.x)) {
      fail(`chart ${name}: x drawn ${JSON.stringify(xs)}, expected ${JSON.stringify(want.x)}`);
      continue;
    }
    for (const [col, values] of Object.entries(want.series)) {
      const ci = c.columns.indexOf(col);
      if (ci < 1) {
        fail(`chart ${name}: no column ${col}`);
        continue;
      }
      const plotted = c.data[ci];
      const shown = c.cells.map((row) => (row[ci] === '' ? null : Number(row[ci])));
      values.forEach((v, i) => {
        if (!close(plotted[i], v)) fail(`chart ${name}: ${col}[${xs[i]}] drawn ${plotted[i]}, SQL says ${v}`);
        if (!close(shown[i], v)) fail(`chart ${name}: ${col}[${xs[i]}] in the table ${shown[i]}, SQL says ${v}`);
        checked.values++;
      });
    }
    report.checked[name] = checked;
  }

  // The SQL toggle shows the query that ran, and the rows toggle the table; open them on the
  // first checked chart for the screenshot.
  const first = Object.keys(expect.charts)[0];
  if (first) {
    await page.click(`#chart-${first} [data-toggle="SQL"]`);
    await page.click(`#chart-${first} [data-toggle="table"]`);
    const sql = await page.textContent(`#chart-${first} pre.sql`);
    const visible = await page.isVisible(`#chart-${first} pre.sql`);
    const want = drawn[first] && (await page.evaluate((n) => window.cuepoint.charts[n].result.sql, first));
    if (!visible || sql !== want) fail(`chart ${first}: the SQL toggle shows ${visible ? JSON.stringify(sql.slice(0, 80)) : 'nothing'}`);
    report.sqlShown = sql.split('\n')[0];
  }
  await page.screenshot({ path: args.screenshot, fullPage: true });
});
