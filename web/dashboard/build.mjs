// Builds the dashboard's front end (uPlot and the styles it imports) with web/build.mjs:
//
//   node web/dashboard/build.mjs              # into web/dashboard/dist (what `make web` runs)
//   node web/dashboard/build.mjs --outdir DIR # elsewhere (the browser test builds its own)
//
// The Go server (analytics/dashboard) serves the result from disk: --web-root.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../build.mjs';

await buildApp('dashboard', dirname(fileURLToPath(import.meta.url)), process.argv.slice(2));
