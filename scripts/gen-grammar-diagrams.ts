/**
 * Generates grammar/diagrams.html, railroad diagrams of the parser's productions, from the parser
 * itself so the picture cannot drift from the code. test/syntax/diagrams.test.ts compares the
 * checked-in file with fresh output and rewrites it when run with UPDATE_GOLDEN=1:
 *
 *   UPDATE_GOLDEN=1 npx vitest run test/syntax/diagrams.test.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createSyntaxDiagramsCode } from 'chevrotain';
import { parser } from '../src/syntax/parser.js';

export const DIAGRAMS_PATH = fileURLToPath(new URL('../grammar/diagrams.html', import.meta.url));

export function generateDiagramsHtml(): string {
  return createSyntaxDiagramsCode(parser.getSerializedGastProductions());
}

// Also runnable directly once compiled, e.g. from dist or a TypeScript runner.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(DIAGRAMS_PATH, generateDiagramsHtml());
  console.log(`wrote ${DIAGRAMS_PATH}`);
}
