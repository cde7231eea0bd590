// Builds the web player: bundles src/main.js (vanilla JavaScript, hls.js from npm and the
// styles it imports) with esbuild into <outdir>/assets/app.{js,css} and copies index.html.
//
//   node web/player/build.mjs              # into web/player/dist (what `make web` runs)
//   node web/player/build.mjs --outdir DIR # elsewhere (the browser test builds its own)
//
// The origin serves the result from disk at /player/ (cuepoint origin --player-dir).
import * as esbuild from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let outdir = join(here, 'dist');
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--outdir' && args[i + 1]) {
    outdir = resolve(args[++i]);
  } else {
    console.error(`build.mjs: unknown argument ${args[i]} (usage: build.mjs [--outdir DIR])`);
    process.exit(2);
  }
}

// Files are overwritten in place, never the directory removed: a running origin holds the
// directory open (os.Root) and keeps serving the new build.
await mkdir(join(outdir, 'assets'), { recursive: true });
const result = await esbuild.build({
  entryPoints: { app: join(here, 'src', 'main.js') },
  outdir: join(outdir, 'assets'),
  bundle: true,
  format: 'esm',
  minify: true,
  sourcemap: true,
  target: ['chrome110', 'firefox115', 'safari16'],
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});
await copyFile(join(here, 'src', 'index.html'), join(outdir, 'index.html'));
const sizes = Object.entries(result.metafile.outputs)
  .filter(([f]) => !f.endsWith('.map'))
  .map(([f, o]) => `${f.slice(f.lastIndexOf('/') + 1)} ${(o.bytes / 1024).toFixed(1)} KiB`);
console.log(`player built into ${outdir}: ${sizes.join(', ')}`);
