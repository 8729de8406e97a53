/** The shipped `.tfm` files (specs, examples, the standard library) and AST comparison for the formatter tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { withoutSpans } from '../../src/format/index.js';
import { parse } from '../../src/syntax/parse.js';

export const ROOT = join(import.meta.dirname, '..', '..');

function tfmFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tfmFiles(join(dir, e.name)) : e.name.endsWith('.tfm') ? [join(dir, e.name)] : [],
  );
}

/** Every shipped spec, as `[path relative to the repository, text]`. */
export function shippedSpecs(): [string, string][] {
  return ['specs', 'examples', 'src/std']
    .flatMap((d) => tfmFiles(join(ROOT, d)))
    .sort()
    .map((f) => [relative(ROOT, f), readFileSync(f, 'utf8')]);
}

/** The tree of `text` without positions (what formatting must not change). */
export function tree(text: string): unknown {
  const r = parse(text, 'x.tfm');
  return withoutSpans(r.ast.items);
}

export function commentTexts(text: string): string[] {
  return parse(text, 'x.tfm').ast.comments.map((c) => c.text.trimEnd());
}
