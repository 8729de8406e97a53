/**
 * The open documents and the workspace they belong to: URI ↔ path, which folder a document's
 * imports may read from, and the editor buffers that take the place of files on disk.
 *
 * The server reads no file outside the workspace: a document inside one of the client's workspace
 * folders may import files of that folder; a document outside every folder is checked on its own
 * (its imports are reported as outside the workspace, never read); without workspace folders the
 * CLI's rule applies (the nearest folder with a package.json, .git or tfmc.json).
 */
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { findRoot, isInside } from '../ir/workspace.js';

/** Stands in for the folder of documents that are not files (`untitled:` buffers). */
const VIRTUAL_DIR = resolve(sep, '__tfmc_virtual__');

export class DocumentStore {
  private readonly docs = new Map<string, TextDocument>();
  private readonly uriByPath = new Map<string, string>();
  /** Absolute folder paths from the client's workspace folders (or root URI). */
  private folders: string[] = [];

  setFolders(uris: readonly string[]): void {
    this.folders = uris.map(uriToPath).filter((p): p is string => p !== undefined);
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

  /**
   * The folder a document's imports may read from. A document outside every workspace folder
   * gets its own path as the root, so no import is inside it and nothing else is read.
   */
  rootFor(path: string): string {
    if (path.startsWith(VIRTUAL_DIR + sep)) return path;
    if (this.folders.length === 0) return findRoot(dirname(path));
    let best: string | undefined;
    for (const f of this.folders) if (isInside(f, path) && (!best || f.length > best.length)) best = f;
    return best ?? path;
  }
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}
