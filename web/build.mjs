// The one build of Cuepoint's front ends (the dashboard, the web player): buildApp bundles an
// app's src/main.js (vanilla JavaScript, its npm libraries and the styles it imports) with
// esbuild into <outdir>/assets/app.{js,css} and copies its src/index.html; each app's
// build.mjs calls it. `--outdir DIR` builds elsewhere (the browser tests build their own).
//
// Files are overwritten in place, never the directory removed: a running server holds the
// directory open (os.Root) and keeps serving the new build.
import * as esbuild from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export async function buildApp(name, here, argv) {
  let outdir = join(here, 'dist');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--outdir' && argv[i + 1]) {
      outdir = resolve(argv[++i]);
    } else {
      console.error(`build.mjs: unknown argument ${argv[i]} (usage: build.mjs [--outdir DIR])`);
      process.exit(2);
    }
  }
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
  console.log(`${name} built into ${outdir}: ${sizes.join(', ')}`);
}
