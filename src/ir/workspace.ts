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
import { sourceRefusal } from './source-refusal.js';
import type { BlockDecl, ModelDecl, SourceFile } from '../syntax/ast.js';
import { parse, type ParseResult } from '../syntax/parse.js';
import { OPERATOR_OPS, PUBLIC_OPS } from './ops/index.js';
import { Scope, type Binding } from './lower/scope.js';
import { importPathProblem } from './import-path.js';
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

/** The standard library is parsed once per process. */
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

/** The standard library's blocks over the primitives, flattened: the same in every check, so built once per library. */
const stdTables = new WeakMap<object, ReadonlyMap<string, Binding>>();

function stdTable(std: { files: LoadedFile[] }): ReadonlyMap<string, Binding> {
  let table = stdTables.get(std);
  if (table) return table;
  const prims = new Scope();
  for (const [name, op] of PUBLIC_OPS) prims.set(name, { value: { kind: 'op', op }, kind: 'global' });
  prims.set('causal', { value: { kind: 'op', op: OPERATOR_OPS.causal }, kind: 'global' });
  const scope = new Scope(prims);
  for (const f of std.files) addBlocks(scope, f);
  const flat = new Map<string, Binding>();
  for (const name of scope.names()) flat.set(name, scope.lookup(name)!);
  stdTables.set(std, flat);
  return flat;
}

export interface WorkspaceOptions {
  /** The folder imports must stay inside (default: the CLI's rule, `findRoot` of the entry's folder). */
  root?: string;
  /** The language server's boundary, which replaces `root`: it also says why, and may allow no files at all. */
  boundary?: ImportBoundary;
  /** Where files and the standard library are read from (default: the disk). */
  host?: SpecHost;
  /** In-memory documents (editor buffers), by absolute path; read before the disk. */
  overlay?: Map<string, string>;
  /** Parses a file's text (default `parse`): the language server reuses its previous parses. */
  parser?: (path: string, text: string) => ParseResult;
}

/** Where imports may read files from (std imports are always allowed). */
export interface ImportBoundary {
  /** The folder imports must stay inside; `null`: no file may be imported. */
  root: string | null;
  /** What the boundary is, for the note of a refused import ("the editor's workspace folder"). */
  note: string;
  /** How to make such an import work. */
  help: string;
}

export class Workspace {
  readonly files = new Map<string, LoadedFile>();
  readonly diagnostics: Diagnostic[] = [];
  readonly root: string;
  /** Import targets inside the boundary that did not exist when they were looked for (an editor re-checks when one appears). */
  readonly missing = new Set<string>();
  private readonly boundary: ImportBoundary;
  private readonly scopes = new Map<string, Scope>();
  private readonly host: SpecHost;
  private readonly std: { files: LoadedFile[]; diagnostics: Diagnostic[] };

  constructor(private readonly options: WorkspaceOptions = {}, entry?: string) {
    this.host = options.host ?? defaultHost;
    this.std = loadStd(this.host);
    const start = entry ? dirname(resolve(entry)) : process.cwd();
    this.root = options.boundary ? resolve(options.boundary.root ?? start) : options.root ? resolve(options.root) : findRoot(start, this.host);
    this.boundary = options.boundary ?? {
      root: this.root,
      note: 'the nearest folder with a package.json, .git or tfmc.json',
      help: 'move the file into the project, or run tfmc from a folder that contains both',
    };
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
    const { ast, diagnostics } = this.options.parser ? this.options.parser(abs, source) : parse(source, abs);
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
      const bad = importPathProblem(spec);
      if (bad) {
        this.diagnostics.push(diagnostic('TFM2020', `cannot import \`${spec}\`: ${bad.message}`, label, { help: { message: bad.help } }));
        continue;
      }
      const target = isAbsolute(spec) ? resolve(spec) : resolve(dirname(abs), spec);
      // Checked on the path as written, then with symbolic links resolved: a path that leaves the
      // boundary is refused without looking at the file system at all.
      const real = this.outside(target) ? undefined : this.host.realPath(target);
      if (real === undefined || this.outside(real)) {
        this.diagnostics.push(diagnostic('TFM2012', `cannot import \`${spec}\`: it is outside the workspace`, label, { notes: [this.boundaryNote(abs)], help: { message: this.boundary.help } }));
        continue;
      }
      const idx = chain.indexOf(real);
      if (idx >= 0 || real === abs) {
        const cycle = [...chain.slice(Math.max(idx, 0)), real].map((p) => relative(this.root, p) || p).join(' → ');
        this.diagnostics.push(diagnostic('TFM2011', `import cycle: ${cycle}`, label, { help: { message: 'move the shared blocks into a third file that both import' } }));
        continue;
      }
      if (!this.options.overlay?.has(real) && !this.host.isFile(real)) {
        this.missing.add(real);
        this.diagnostics.push(diagnostic('TFM2013', `cannot find \`${spec}\``, label, { notes: [`looked for \`${relative(dirname(abs), real)}\`, relative to this file's folder`] }));
        continue;
      }
      const loaded = this.load(real, undefined, chain);
      if (loaded) file.imports.push(loaded.path);
    }
    return file;
  }

  private outside(p: string): boolean {
    return this.boundary.root === null || !isInside(this.boundary.root, p, this.host);
  }

  private boundaryNote(from: string): string {
    if (this.boundary.root === null) return this.boundary.note;
    return `the workspace is \`${relative(dirname(from), this.boundary.root) || '.'}\` (relative to this file): ${this.boundary.note}`;
  }

  /** A file that cannot be a spec: reported (`sourceRefusal`), and loaded as an empty file so nothing else is reported about it. */
  private refuse(abs: string, read: Extract<SourceRead, { ok: false }>): LoadedFile {
    this.diagnostics.push(sourceRefusal(abs, read));
    const file: LoadedFile = { path: abs, text: read.text, ast: parse('', abs).ast, isLibrary: false, imports: [] };
    this.files.set(abs, file);
    return file;
  }

  /** The global scope of a loaded file. */
  globals(path: string): Scope {
    let s = this.scopes.get(path);
    if (s) return s;
    const file = this.files.get(path);
    const imported = new Scope();
    for (const imp of file?.imports ?? []) {
      const f = this.files.get(imp);
      if (f) addBlocks(imported, f);
    }
    const own = new Scope(imported);
    if (file) addBlocks(own, file, this.diagnostics);
    // Flattened into one table: every name lookup that misses a local scope ends here. The names
    // keep the order of the scopes (own, imported, std, primitives), which did-you-mean lists follow.
    s = new Scope();
    for (const name of own.names()) s.set(name, own.lookup(name)!);
    for (const [name, b] of stdTable(this.std)) if (!s.own(name)) s.set(name, b);
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

/** Whether `p` is `root` or below it, under the name `root` is given or its real path (symbolic links resolved). */
export function isInside(root: string, p: string, host: SpecHost = defaultHost): boolean {
  const under = (r: string) => {
    const rel = relative(r, p);
    return rel === '' || (rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel));
  };
  return under(resolve(root)) || under(host.realPath(root));
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
