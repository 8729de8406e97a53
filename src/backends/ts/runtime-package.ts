/**
 * The runtime as a local package of the generated project: `tfmc compile --target ts` (without
 * `--standalone`) writes `tfmc-runtime/` beside the module — a package named `tfmc` whose only
 * export is `./runtime`, holding this tfmc's compiled runtime (`dist/runtime/*.js` and their
 * declarations) — and the project's `package.json` depends on it as `"tfmc": "file:tfmc-runtime"`.
 * So `import … from 'tfmc/runtime'` resolves after a plain `npm install` with nothing but
 * `@tensorflow/tfjs` (and `typescript`) from the registry, and runs exactly the functions the
 * in-memory executor runs. The local package declares no dependencies: its `@tensorflow/tfjs`
 * import resolves from the project's `node_modules` (the folder is inside the project), so the
 * model and the runtime share one tfjs.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The folder of the generated project that holds the runtime package. */
export const RUNTIME_PACKAGE_DIR = 'tfmc-runtime';

/** The compiled runtime is read from `dist/runtime/` (running from `dist/`, or from `src/` after `npm run build`). */
const CANDIDATES = ['../../runtime/', '../../../dist/runtime/'];

/** The compiled runtime's modules and declarations (`index.js` re-exports the others), by file name. */
function compiledRuntime(): Map<string, string> {
  for (const rel of CANDIDATES) {
    const dir = new URL(rel, import.meta.url);
    let names: string[];
    try {
      names = readdirSync(dir).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'));
    } catch {
      continue; // try the next place
    }
    if (!names.includes('index.js')) continue;
    return new Map(names.sort().map((f) => [f, readFileSync(new URL(f, dir), 'utf8')]));
  }
  throw new Error('the compiled tfmc runtime (dist/runtime/) is missing: run `npm run build` in tfmc');
}

/** Source maps are not copied, so their references are dropped. */
const withoutSourceMap = (text: string): string => text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');

/** The files of `tfmc-runtime/`, by path relative to the project. */
export function runtimePackageFiles(tfmcVersion: string): Record<string, string> {
  const pkg = {
    name: 'tfmc',
    version: tfmcVersion,
    description: `tfmc/runtime of tfmc ${tfmcVersion}, copied by \`tfmc compile --target ts\`: the functions the generated module imports. It uses the project's @tensorflow/tfjs.`,
    license: 'MIT',
    private: true,
    type: 'module',
    exports: { './runtime': { types: './runtime/index.d.ts', default: './runtime/index.js' } },
  };
  const files: Record<string, string> = { [`${RUNTIME_PACKAGE_DIR}/package.json`]: `${JSON.stringify(pkg, null, 2)}\n` };
  for (const [name, text] of compiledRuntime()) files[`${RUNTIME_PACKAGE_DIR}/runtime/${name}`] = withoutSourceMap(text);
  return files;
}
