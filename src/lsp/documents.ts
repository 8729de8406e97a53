/**
 * The open documents and the workspace they belong to: URI ↔ path, which folder a document's
 * imports may read from, and the editor buffers that take the place of files on disk.
 *
 * The server reads no file outside the workspace (docs/editors.md, "Files it reads"). Which folder
 * a document's imports may read, by where the document is:
 * - in one of the client's workspace folders: that folder (the innermost, when folders nest);
 * - outside every folder the client named: none (it is checked on its own, its imports refused);
 * - with no workspace folder (or only ones too wide to be a boundary): the document's own folder;
 * - not a file (`untitled:`, a `file:` URI with a host, `%2F` in the path): none.
 * A folder that is a file system's root (`/`, `C:\`) is never a boundary, since it would make the
 * whole disk readable; it counts as no folder. Folders and documents are compared under both the
 * names the client gave and their real paths, so a symlinked workspace works and a symlink cannot
 * widen it. Standard library imports are always allowed; only `.tfm` files are ever imported.
 */
import { realpathSync } from 'node:fs';
import { dirname, parse, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isInside, type ImportBoundary } from '../ir/workspace.js';

/** Stands in for the folder of documents that are not files (`untitled:` buffers). */
const VIRTUAL_DIR = resolve(sep, '__tfmc_virtual__');

export class DocumentStore {
  private readonly docs = new Map<string, TextDocument>();
  private readonly uriByPath = new Map<string, string>();
  /** Absolute folder paths from the client's workspace folders (or root URI). */
  private folders: string[] = [];

  setFolders(uris: readonly string[]): void {
    this.folders = uris.map(uriToPath).filter((p): p is string => p !== undefined && !isFileSystemRoot(p));
  }

  open(doc: TextDocument): void {
    this.docs.set(doc.uri, doc);
    this.uriByPath.set(this.pathOf(doc.uri), doc.uri);
  }

  close(uri: string): void {
    this.docs.delete(uri);
    this.uriByPath.delete(this.pathOf(uri));
  }

  get(uri: string): TextDocument | undefined {
    return this.docs.get(uri);
  }

  all(): TextDocument[] {
    return [...this.docs.values()];
  }

  /** The absolute path a document is checked as. */
  pathOf(uri: string): string {
    return uriToPath(uri) ?? resolve(VIRTUAL_DIR, encodeURIComponent(uri));
  }

  /** The URI for a path: the open document's own URI when there is one, else a `file:` URI. */
  uriOf(path: string): string {
    return this.uriByPath.get(path) ?? pathToFileURL(path).href;
  }

  /** The open document at `path`, if any. */
  byPath(path: string): TextDocument | undefined {
    const uri = this.uriByPath.get(path);
    return uri === undefined ? undefined : this.docs.get(uri);
  }

  /** Editor buffers by path: the checker reads these before the disk. */
  overlay(): Map<string, string> {
    const out = new Map<string, string>();
    for (const d of this.docs.values()) out.set(this.pathOf(d.uri), d.getText());
    return out;
  }

  /** Where a document's imports may read files from (see the top of this file). */
  boundaryFor(path: string): ImportBoundary {
    const help = 'open a workspace folder that contains both files';
    if (path.startsWith(VIRTUAL_DIR + sep)) return { root: null, note: 'this document is not a file on disk, so its imports are not read', help: 'save it in the workspace' };
    if (this.folders.length === 0) {
      const own = dirname(path);
      if (isFileSystemRoot(own)) return { root: null, note: "the editor gave no workspace folder and this document's folder is the file system's root, so its imports are not read", help };
      return { root: own, note: "the editor gave no workspace folder, so imports may read only this document's folder and the folders below it", help };
    }
    let best: string | undefined;
    for (const f of this.folders) if (isInside(f, path) && (!best || f.length > best.length)) best = f;
    if (best) return { root: best, note: "the editor's workspace folder that contains this document", help };
    return { root: null, note: "this document is outside the editor's workspace folders, so its imports are not read", help };
  }
}

/** `/`, `C:\`, or a folder whose real path is one (a symlink to `/`). */
function isFileSystemRoot(p: string): boolean {
  const abs = resolve(p);
  let real = abs;
  try {
    real = realpathSync(abs);
  } catch {
    // a folder that does not exist yet: judged by its name
  }
  return parse(abs).root === abs || parse(real).root === real;
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}
