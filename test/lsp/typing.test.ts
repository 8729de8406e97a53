/**
 * Typing in the language server gives, after every keystroke, exactly the diagnostics `tfmc check`
 * gives for that text: the server parses an edited document again only from the first item the
 * edit touched, and does not parse an unchanged import again (syntax/reparse.ts, lsp/analysis.ts),
 * so this checks that the reuse never shows a stale or misplaced diagnostic.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkSource } from '../../src/pipeline/check-spec.js';
import { toLspDiagnostic } from '../../src/render/lsp.js';
import { LspClient } from './client.js';

const LIB = `block Mix(width: int) {
  in x: float32[B, width]
  out Linear(width)(x)
}
`;
const SPEC = `import "./lib.tfm"

block First(d: int) {
  in x: float32[B, d]
  out Linear(d)(x)
}

block Second(d: int) {
  in x: float32[B, d]
  let h = Linear(d)(x)
  out h + x
}

model M {
  input x: float32[b, 16]
  input spare: float32[b, 4]
  let a = First(16)(x)
  let b = Second(16)(a)
  output y = Mix(16)(b)
}
`;

let dir: string;
let client: LspClient;

beforeAll(async () => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-typing-')));
  fs.writeFileSync(path.join(dir, 'lib.tfm'), LIB);
  client = await LspClient.start([dir]);
});

afterAll(async () => {
  await client?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** What `tfmc check` says about `text` as the file `file`, in LSP form (with the open library buffer). */
function expected(file: string, text: string, overlay: Map<string, string>) {
  const r = checkSource(text, file, { workspaceRoot: dir, overlay });
  return r.diagnostics.filter((d) => d.primary.file === file).map((d) => toLspDiagnostic(d));
}

it('after each keystroke (inside a later block, breaking and fixing the syntax, in an open import), the diagnostics of tfmc check', async () => {
  const file = path.join(dir, 'spec.tfm');
  const uri = client.open(file, SPEC);
  const lib = client.open(path.join(dir, 'lib.tfm'), LIB);
  await client.waitForDiagnostics(uri, (d) => d.length > 0); // the unused `spare` (every step keeps one diagnostic, so every version is published)
  let text = SPEC;
  let libText = LIB;
  // Each step edits the current text; the server sees one full-text change per step.
  const steps: Array<[string, (t: string) => string] | ['lib', (t: string) => string]> = [
    ['spec', (t) => t.replace('out h + x', 'out h + h')],
    ['spec', (t) => t.replace('let h = Linear(d)(x)', 'let h = Linear(2 * d)(x)')], // a shape error in Second
    ['spec', (t) => t.replace('in x: float32[B, d]\n  let h', 'in x: float32[B, d\n  let h')], // a syntax error
    ['spec', (t) => t.replace('in x: float32[B, d\n  let h', 'in x: float32[B, d]\n  let h')],
    ['spec', (t) => t.replace('block First(d: int) {', '// a comment\nblock First(d: int) {')], // lines move
    ['spec', (t) => t.replace('let b = Second(16)(a)', 'let b = Second(16)(a)\n  let unused = a')],
    ['lib', (t) => t.replace('width: int', 'width: int, extra: int')], // the model's Mix(16) now misses `extra`
    ['spec', (t) => t.replace('Mix(16)(b)', 'Mix(16, 2)(b)')],
    ['spec', (t) => t.replace('/* never closed', '') + '/* never closed'],
    ['spec', (t) => t.replace('/* never closed', '')],
  ];
  for (const [which, step] of steps) {
    if (which === 'lib') {
      libText = step(libText);
      client.change(lib, libText);
    } else text = step(text);
    const version = client.change(uri, text);
    const want = expected(file, text, new Map([[path.join(dir, 'lib.tfm'), libText], [file, text]]));
    const got = await client.waitForDiagnostics(uri, (d) => JSON.stringify(d) === JSON.stringify(want), 10_000, version).catch(() => client.diagnostics.get(uri)?.diagnostics);
    expect(got, `after ${step.toString()}`).toEqual(want);
  }
});
