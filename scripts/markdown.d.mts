// Types of scripts/markdown.mjs, for the tests.
export function markdownSection(markdown: string, title: string): string;
export function fencedBlocks(text: string, lang: string): string[];
