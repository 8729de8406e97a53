/**
 * tfmc installed outside the clone, as README's "Install" does it: `npm pack` (here with
 * `--ignore-scripts`: `npm test` has just built dist/, and a rebuild would pull dist/ from under
 * the tests running beside this one), `npm install -g` of the tarball into a temporary prefix
 * (dependencies from the registry or npm's cache), then the installed `tfmc` in a folder outside
 * the repository: check, compile to every target, the language server on the standard library,
 * and the package's entry points (`tfmc`, `tfmc/runtime`, `tfmc/tfjs`, `tfmc/prettier-plugin`,
 * `tfmc/tfjs/browser`) imported from a project that links the installed package. The install
 * builds the native backend (its postinstall script; `npm test` has installed the compiler and
 * OpenBLAS), which the installed tfmc then uses by default; a second install into another prefix,
 * with a compiler that does not exist (CC/CXX), must still complete, and that tfmc falls back to
 * wasm with a one-line notice saying why. About a minute.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LspClient, uriOf } from '../lsp/client.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

let tmp: string;
let prefix: string;
let installed: string;
let work: string;
let env: NodeJS.ProcessEnv;

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, runEnv: NodeJS.ProcessEnv = env, timeout = 180_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: runEnv, stdio: ['ignore', 'pipe', 'pipe'], timeout, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function ok(command: string, args: string[], cwd = work): Promise<string> {
  const r = await run(command, args, cwd);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let packed: { filename: string; files: Array<{ path: string }> };

beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it) first');
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-install-')));
  prefix = path.join(tmp, 'prefix');
  work = path.join(tmp, 'work');
  fs.mkdirSync(work);
  // The installed tfmc first on the PATH (and the node that runs the tests, for its #!/usr/bin/env node).
  env = {
    ...process.env,
    PATH: [path.join(prefix, 'bin'), path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    NO_COLOR: '1',
  };
  const json = await ok('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT);
  packed = JSON.parse(json)[0];
  await ok('npm', ['install', '-g', '--prefix', prefix, path.join(tmp, packed.filename)], tmp);
  installed = path.join(prefix, 'lib', 'node_modules', 'tfmc');
}, 300_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

it('the tarball holds what runs (bin, dist with the std library, the runtimes, the grammar) and every entry point', () => {
  const files = new Set(packed.files.map((f) => f.path));
  for (const f of ['package.json', 'README.md', 'LICENSE', 'bin/tfmc.js', 'dist/cli/main.js', 'dist/std/layers.tfm', 'src/runtime/index.ts', 'src/backends/pytorch/runtime/tfmc_runtime.py', 'src/backends/pytorch/runtime/train.py', 'grammar/tfm.tmLanguage.json', 'specs/gpt2.tfm', 'specs/llama.tfm']) {
    expect(files, f).toContain(f);
  }
  const entries = [pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>), ...Object.values(pkg.exports as Record<string, { types: string; default: string }>).flatMap((e) => [e.types, e.default])];
  for (const e of entries) expect(files, e).toContain(e.replace(/^\.\//, ''));
  // Nothing of the development tree: tests, scripts, sources that are not read at run time. The
  // shipped specs are read at run time: `tfmc import hf` writes a variant of one beside a copy of it.
  for (const f of files) expect(f, f).toMatch(/^(package\.json|README\.md|LICENSE|bin\/|dist\/|grammar\/|specs\/[\w-]+\.tfm$|src\/std\/|src\/runtime\/|src\/backends\/pytorch\/runtime\/|native\/binding\.gyp$|native\/src\/|scripts\/build-native\.mjs$)/);
});

it('the installed tfmc works from a folder outside the clone: check, compile (ts, standalone, pytorch, tfjs), lsp --help', async () => {
  expect(fs.realpathSync(path.join(prefix, 'bin', 'tfmc'))).toBe(path.join(installed, 'bin', 'tfmc.js'));
  // GPT-2 uses the standard library's DecoderLayer: found inside the installed package.
  fs.copyFileSync(path.join(ROOT, 'specs', 'gpt2.tfm'), path.join(work, 'gpt2.tfm'));
  // Every command at once (each run is a process of its own); the compiles write to folders of their own.
  const compile = (target: string, out: string, ...more: string[]) => ok('tfmc', ['compile', 'gpt2.tfm', '--model', 'Gpt2Tiny', '--target', target, ...more, '-o', out]);
  const [version, checked, bad, lspHelp] = await Promise.all([
    ok('tfmc', ['--version']),
    ok('tfmc', ['check', 'gpt2.tfm']),
    run('tfmc', ['check', 'gpt2.tfm', '--set', 'heads=7'], work),
    ok('tfmc', ['lsp', '--help']),
    compile('ts', 'ts'),
    compile('ts', 'ts-standalone', '--standalone'),
    compile('pytorch', 'pt'),
    compile('tfjs', 'tfjs', '--seed', '1'),
  ]);
  expect(version.trim()).toBe(pkg.version);
  expect(checked).toContain('2 models checked, 0 errors');
  expect(bad.status).toBe(1);
  expect(bad.stdout + bad.stderr).toContain('error[TFM');
  expect(lspHelp).toContain('Usage: tfmc lsp');
  for (const f of fs.readdirSync(path.join(installed, 'dist/runtime')).filter((n) => n.endsWith('.js'))) {
    const runtimeJs = fs.readFileSync(path.join(installed, 'dist/runtime', f), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
    expect(fs.readFileSync(path.join(work, 'ts/tfmc-runtime/runtime', f), 'utf8')).toBe(runtimeJs);
  }
  expect(fs.readFileSync(path.join(work, 'ts/gpt2-tiny.ts'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'test/backends/ts/__golden__/gpt2-tiny.ts.golden'), 'utf8'));
  // --standalone cuts the runtime's source, shipped in the package.
  expect(fs.readFileSync(path.join(work, 'ts-standalone/gpt2-tiny.ts'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'test/backends/ts/__golden__/gpt2-tiny.standalone.ts.golden'), 'utf8'));
  // The PyTorch runtime files come from the installed package.
  for (const f of ['tfmc_runtime.py', 'train.py']) {
    expect(fs.readFileSync(path.join(work, 'pt', f), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'src/backends/pytorch/runtime', f), 'utf8'));
  }
  expect(JSON.parse(fs.readFileSync(path.join(work, 'tfjs/manifest.json'), 'utf8')).format).toBe('tfmc-checkpoint');
}, 180_000);

it('the installed language server finds the standard library inside the package (go to definition of DecoderLayer)', async () => {
  const client = await LspClient.start([work], { debounceMs: 0 }, [], [path.join(prefix, 'bin', 'tfmc')]);
  try {
    const text = fs.readFileSync(path.join(ROOT, 'specs', 'gpt2.tfm'), 'utf8');
    // A clean file gets no diagnostics list; the definition request waits for the check.
    const uri = client.open(path.join(work, 'gpt2.tfm'), text);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('DecoderLayer('));
    const def = await client.request<{ uri: string } | null>('textDocument/definition', { textDocument: { uri }, position: { line, character: lines[line].indexOf('DecoderLayer(') + 2 } });
    expect(def?.uri).toBe(uriOf(path.join(installed, 'dist', 'std', 'layers.tfm')));
  } finally {
    await client.stop();
  }
}, 60_000);

it('a project that links the installed package imports every entry point of package.json "exports"', async () => {
  // As `npm link tfmc` would: node_modules/tfmc is the installed package.
  const app = path.join(tmp, 'app');
  fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  fs.writeFileSync(path.join(app, 'package.json'), '{ "type": "module", "private": true }\n');
  fs.symlinkSync(installed, path.join(app, 'node_modules', 'tfmc'), 'dir');
  const specifiers = Object.keys(pkg.exports as object).map((k) => (k === '.' ? 'tfmc' : `tfmc/${k.slice(2)}`));
  expect(specifiers).toEqual(expect.arrayContaining(['tfmc', 'tfmc/runtime', 'tfmc/tfjs', 'tfmc/prettier-plugin', 'tfmc/tfjs/browser']));
  const script = [
    ...specifiers.map((s, i) => `const m${i} = await import('${s}');`),
    `const r = m0.checkSource(${JSON.stringify('model M {\n  input x: float32[b, 4]\n  output y = Linear(8)(x)\n}\n')}, ${JSON.stringify(path.join(app, 'm.tfm'))});`,
    `console.log(JSON.stringify({ models: r.models.map((m) => m.name), errors: r.diagnostics.length, exports: [${specifiers.map((_, i) => `Object.keys(m${i}).length`).join(', ')}] }));`,
  ].join('\n');
  const out = JSON.parse((await ok(process.execPath, ['--input-type=module', '-e', script], app)).trim().split('\n').pop()!);
  expect(out.models).toEqual(['M']);
  expect(out.errors).toBe(0);
  for (const n of out.exports) expect(n).toBeGreaterThan(0);
}, 60_000);

/** `tfmc generate` on a tiny compiled GPT-2 from the tfmc at `bin` (its stderr says the backend in use). */
async function generateWith(bin: string, dir: string): Promise<Ran> {
  fs.copyFileSync(path.join(ROOT, 'specs', 'gpt2.tfm'), path.join(dir, 'gpt2.tfm'));
  await ok(bin, ['compile', 'gpt2.tfm', '--model', 'Gpt2Tiny', '--target', 'tfjs', '-o', 'tiny'], dir);
  return run(bin, ['generate', 'tiny', '--ids', '1,2,3', '--max-new-tokens', '2'], dir);
}

