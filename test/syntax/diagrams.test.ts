/**
 * grammar/diagrams.html is generated from the parser; this keeps the checked-in copy in sync.
 * Regenerate with `UPDATE_GOLDEN=1 npx vitest run test/syntax/diagrams.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { DIAGRAMS_PATH, generateDiagramsHtml } from '../../scripts/gen-grammar-diagrams.js';
import { parser } from '../../src/syntax/parser.js';
import { expectGolden } from '../helpers/golden.js';

describe('grammar/diagrams.html', () => {
  it('equals freshly generated syntax diagrams', () => {
    expectGolden(DIAGRAMS_PATH, generateDiagramsHtml());
  });

  it('shows every production of the parser', () => {
    const html = generateDiagramsHtml();
    const rules = parser.getSerializedGastProductions().map((r) => (r as unknown as { name: string }).name);
    expect(rules).toContain('file');
    expect(rules).toContain('expr');
    for (const rule of rules) expect(html).toContain(`"name": "${rule}"`);
  });
});
