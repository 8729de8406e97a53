#!/usr/bin/env node
/**
 * Builds the playground (`npm run playground`): one static folder, `playground/dist/` unless
 * `--outdir DIR` says otherwise, holding the page, its esbuild bundle and tfjs's WebAssembly
 * files. `--serve [PORT]` then serves it on 127.0.0.1 (default port 8000; 0 picks a free one): the
 * page fetches its .wasm files, which browsers refuse over file://.
 *
 * The bundle holds the real checker. Three things make it run without Node:
 * - the workspace reads files through `src/ir/default-host.ts` (the disk); here that module is
 *   replaced by `src/browser-host.ts`, whose standard library is `src/std/*.tfm` embedded as text
 *   (the virtual module `tfmc:std`);
 * - `node:path` is `pathe` (the same POSIX path functions, for the browser);
 * - any other `node:` import fails the build, so Node-only code cannot slip in unnoticed.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const require = createRequire(import.meta.url);
/** Marks a folder as a build of this script, which the next build may empty. */
const MARKER = '.tfmc-playground';

/** Redirects the Node-only seams of the checker to their browser versions (see the header). */
const browserSeams = {
  name: 'tfmc-browser-seams',
  setup(build) {
    build.onResolve({ filter: /^\.\/default-host\.js$/ }, (args) =>
      args.importer === join(root, 'src/ir/workspace.ts') ? { path: join(here, 'src/browser-host.ts') } : undefined,
    );
    build.onResolve({ filter: /^tfmc:std$/ }, () => ({ path: 'std', namespace: 'tfmc-std' }));
    build.onLoad({ filter: /.*/, namespace: 'tfmc-std' }, () => {
      const dir = join(root, 'src/std');
      const files = readdirSync(dir)
        .filter((name) => name.endsWith('.tfm'))
        .sort()
        .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
      return { contents: `export default ${JSON.stringify(files)};`, loader: 'js', watchFiles: files.map((f) => join(dir, f.name)) };
    });
    build.onResolve({ filter: /^node:path$/ }, () => build.resolve('pathe', { kind: 'import-statement', resolveDir: here }));
    build.onResolve({ filter: /^node:/ }, (args) => ({
      errors: [{ text: `${args.path} (imported by ${args.importer.replace(root + '/', '')}) does not exist in the browser: the playground bundle must not reach Node-only code` }],
    }));
  },
};

/** Builds the playground into `outdir` (emptied first). Returns the files written, relative to it. */
export async function buildPlayground(outdir = join(here, 'dist')) {
  // Emptied first (chunk names change from build to build), but only a folder this script made.
  if (existsSync(outdir) && readdirSync(outdir).length > 0 && !existsSync(join(outdir, MARKER))) {
    throw new Error(`${outdir} is not empty and is not a playground build: name an empty or new folder`);
  }
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  writeFileSync(join(outdir, MARKER), 'built by playground/build.mjs (npm run playground); emptied by the next build\n');
  await esbuild.build({
    entryPoints: { playground: join(here, 'src/main.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    loader: { '.tfm': 'text' },
    plugins: [browserSeams],
    logLevel: 'warning',
  });
  copyFileSync(join(here, 'index.html'), join(outdir, 'index.html'));
  copyFileSync(join(here, 'style.css'), join(outdir, 'style.css'));
  // tfjs's wasm backend fetches these next to the page (setWasmPaths in src/run.ts).
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const name of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDir, name), join(outdir, name));
  return readdirSync(outdir).filter((f) => f !== MARKER).sort();
}

async function main(argv) {
  const at = (flag) => argv.indexOf(flag);
  const named = at('--outdir') >= 0 ? argv[at('--outdir') + 1] : undefined;
  if (at('--outdir') >= 0 && (named === undefined || named.startsWith('--'))) throw new Error('--outdir needs a folder');
  const outdir = named !== undefined ? resolve(named) : join(here, 'dist');
  const files = await buildPlayground(outdir);
  console.log(`playground: ${files.length} files → ${outdir}`);
  if (at('--serve') >= 0) {
    const given = argv[at('--serve') + 1];
    const port = given !== undefined && /^\d+$/.test(given) ? Number(given) : 8000; // 0: any free port
    const ctx = await esbuild.context({});
    const { port: actual } = await ctx.serve({ servedir: outdir, host: '127.0.0.1', port });
    console.log(`playground: http://127.0.0.1:${actual}/ (Ctrl-C to stop)`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
