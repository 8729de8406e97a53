/**
 * Publishing diagnostics: which documents to re-check after a change, when, and what each
 * document's list holds.
 *
 * A change re-checks the edited document and every open document that imports it. Changes are
 * debounced on both edges: the first change after a quiet spell is checked at once (a check of a
 * 2,000-line spec takes tens of milliseconds, so waiting would only add latency), and changes that
 * follow it within `delayMs` (a paste, an undo, a rename's edits, fast typing) are merged into one
 * check `delayMs` after the last of them. A file's
 * list is the union of what its own check and the checks of the open documents importing it say
 * about it, so an error inside an imported block shows in that block's file too.
 */
import { toLspDiagnostic, type LspDiagnostic } from '../render/lsp.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Analysis, Analyzer, CheckJob } from './analysis.js';
import type { DocumentStore } from './documents.js';

export interface Publisher {
  publish(uri: string, version: number | undefined, diagnostics: LspDiagnostic[]): void;
  /** An unexpected failure of the checker: logged, the server carries on. */
  log(message: string): void;
}

export class DiagnosticsScheduler {
  private readonly dirty = new Set<string>();
  /** Cancels the scheduled flush, if any. */
  private cancelFlush: (() => void) | undefined;
  private lastChange = -Infinity;
  /** URIs that were given a list, so a file that becomes clean gets an empty one. */
  private readonly published = new Set<string>();
  /** Documents whose last check failed inside tfmc (a bug): the failure is shown as a diagnostic. */
  private readonly failures = new Map<string, string>();
  /** The check in progress for each document. */
  private readonly running = new Map<string, CheckJob>();
  /** Checks abandoned because their document changed before they finished (tests and the benchmark read it). */
  dropped = 0;

  constructor(
    private readonly docs: DocumentStore,
    private readonly analyzer: Analyzer,
    private readonly out: Publisher,
    public delayMs: number,
  ) {}

  /** A document was opened or edited: check it (and its importers) now, or after the burst it belongs to. */
  changed(uri: string): void {
    this.dirty.add(uri);
    for (const d of this.docs.all()) if (d.uri !== uri && this.imports(d.uri, this.docs.pathOf(uri))) this.dirty.add(d.uri);
    const now = performance.now();
    const quiet = now - this.lastChange >= this.delayMs;
    this.lastChange = now;
    this.cancelFlush?.();
    if (quiet) {
      // At once, but after the messages already read (a timer would wait a millisecond at least).
      const immediate = setImmediate(() => this.flush());
      this.cancelFlush = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(() => this.flush(), this.delayMs);
      this.cancelFlush = () => clearTimeout(timer);
    }
  }

  /** A document was closed: its list is cleared, and lists it contributed to are recomputed. */
  closed(uri: string, path: string): void {
    this.failures.delete(uri);
    const before = this.analyzer.last(uri);
    this.analyzer.forget(uri);
    const affected = new Set<string>([uri]);
    if (before) for (const p of before.inputs.keys()) affected.add(this.docs.uriOf(p));
    this.publishFor(affected);
    // Documents importing it read it from the disk now.
    for (const d of this.docs.all()) if (this.imports(d.uri, path)) this.changed(d.uri);
  }

  /**
   * Checks every dirty document and publishes the lists that may have changed. A check runs a step
   * at a time, giving way to incoming messages in between: when its document is edited meanwhile,
   * the check is dropped (the edit has scheduled a check of the new text), so an outdated list is
   * never published, and fast typing does not queue checks of versions nobody will see.
   */
  flush(): void {
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    const uris = [...this.dirty];
    this.dirty.clear();
    void this.checkAndPublish(uris);
  }

  private async checkAndPublish(uris: string[]): Promise<void> {
    const affected = new Set<string>();
    for (const uri of uris) {
      // Edits already received are read first: a document edited again is checked by the flush that edit scheduled.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.dirty.has(uri)) continue;
      const a = await this.analyze(uri);
      if (a === 'dropped') continue;
      affected.add(uri);
      if (a) for (const p of a.inputs.keys()) affected.add(this.docs.uriOf(p));
    }
    this.publishFor(affected);
  }

