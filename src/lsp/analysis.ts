/**
 * One check per document version: diagnostics, hover, definition, completion and rename all read
 * the same cached result, so a request never checks a text twice. Parses are kept by file and
 * content: an import that did not change is not parsed again, and an edited document is parsed
 * again only between the items the edit left alone (syntax/reparse.ts). A result stays valid while the
 * document and every open document it imports keep the versions it was computed from.
 */
import { checkEntry, type FileCheck } from '../pipeline/check-entry.js';
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
  /** How long the last check took (ms), for the benchmark. */
  lastCheckMs = 0;

  constructor(private readonly docs: DocumentStore) {}

  /** The analysis of an open document's current text, computed at most once per version. */
  get(uri: string): Analysis | undefined {
    const doc = this.docs.get(uri);
    if (!doc) return undefined;
    const cached = this.cache.get(uri);
    if (cached && this.isCurrent(cached)) return cached;
    const path = this.docs.pathOf(uri);
    const text = doc.getText();
    this.checks++;
    const t0 = performance.now();
    const check = checkEntry(path, [], { boundary: this.docs.boundaryFor(path), overlay: this.docs.overlay(), parser: this.parser }, text);
    this.lastCheckMs = performance.now() - t0;
    const inputs = new Map<string, number>();
    for (const [p, f] of check.workspace.files) if (!f.isLibrary) inputs.set(p, this.docs.byPath(p)?.version ?? -1);
    const ast = check.workspace.files.get(path)!.ast;
    const analysis: Analysis = { uri, path, version: doc.version, text, ast, check, inputs, missing: check.workspace.missing };
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