it('the install built the native backend, and the installed tfmc uses it by default', async () => {
  expect(fs.existsSync(path.join(installed, 'native', 'build', 'Release', 'tfmc_native.node'))).toBe(true);
  const dir = fs.mkdtempSync(path.join(tmp, 'native-'));
  const r = await generateWith(path.join(prefix, 'bin', 'tfmc'), dir);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/^backend: native$/m);
}, 120_000);

it('without a working compiler the install still completes, and tfmc falls back to wasm with a one-line notice', async () => {
  const bare = path.join(tmp, 'prefix-no-compiler');
  const noCompiler = { ...env, CC: '/nonexistent/cc', CXX: '/nonexistent/c++' };
  const install = await run('npm', ['install', '-g', '--foreground-scripts', '--prefix', bare, path.join(tmp, packed.filename)], tmp, noCompiler, 240_000);
  expect(install.status, install.stderr).toBe(0);
  // The build's one line: what is missing and what to install.
  expect(install.stdout + install.stderr).toContain('tfmc: native backend not built (no compiler at /nonexistent/c');
  const pkgDir = path.join(bare, 'lib', 'node_modules', 'tfmc');
  expect(fs.existsSync(path.join(pkgDir, 'native', 'build', 'Release', 'tfmc_native.node'))).toBe(false);
  const dir = fs.mkdtempSync(path.join(tmp, 'fallback-'));
  const r = await generateWith(path.join(bare, 'bin', 'tfmc'), dir);
  expect(r.status, r.stderr).toBe(0);
  const line = r.stderr.split('\n').find((l) => l.startsWith('backend: '));
  expect(line).toMatch(/^backend: wasm \(native is unavailable: its addon is not built .*apt-get install build-essential libopenblas-dev/);
  // Asking for it by name is a one-line error with the same reason, not a stack trace.
  const asked = await run(path.join(bare, 'bin', 'tfmc'), ['generate', 'tiny', '--ids', '1,2', '--max-new-tokens', '1', '--backend', 'native'], dir);
  expect(asked.status).not.toBe(0);
  expect(asked.stderr).toContain('native');
  expect(asked.stderr).toContain('libopenblas-dev');
  expect(asked.stderr).not.toMatch(/\n\s+at /);
}, 300_000);
