/**
 * The mark `tfmc graph -o` leaves in the pictures it writes, so a later `graph -o` onto the same
 * file knows it replaces its own earlier output and not a file of the user's (`output-guard.ts`).
 * Text formats get a comment line at the end (after `</svg>` for SVG, a `//` line for DOT, a `%%`
 * line for Mermaid); PNG gets a `tEXt` chunk `Software: tfmc graph` before `IEND`.
 */
import * as fs from 'node:fs';
import { crc32 } from 'node:zlib';
import type { GraphFormat } from '../backends/graph/constants.js';

const MARK = 'tfmc graph';
const TEXT_MARK: Record<Exclude<GraphFormat, 'png'>, string> = {
  svg: `<!-- ${MARK} -->\n`,
  dot: `// ${MARK}\n`,
  mermaid: `%% ${MARK}\n`,
};
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_TEXT = Buffer.from(`Software\0${MARK}`, 'latin1');
/** The marks sit at the end of the file, within this many bytes. */
const TAIL = 64;

export function markPicture(format: GraphFormat, picture: string | Uint8Array): string | Uint8Array {
  if (format !== 'png') return `${String(picture).replace(/\n?$/, '\n')}${TEXT_MARK[format]}`;
  const png = Buffer.from(picture as Uint8Array);
  const iend = png.length - 12; // the last chunk: length (0), "IEND", CRC
  if (png.length < PNG_SIGNATURE.length + 12 || png.toString('latin1', iend + 4, iend + 8) !== 'IEND') return png;
  const chunk = Buffer.alloc(12 + PNG_TEXT.length);
  chunk.writeUInt32BE(PNG_TEXT.length, 0);
  chunk.write('tEXt', 4, 'latin1');
  PNG_TEXT.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + PNG_TEXT.length)), 8 + PNG_TEXT.length);
  return Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)]);
}

/** Whether the file at `file` is a picture `markPicture` marked (reads only its last bytes). */
export function isMarkedPicture(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const tail = Buffer.alloc(Math.min(TAIL, size));
    fs.readSync(fd, tail, 0, tail.length, size - tail.length);
    const text = tail.toString('latin1');
    return Object.values(TEXT_MARK).some((m) => text.endsWith(m)) || tail.includes(PNG_TEXT);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
