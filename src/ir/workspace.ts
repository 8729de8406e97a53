/**
 * Loads spec files and what they import, and builds each file's global scope: its own blocks and
 * models, then those of the files it imports, then the standard library (an implicit prelude),
 * then the primitives. Imports resolve relative to the importing file and may not leave the
 * workspace; `std/...` names the standard library.
 */
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { diagnostic, type Diagnostic, type Help } from '../diagnostics/diagnostic.js';
import { LineIndex, type Span } from '../diagnostics/spans.js';
import { suggestionList } from '../util/did-you-mean.js';
import { checkLines, type SourceRead } from '../util/source-text.js';
import type { BlockDecl, ModelDecl, SourceFile } from '../syntax/ast.js';
import { parse } from '../syntax/parse.js';
import { OPERATOR_OPS, PUBLIC_OPS } from './ops/index.js';
import { Scope } from './lower/scope.js';
import { defaultHost } from './default-host.js';
import type { SpecHost } from './spec-host.js';

export interface LoadedFile {
  path: string;
  text: string;
  ast: SourceFile;
  isLibrary: boolean;
  /** Absolute paths of the files it imports (resolved, existing). */
  imports: string[];
}

/** The standard library's folder (of the default host: the disk in Node). */
export const STD_DIR = defaultHost.stdDir;

/** The standard library is parsed once per host. */
const stdCache = new WeakMap<SpecHost, { files: LoadedFile[]; diagnostics: Diagnostic[] }>();

function loadStd(host: SpecHost): { files: LoadedFile[]; diagnostics: Diagnostic[] } {
  const cached = stdCache.get(host);
  if (cached) return cached;
  const files: LoadedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { name, text } of host.stdFiles()) {
    const path = join(host.stdDir, name);
    const { ast, diagnostics: ds } = parse(text, path);
    diagnostics.push(...ds);
    files.push({ path, text, ast, isLibrary: true, imports: [] });
  }
  const std = { files, diagnostics };
  stdCache.set(host, std);
  return std;
}

export interface WorkspaceOptions {
  root?: string;
  /** In-memory documents (editor buffers), by absolute path; read before the disk. */
  overlay?: Map<string, string>;
  /** Where files and the standard library are read from (default: the disk). */
  host?: SpecHost;
}

export class Workspace {
  readonly files = new Map<string, LoadedFile>();
  readonly diagnostics: Diagnostic[] = [];
  readonly root: string;
  private readonly scopes = new Map<string, Scope>();
  private readonly host: SpecHost;
  private readonly std: { files: LoadedFile[]; diagnostics: Diagnostic[] };

  constructor(private readonly options: WorkspaceOptions = {}, entry?: string) {
    this.host = options.host ?? defaultHost;
    this.std = loadStd(this.host);
    this.root = options.root ? resolve(options.root) : findRoot(entry ? dirname(resolve(entry)) : process.cwd(), this.host);
    for (const f of this.std.files) this.files.set(f.path, f);
    this.diagnostics.push(...this.std.diagnostics);
  }

  isLibrary(file: string): boolean {
    return this.files.get(file)?.isLibrary ?? file.startsWith(this.host.stdDir + sep);
  }

  /** Loads a file and (transitively) its imports. Returns undefined when the file can't be read. */
  load(path: string, text?: string, stack: string[] = []): LoadedFile | undefined {
    const abs = resolve(path);
    const cached = this.files.get(abs);
    if (cached) return cached;
    const given = text ?? this.options.overlay?.get(abs);
    const read = given === undefined ? this.host.readSource(abs) : checkLines(given);
    if (read === undefined) return undefined;
    if (!read.ok) return this.refuse(abs, read);
    const source = read.text;
    const { ast, diagnostics } = parse(source, abs);
    this.diagnostics.push(...diagnostics);
    const file: LoadedFile = { path: abs, text: source, ast, isLibrary: false, imports: [] };
    this.files.set(abs, file);
    const chain = [...stack, abs];
    for (const item of ast.items) {
      if (item.kind !== 'ImportDecl') continue;
      const spec = item.path.value;
      const label = { file: abs, span: item.path.span };
      const inPath = (d: Diagnostic) => d.primary.file === abs && d.primary.span.start.offset >= item.path.span.start.offset && d.primary.span.end.offset <= item.path.span.end.offset;
      if (diagnostics.some(inPath)) continue; // the literal itself is malformed (already reported)
      if (spec.startsWith('std/')) {
        const target = join(this.host.stdDir, spec.slice(4));
        if (!this.files.has(target)) {
          this.diagnostics.push(diagnostic('TFM2013', `the standard library has no \`${spec}\``, label, {
            help: stdImportHelp(spec, this.std.files.map((f) => `std/${relative(this.host.stdDir, f.path)}`), label),
          }));
        }
        continue;
      }
      const target = isAbsolute(spec) ? resolve(spec) : resolve(dirname(abs), spec);
      const real = this.host.realPath(target);
      if (!isInside(this.root, real, this.host)) {
        this.diagnostics.push(diagnostic('TFM2012', `cannot import \`${spec}\`: it is outside the workspace`, label, {
          notes: [`the workspace is \`${relative(dirname(abs), this.root) || '.'}\` (relative to this file): the nearest folder with a package.json, .git or tfmc.json`],
          help: { message: 'move the file into the project, or run tfmc from a folder that contains both' },
        }));
        continue;
      }
      const idx = chain.indexOf(real);
      if (idx >= 0 || real === abs) {
        const cycle = [...chain.slice(Math.max(idx, 0)), real].map((p) => relative(this.root, p) || p).join(' → ');
        this.diagnostics.push(diagnostic('TFM2011', `import cycle: ${cycle}`, label, { help: { message: 'move the shared blocks into a third file that both import' } }));
        continue;
      }
      if (!this.options.overlay?.has(real) && !this.host.isFile(real)) {
        this.diagnostics.push(diagnostic('TFM2013', `cannot find \`${spec}\``, label, { notes: [`looked for \`${relative(dirname(abs), real)}\`, relative to this file's folder`] }));
        continue;
      }
      const loaded = this.load(real, undefined, chain);
      if (loaded) file.imports.push(loaded.path);
    }
    return file;
  }

