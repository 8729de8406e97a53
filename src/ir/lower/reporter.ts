/**
 * Collects diagnostics while lowering. Errors that arise inside the standard library are moved to
 * the user's call site (with the library location kept as a secondary label), and the same report
 * from several instantiations of one block (a `repeat` of 12 layers) is kept once.
 */
import { diagnostic, type Diagnostic, type Help, type KnownCode, type Label } from '../../diagnostics/diagnostic.js';
import type { SourceRef } from '../source-ref.js';

export interface Frame {
  block: string;
  /** The block declaration being expanded (to detect a block that contains itself). */
  decl: object;
  callSite: SourceRef;
  /** The call site of the outermost frame in a user's file, this one or one around it (where lints about nodes point). */
  userSite?: SourceRef;
}

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  readonly frames: Frame[] = [];
  /** Block declarations expanded at least once (the others get only name checks). */
  readonly instantiated = new Set<object>();

  constructor(private readonly isLibraryFile: (file: string) => boolean) {}

  /** Enters a block application (`leave` when done). */
  enter(block: string, decl: object, callSite: SourceRef): void {
    const outer = this.frames[this.frames.length - 1];
    const userSite = outer?.userSite ?? (this.isLibraryFile(callSite.file) ? undefined : callSite);
    this.frames.push({ block, decl, callSite, userSite });
  }

  leave(): void {
    this.frames.pop();
  }

  /** The call site of the outermost block application in a user's file, when one is under way. */
  get userSite(): SourceRef | undefined {
    return this.frames[this.frames.length - 1]?.userSite;
  }

  report(d: Diagnostic): void {
    if (this.isLibraryFile(d.primary.file)) {
      const user = [...this.frames].reverse().find((f) => !this.isLibraryFile(f.callSite.file));
      if (user) {
        const inner = [...this.frames].reverse().find((f) => this.isLibraryFile(f.callSite.file) || f === user) ?? user;
        d.secondary = [{ ...d.primary, message: d.primary.message ? `${d.primary.message} (inside \`${inner.block}\`)` : `inside \`${inner.block}\`` }, ...d.secondary.filter((l) => !this.isLibraryFile(l.file))];
        d.primary = { ...user.callSite, message: `in this \`${user.block}\`` };
      }
    } else if (this.frames.length > 0) {
      // Inside a user block: also show where the block was instantiated from the model.
      const outer = this.frames[0];
      if (outer.callSite.file !== d.primary.file || outer.callSite.span.start.offset !== d.primary.span.start.offset) {
        d.secondary = [...d.secondary, { ...outer.callSite, message: `in \`${this.frames[this.frames.length - 1].block}\`, instantiated here` }];
      }
    }
    if (d.severity === 'error') this.errorReports++;
    const key = reportKey(d);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.diagnostics.push(d);
    if (d.severity === 'error') this.errorCount++;
  }

  /** Errors reported so far (to tell whether a step failed without re-reporting it). */
  errorCount = 0;
  /**
   * Error reports so far, repeats included: a variant that re-runs its base's failing statement
   * failed too, although the repeat is not shown again.
   */
  errorReports = 0;

  /** Runs `f` and hands back what it reported instead of keeping it: the caller decides. */
  capture(f: () => void): Diagnostic[] {
    const before = this.diagnostics.length;
    const errors = this.errorCount;
    const reports = this.errorReports;
    f();
    const taken = this.diagnostics.splice(before);
    this.errorCount = errors;
    this.errorReports = reports;
    for (const d of taken) this.seen.delete(reportKey(d));
    return taken;
  }

  info(code: KnownCode, message: string, primary: Label, extra: { notes?: string[]; help?: string | Help } = {}): void {
    this.report(diagnostic(code, message, primary, { notes: extra.notes, help: toHelp(extra.help), severity: 'info' }));
  }

  error(
    code: KnownCode,
    message: string,
    primary: Label,
    extra: { secondary?: Label[]; notes?: string[]; help?: string | Help } = {},
  ): void {
    this.report(diagnostic(code, message, primary, { secondary: extra.secondary, notes: extra.notes, help: toHelp(extra.help) }));
  }
}

/** Help given as plain advice (a string) or with its machine-applicable edits. */
export function toHelp(help: string | Help | undefined): Help | undefined {
  if (help === undefined || help === '') return undefined;
  return typeof help === 'string' ? { message: help } : help;
}

/**
 * One report per cause: the same code on the same primary span is the same mistake seen from
 * another use (a float32 input used as ids twice, a patch that fits neither the table nor the
 * image), so only the first is kept.
 */
function reportKey(d: Diagnostic): string {
  return `${d.code}|${d.primary.file}|${d.primary.span.start.offset}|${d.primary.span.end.offset}`;
}