  /** Checks `uri`, step by step; 'dropped' when it was edited, closed or checked again meanwhile. */
  private async analyze(uri: string): Promise<Analysis | undefined | 'dropped'> {
    try {
      const current = this.analyzer.current(uri);
      if (current) {
        this.failures.delete(uri);
        return current;
      }
      const job = this.analyzer.begin(uri);
      if (!job) return undefined;
      this.running.set(uri, job); // a check of this document still running is superseded: it drops out at its next step
      try {
        for (;;) {
          const a = job.step();
          if (a) {
            this.failures.delete(uri);
            return a;
          }
          await new Promise((resolve) => setImmediate(resolve));
          if (this.running.get(uri) !== job || this.docs.get(uri)?.version !== job.version) {
            this.dropped++;
            return 'dropped';
          }
        }
      } finally {
        if (this.running.get(uri) === job) this.running.delete(uri);
      }
    } catch (err) {
      this.out.log(`tfmc could not check ${uri}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      this.analyzer.forget(uri); // its old diagnostics no longer describe the text
      this.failures.set(uri, err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }

  private publishFor(uris: Set<string>): void {
    for (const uri of uris) {
      // An open document edited since its last check gets its list from the check of the new text.
      const doc = this.docs.get(uri);
      const own = this.analyzer.last(uri);
      if (doc && own && own.version !== doc.version) continue;
      const list = this.listFor(uri);
      if (list.length === 0 && !this.published.has(uri)) continue;
      if (list.length === 0) this.published.delete(uri);
      else this.published.add(uri);
      this.out.publish(uri, this.docs.get(uri)?.version, list);
    }
  }

  /** What the current checks of open documents say about `uri`'s file. */
  private listFor(uri: string): LspDiagnostic[] {
    const path = this.docs.pathOf(uri);
    const seen = new Set<string>();
    const out: Diagnostic[] = [];
    for (const d of this.docs.all()) {
      const a = this.analyzer.last(d.uri);
      if (!a || !a.inputs.has(path)) continue;
      for (const diag of a.check.diagnostics) {
        if (diag.primary.file !== path) continue;
        const key = `${diag.code}|${diag.primary.span.start.offset}|${diag.primary.span.end.offset}|${diag.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(diag);
      }
    }
    out.sort((a, b) => a.primary.span.start.offset - b.primary.span.start.offset || a.code.localeCompare(b.code));
    const failure = this.failures.get(uri);
    const head: LspDiagnostic[] = failure === undefined ? [] : [internalError(failure)];
    const uriFor = (file: string) => this.docs.uriOf(file);
    const doc = this.docs.get(uri);
    // Spans count lines at `\n`; LSP also breaks lines at a lone `\r`. Such a document gets its
    // ranges from the offsets, which both sides agree on.
    const loneCr = doc !== undefined && /\r(?!\n)/.test(doc.getText());
    return [
      ...head,
      ...out.map((d) => {
        const lsp = toLspDiagnostic(d, { uriFor });
        if (loneCr) lsp.range = { start: doc.positionAt(d.primary.span.start.offset), end: doc.positionAt(d.primary.span.end.offset) };
        return lsp;
      }),
    ];
  }

  /** Whether the last check of open document `uri` read `path` (directly or through imports), or looked for it in vain. */
  private imports(uri: string, path: string): boolean {
    const a = this.analyzer.last(uri);
    return a !== undefined && a.path !== path && (a.inputs.has(path) || a.missing.has(path));
  }
}

/** Shown at the top of a document that tfmc failed to check, instead of silently showing nothing. */
function internalError(message: string): LspDiagnostic {
  const start = { line: 0, character: 0 };
  return {
    range: { start, end: start },
    severity: 1,
    code: 'internal',
    source: 'tfmc',
    message: `tfmc could not check this file: internal error (${message}).\nThis is a bug in tfmc, not in your spec; please report it with the file.`,
  };
}
