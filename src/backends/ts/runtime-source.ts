/**
 * The runtime's source text (`src/runtime/`: the files `index.ts` exports, in its order), cut into
 * top-level declarations so that `--standalone` output can carry exactly the ones it uses (and
 * what those use), unexported. The layout rules that make this safe are in `index.ts`'s header;
 * `test/backends/ts/runtime-source.test.ts` checks the cut covers every file.
 */
import { readFileSync } from 'node:fs';

export interface RuntimeDecl {
  name: string;
  /** The declaration with its doc comment, as written in the runtime file. */
  text: string;
}

/** The runtime source is read from `src/` (tests) or, from `dist/`, from the shipped `src/runtime/`. */
const CANDIDATES = ['../../runtime/', '../../../src/runtime/'];

let cached: RuntimeDecl[] | undefined;

function runtimeFile(name: string): string {
  for (const rel of CANDIDATES) {
    try {
      return readFileSync(new URL(rel + name, import.meta.url), 'utf8');
    } catch {
      // try the next place
    }
  }
  throw new Error(`the tfmc runtime source (src/runtime/${name}) is missing from the installation`);
}

/** The runtime's files in the order `index.ts` exports them. */
export function runtimeFiles(): string[] {
  return [...runtimeFile('index.ts').matchAll(/^export \* from '\.\/([\w-]+)\.js';$/gm)].map((m) => `${m[1]}.ts`);
}

/** What a runtime file declares: its text after the header comment and the imports. */
export function runtimeFileBody(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const lastImport = lines.reduce((at, line, i) => (line.startsWith('import ') ? i : at), -1);
  return lines.slice(lastImport + 1).join('\n').trim();
}

/** Every declaration of the runtime, file after file (the standalone copy keeps this order). */
export function runtimeSourceText(): string {
  return runtimeFiles().map((f) => runtimeFileBody(runtimeFile(f))).join('\n\n');
}

const DECL = /^(?:export )?(?:function|const|type|interface|class) ([A-Za-z_$][\w$]*)/m;

/** The runtime's declarations in order (headers and imports are not declarations). */
export function runtimeDecls(source?: string): RuntimeDecl[] {
  if (source === undefined && cached) return cached;
  const text = source ?? runtimeSourceText();
  const chunks = text.replace(/\r\n/g, '\n').split(/\n\n(?=\S)(?!\})/);
  const decls: RuntimeDecl[] = [];
  for (const chunk of chunks) {
    const code = stripComments(chunk).trim();
    if (code === '' || code.startsWith('import ')) continue;
    const m = DECL.exec(code);
    if (!m || code.indexOf(m[0]) !== 0) throw new Error(`runtime source: cannot tell what this declares:\n${chunk.slice(0, 200)}`);
    decls.push({ name: m[1], text: chunk.trimEnd() });
  }
  if (source === undefined) cached = decls;
  return decls;
}

function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

/** Whether `code` refers to `name` (not as a member, `tf.softmax`, nor inside a comment). */
function mentions(code: string, name: string): boolean {
  return new RegExp(`(?<![.\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(code);
}

/** The declarations `names` need, transitively, in file order. Unknown names are an error. */
export function runtimeClosure(names: Iterable<string>, decls = runtimeDecls()): RuntimeDecl[] {
  const byName = new Map(decls.map((d) => [d.name, d]));
  const needed = new Set<string>();
  const stack = [...names];
  while (stack.length) {
    const name = stack.pop()!;
    if (needed.has(name)) continue;
    const decl = byName.get(name);
    if (!decl) throw new Error(`the tfmc runtime has no declaration \`${name}\``);
    needed.add(name);
    const code = stripComments(decl.text);
    for (const other of decls) if (other.name !== name && !needed.has(other.name) && mentions(code, other.name)) stack.push(other.name);
  }
  return decls.filter((d) => needed.has(d.name));
}

/** The runtime's exported names (what `tfmc/runtime` offers). */
export function runtimeExports(decls = runtimeDecls()): string[] {
  return decls.filter((d) => /^export /m.test(stripComments(d.text).trim())).map((d) => d.name);
}

/** A declaration's text for inlining: the same, without `export`. */
export function unexported(decl: RuntimeDecl): string {
  return decl.text.replace(/^export /m, '');
}

/** The runtime's exported types (imported with `type`). */
export function runtimeTypes(decls = runtimeDecls()): string[] {
  return decls.filter((d) => /^export (?:type|interface) /m.test(stripComments(d.text).trim())).map((d) => d.name);
}
