/**
 * What an import path may look like, the same on every system: a `/`-separated path (relative to
 * the importing file, or absolute) naming a `.tfm` file. Anything another system would read
 * differently is refused before any file is looked at: a backslash (a separator on Windows, a
 * letter elsewhere), a drive letter (`C:`), a URL (`file://host/...`). Only `.tfm` files are
 * specs, so an import can never make tfmc read `/etc/passwd` or a key file, wherever the workspace
 * boundary lies.
 */
export interface ImportPathProblem {
  message: string;
  help: string;
}

export function importPathProblem(spec: string): ImportPathProblem | undefined {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(spec)) {
    return { message: 'an import is a file path, not a URL', help: 'write the path of the file relative to this one, e.g. `"./blocks.tfm"`' };
  }
  if (/^[a-zA-Z]:/.test(spec)) {
    return { message: 'an import path cannot start with a drive letter', help: 'write the path of the file relative to this one, e.g. `"./blocks.tfm"`' };
  }
  if (spec.includes('\\')) {
    return { message: 'import paths are written with `/`, not `\\`', help: `write \`"${spec.replace(/\\/g, '/')}"\`` };
  }
  if (!/\.tfm$/.test(spec)) {
    return { message: 'only `.tfm` files can be imported', help: 'name the spec file that declares the blocks, e.g. `"./blocks.tfm"`' };
  }
  return undefined;
}