  /**
   * A file that cannot be a spec (not UTF-8, too large, not a file): reported where the problem is, and
   * loaded as an empty file so nothing else is reported about it.
   */
  private refuse(abs: string, read: Extract<SourceRead, { ok: false }>): LoadedFile {
    const lines = new LineIndex(read.text);
    const at = { file: abs, span: lines.span(read.offset, read.offset) };
    const limit = (variable: string) => `if the file is really meant to be this large, raise the limit with the environment variable ${variable} (docs/limits.md)`;
    if (read.problem === 'invalid-utf8') {
      this.diagnostics.push(diagnostic('TFM1010', `this file is not valid UTF-8: ${read.detail}`, at, { help: { message: 'save the file as UTF-8' } }));
    } else if (read.problem === 'not-a-file') {
      this.diagnostics.push(diagnostic('TFM1012', `cannot read this as a spec: ${read.detail}`, at, { help: { message: 'name a .tfm file' } }));
    } else {
      const what = read.problem === 'too-large' ? 'this file is too large' : 'a line is too long';
      this.diagnostics.push(diagnostic('TFM1011', `${what}: ${read.detail}`, at, {
        notes: ['a spec is read whole, so a file this size would take gigabytes of memory to check'],
        help: { message: limit(read.problem === 'too-large' ? 'TFMC_MAX_SOURCE_BYTES' : 'TFMC_MAX_LINE_LENGTH') },
      }));
    }
    const file: LoadedFile = { path: abs, text: read.text, ast: parse('', abs).ast, isLibrary: false, imports: [] };
    this.files.set(abs, file);
    return file;
  }

  /** The global scope of a loaded file. */
  globals(path: string): Scope {
    let s = this.scopes.get(path);
    if (s) return s;
    const prims = new Scope();
    for (const [name, op] of PUBLIC_OPS) prims.set(name, { value: { kind: 'op', op }, kind: 'global' });
    prims.set('causal', { value: { kind: 'op', op: OPERATOR_OPS.causal }, kind: 'global' });
    const std = new Scope(prims);
    for (const f of this.std.files) addBlocks(std, f);
    const file = this.files.get(path);
    const imported = new Scope(std);
    for (const imp of file?.imports ?? []) {
      const f = this.files.get(imp);
      if (f) addBlocks(imported, f);
    }
    const own = new Scope(imported);
    if (file) addBlocks(own, file, this.diagnostics);
    // Flattened into one table: every name lookup that misses a local scope ends here.
    s = new Scope();
    for (const name of own.names()) s.set(name, own.lookup(name)!);
    this.scopes.set(path, s);
    return s;
  }

  /** Models visible from a file (its own, then imported ones), by name. */
  models(path: string): Map<string, { decl: ModelDecl; file: string }> {
    const out = new Map<string, { decl: ModelDecl; file: string }>();
    const file = this.files.get(path);
    for (const imp of file?.imports ?? []) {
      for (const item of this.files.get(imp)?.ast.items ?? []) if (item.kind === 'ModelDecl') out.set(item.name.name, { decl: item, file: imp });
    }
    for (const item of file?.ast.items ?? []) if (item.kind === 'ModelDecl') out.set(item.name.name, { decl: item, file: path });
    return out;
  }
}

function addBlocks(scope: Scope, f: LoadedFile, diagnostics?: Diagnostic[]): void {
  const seen = new Map<string, BlockDecl | ModelDecl>();
  for (const item of f.ast.items) {
    if (item.kind === 'ImportDecl' || !item.name.name) continue;
    const prev = seen.get(item.name.name);
    if (prev && diagnostics) {
      diagnostics.push(diagnostic('TFM2002', `\`${item.name.name}\` is defined more than once`, { file: f.path, span: item.name.span }, {
        secondary: [{ file: f.path, span: prev.name.span, message: 'first defined here' }],
      }));
      continue;
    }
    seen.set(item.name.name, item);
    if (item.kind === 'BlockDecl') scope.set(item.name.name, { value: { kind: 'block', block: { decl: item, file: f.path } }, kind: 'global', source: { file: f.path, span: item.name.span } });
  }
}

export function isInside(root: string, p: string, host: SpecHost = defaultHost): boolean {
  const rel = relative(host.realPath(root), p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The nearest folder with a package.json or .git, else the start folder. */
export function findRoot(start: string, host: SpecHost = defaultHost): string {
  let dir = resolve(start);
  for (;;) {
    if (['package.json', '.git', 'tfmc.json'].some((marker) => host.exists(join(dir, marker)))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(start);
    dir = up;
  }
}

/** "did you mean `std/attention.tfm`?" with the edit that rewrites the string, else the list of std files. */
function stdImportHelp(spec: string, files: string[], at: { file: string; span: Span }): Help {
  const best = suggestionList(spec, files)[0];
  const list = `std files: ${files.join(', ')}`;
  return best ? { message: `did you mean \`${best}\`? (${list})`, edits: [{ ...at, text: JSON.stringify(best) }] } : { message: list };
}
