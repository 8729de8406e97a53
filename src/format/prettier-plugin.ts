/**
 * A prettier plugin for `.tfm` files (`plugins: ["tfmc/prettier-plugin"]`): the layout is
 * exactly `tfmc fmt`'s, since both call `formatText`. Prettier's `printWidth` and `tabWidth` are
 * deliberately not applied: a spec formatted by an editor through prettier must pass
 * `tfmc fmt --check` in CI.
 *
 * The "AST" handed to prettier is just the formatted text: the whole layout is decided by the
 * formatter, and prettier's own document printer only writes it out. A file with syntax errors
 * fails to parse with the first error's message and position, as prettier expects.
 */
import type { Parser, Plugin, Printer, SupportLanguage } from 'prettier';
import { formatText } from './index.js';

interface TfmRoot {
  type: 'tfm-root';
  /** The canonical text. */
  formatted: string;
  /** Length of the original text (prettier asks where the root node ends). */
  length: number;
}

/** A syntax error in prettier's shape: the message and a 1-based line/column `loc`. */
export class TfmSyntaxError extends SyntaxError {
  override name = 'SyntaxError';
  constructor(
    message: string,
    readonly loc: { start: { line: number; column: number }; end: { line: number; column: number } },
  ) {
    super(message);
  }
}

export const languages: SupportLanguage[] = [
  {
    name: 'tfm',
    parsers: ['tfm'],
    extensions: ['.tfm'],
    vscodeLanguageIds: ['tfm'],
  },
];

const parser: Parser<TfmRoot> = {
  astFormat: 'tfm',
  parse(text, options) {
    const result = formatText(text, options.filepath ?? '<prettier>');
    if (!result.ok) {
      const first = result.diagnostics.find((d) => d.severity === 'error') ?? result.diagnostics[0];
      const { start, end } = first.primary.span;
      throw new TfmSyntaxError(`${first.message} (${first.code})`, {
        start: { line: start.line, column: start.column },
        end: { line: end.line, column: end.column },
      });
    }
    return { type: 'tfm-root', formatted: result.text, length: text.length };
  },
  locStart: () => 0,
  locEnd: (node) => node.length,
};

const printer: Printer<TfmRoot> = {
  print(path) {
    return path.node.formatted;
  },
};

export const parsers = { tfm: parser };
export const printers = { tfm: printer };

const plugin: Plugin<TfmRoot> = { languages, parsers, printers };
export default plugin;
