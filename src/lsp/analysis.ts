/**
 * One check per document version: diagnostics, hover, definition, completion and rename all read
 * the same cached result, so a request never checks a text twice. Parses are kept by file and
 * content: an import that did not change is not parsed again, and an edited document is parsed
 * again only between the items the edit left alone (syntax/reparse.ts). A result stays valid while the
 * document and every open document it imports keep the versions it was computed from.
 */
import { checkEntrySteps, type FileCheck } from '../pipeline/check-entry.js';
import type { SourceFile } from '../syntax/ast.js';
import type { ParseResult } from '../syntax/parse.js';
import { reparse, type Parsed } from '../syntax/reparse.js';
import type { DocumentStore } from './documents.js';

export interface Analysis {
  uri: string;
  path: string;
  version: number;
  text: string;
  /** The entry file's AST (parsed with recovery: present even with syntax errors). */
  ast: SourceFile;
  check: FileCheck;
  /** Versions of the open documents it read (entry and imports); -1 for files read from disk. */
  inputs: Map<string, number>;
  /** Files it imports that did not exist: opening one as a document makes the analysis outdated. */
  missing: ReadonlySet<string>;
}

/** A check in progress (`Analyzer.begin`). */
export interface CheckJob {
  uri: string;
  /** The document version being checked. */
  version: number;
  /** Runs the check one step further: the analysis once it is done (and cached), else undefined. */
  step(): Analysis | undefined;
}

export class Analyzer {
  private readonly cache = new Map<string, Analysis>();
  /** The last parse of each file, by path: an unchanged file (an import) is not parsed again, an edited one only where it changed. */
  private readonly parsed = new Map<string, Parsed>();
  private readonly parser = (path: string, text: string): ParseResult => {
    const result = reparse(text, path, this.parsed.get(path));
    this.parsed.set(path, { text, result });
    return result;
  };
  /** Checks run so far (tests and the benchmark read it to see that work was not repeated). */
  checks = 0;
  /** How long the last check that finished took (ms, its steps' time without the pauses between them), for the benchmark. */
  lastCheckMs = 0;

  constructor(private readonly docs: DocumentStore) {}

  /** The analysis of an open document's current text, computed at most once per version. */
  get(uri: string): Analysis | undefined {
    const cached = this.current(uri);
    if (cached) return cached;
    const job = this.begin(uri);
    if (!job) return undefined;
    for (;;) {
      const a = job.step();
      if (a) return a;
    }
  }

  /** The cached analysis of the document's current text, if there is one. */
  current(uri: string): Analysis | undefined {
    const cached = this.cache.get(uri);
    const doc = this.docs.get(uri);
    return cached && doc && this.isCurrent(cached) ? cached : undefined;
  }

  /**
   * A check of the document's current text that runs a step at a time (`checkEntrySteps`): the
   * language server runs one step per turn of the event loop, so an edit that arrives meanwhile is
   * read, and a check of an outdated version is abandoned rather than finished.
   */
  begin(uri: string): CheckJob | undefined {
    const doc = this.docs.get(uri);
    if (!doc) return undefined;
    const path = this.docs.pathOf(uri);
    const text = doc.getText();
    const version = doc.version;
    // The versions of the open documents as the check reads them (the overlay is taken now too).
    const versions = new Map<string, number>();
    for (const d of this.docs.all()) versions.set(this.docs.pathOf(d.uri), d.version);
    this.checks++;
    let ms = 0;
    const steps = checkEntrySteps(path, [], { boundary: this.docs.boundaryFor(path), overlay: this.docs.overlay(), parser: this.parser }, text);
    return {
      uri,
      version,
      step: () => {
        const t0 = performance.now();
        const r = steps.next();
        ms += performance.now() - t0;
        if (!r.done) return undefined;
        this.lastCheckMs = ms;
        return this.store(uri, path, version, text, r.value, versions);
      },
    };
  }

  private store(uri: string, path: string, version: number, text: string, check: FileCheck, versions: ReadonlyMap<string, number>): Analysis {
    const inputs = new Map<string, number>();
    for (const [p, f] of check.workspace.files) if (!f.isLibrary) inputs.set(p, versions.get(p) ?? -1);
    const ast = check.workspace.files.get(path)!.ast;
    const analysis: Analysis = { uri, path, version, text, ast, check, inputs, missing: check.workspace.missing };
    this.cache.set(uri, analysis);
    return analysis;
  }

  /** The last analysis computed, current or not (to find which documents import a changed one). */
  last(uri: string): Analysis | undefined {
    return this.cache.get(uri);
  }

  forget(uri: string): void {
    this.cache.delete(uri);
  }

  private isCurrent(a: Analysis): boolean {
    for (const [p, v] of a.inputs) if ((this.docs.byPath(p)?.version ?? -1) !== v) return false;
    for (const p of a.missing) if (this.docs.byPath(p)) return false;
    return true;
  }
}
