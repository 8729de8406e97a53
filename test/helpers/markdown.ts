/** The documentation's code blocks, for tests that run what the docs print (the reading is in scripts/markdown.mjs). */
import { readFileSync } from 'node:fs';
import { fencedBlocks, markdownSection } from '../../scripts/markdown.mjs';

export { fencedBlocks, markdownSection };

/** The blocks of `lang` in the section `title` of the markdown file `file`; at least one. */
export function docBlocks(file: string, title: string, lang: string): string[] {
  const blocks = fencedBlocks(markdownSection(readFileSync(file, 'utf8'), title), lang);
  if (blocks.length === 0) throw new Error(`${file}: no \`\`\`${lang} block under "${title}"`);
  return blocks;
}
