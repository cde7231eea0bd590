// The scaffolding of Cuepoint's browser tests (web/dashboard/test/browser.mjs,
// web/player/test/browser.mjs), which Go tests start with node and read the JSON report of.
// Each app's test keeps its own assertions; this module gives them the rest:
//
//   - cliArgs: the `--name value` arguments, exit status 2 when a required one is missing;
//   - inBrowser: Debian's headless Chromium ($CUEPOINT_CHROMIUM, default /usr/bin/chromium)
//     driven by playwright-core in a throwaway profile, the page opened at the URL and watched:
//     a console error, an uncaught exception, a failed request or an HTTP error response is a
//     failure. It runs the app's test, then prints the report (with its failures) as JSON and
//     exits 1 on any failure, 0 otherwise;
//   - sleep.
//
//   const args = cliArgs(['url', 'screenshot']);
//   await inBrowser({ name: 'player', url: args.url, screenshot: args.screenshot }, async ({ page, fail, report }) => {
//     ...assertions: fail('what went wrong'), report.x = what the Go test reads...
//   });
import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// cliArgs returns process.argv's `--name value` pairs as an object, after checking that each
// of required is there (else it says which is missing and exits 2).
export function cliArgs(required = []) {
  const args = Object.fromEntries(
    process.argv
      .slice(2)
      .reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
  );
  for (const need of required) {
    if (!args[need]) {
      console.error(`browser.mjs: --${need} is required`);
      process.exit(2);
    }
  }
  return args;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The flags of a headless Chromium that talks to nothing but the page under test.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// inBrowser launches Chromium, opens url (waiting for its load event) and calls
// test({ page, fail, report }); an exception it throws is a failure too. Then it closes the
// browser, removes its profile, prints the report and exits: it never returns.
//
// Options: name (names the profile directory), url, screenshot (only reported: the test takes
// it when the page shows what it should), viewport, args (more Chromium flags), report (the
// report's first fields), ignoreFailedRequest(errorText) (true for a failed request that is no
// failure, e.g. a load the page aborted on purpose).
export async function inBrowser(opts, test) {
  const { name, url, screenshot, viewport = { width: 1280, height: 1000 }, args = [], ignoreFailedRequest = () => false } = opts;
  const failures = [];
  const fail = (msg) => failures.push(msg);
  const report = { url, screenshot, console: [], ...opts.report };
  const userDataDir = await mkdtemp(join(tmpdir(), `cuepoint-${name}-chromium-`));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CUEPOINT_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      viewport,
      args: [...chromiumArgs, ...args],
    });
    const page = context.pages()[0] || (await context.newPage());
    page.on('console', (m) => {
      report.console.push(`${m.type()}: ${m.text()}`);
      if (m.type() === 'error') fail(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => fail(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      const why = r.failure()?.errorText || '';
      if (!ignoreFailedRequest(why)) fail(`request failed: ${r.url()} ${why}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) fail(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
    });
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    await test({ page, fail, report });
  } catch (err) {
    fail(`browser: ${err.stack || err}`);
  } finally {
    if (context) await context.close();
    await rm(userDataDir, { recursive: true, force: true });
  }
  report.failures = failures;
  console.log(JSON.stringify(report, null, 2));
  process.exit(failures.length ? 1 : 0);
}
