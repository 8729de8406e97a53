/**
 * Reading the documentation's code blocks, so that what the docs print is what runs (the tests
 * through test/helpers/markdown.ts, and `npm run smoke:fresh`): a section is the text under a
 * heading, up to the next heading of the same or a higher level; a block is the body of a fenced
 * code block with the given info string. Fences are skipped when looking for headings.
 */

/** The text under the heading whose title is `title` (any level), without the heading line. */
export function markdownSection(markdown, title) {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  let start = -1;
  let level = 0;
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*```/.test(lines[i])) inFence = !inFence;
    if (inFence) continue;
    const m = /^(#{1,6})\s+(.*?)\s*$/.exec(lines[i]);
    if (!m) continue;
    if (start < 0 && m[2] === title) [start, level] = [i + 1, m[1].length];
    else if (start >= 0 && m[1].length <= level) return lines.slice(start, i).join('\n');
  }
  if (start < 0) throw new Error(`no section titled "${title}"`);
  return lines.slice(start).join('\n');
}

/** The bodies of the fenced code blocks of `text` whose info string is `lang`, in order. */
export function fencedBlocks(text, lang) {
  const blocks = [];
  const re = /^```([^\n`]*)\n([\s\S]*?)^```\s*$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) if (m[1].trim() === lang) blocks.push(m[2]);
  return blocks;
}
