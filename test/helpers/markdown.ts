/**
 * Reading the documentation's code blocks, so that tests run what the docs print: a section is
 * the text under a heading (up to the next heading of the same or a higher level), a block is
 * the body of a fenced code block with the given info string.
 */
import { readFileSync } from 'node:fs';

/** The text under the heading whose title is `title` (any level), without the heading line. */
export function markdownSection(markdown: string, title: string): string {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  let start = -1;
  let level = 0;
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*```/.test(lines[i])) inFence = !inFence;
    if (inFence) continue;
    const m = /^(#{1,6})\s+(.*?)\s*$/.exec(lines[i]);
    if (!m) continue;
    if (start < 0 && m[2] === title) {
      start = i + 1;
      level = m[1].length;
    } else if (start >= 0 && m[1].length <= level) {
      return lines.slice(start, i).join('\n');
    }
  }
  if (start < 0) throw new Error(`no section titled "${title}"`);
  return lines.slice(start).join('\n');
}

/** The bodies of the fenced code blocks of `text` whose info string is `lang`, in order. */
export function fencedBlocks(text: string, lang: string): string[] {
  const blocks: string[] = [];
  const re = /^```([^\n`]*)\n([\s\S]*?)^```\s*$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) if (m[1].trim() === lang) blocks.push(m[2]);
  return blocks;
}

/** The blocks of `lang` in the section `title` of the markdown file `file`; at least one. */
export function docBlocks(file: string, title: string, lang: string): string[] {
  const blocks = fencedBlocks(markdownSection(readFileSync(file, 'utf8'), title), lang);
  if (blocks.length === 0) throw new Error(`${file}: no \`\`\`${lang} block under "${title}"`);
  return blocks;
}
