// Builds the web player (hls.js from npm and the styles it imports) with web/build.mjs:
//
//   node web/player/build.mjs              # into web/player/dist (what `make web` runs)
//   node web/player/build.mjs --outdir DIR # elsewhere (the browser test builds its own)
//
// The origin serves the result from disk at /player/ (cuepoint origin --player-dir).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../build.mjs';

await buildApp('player', dirname(fileURLToPath(import.meta.url)), process.argv.slice(2));
