/**
 * The runtime as a local package of the generated project: `tfmc compile --target ts` (without
 * `--standalone`) writes `tfmc-runtime/` beside the module — a package named `tfmc` whose only
 * export is `./runtime`, holding this tfmc's compiled runtime (`dist/runtime/index.js` and its
 * declarations) — and the project's `package.json` depends on it as `"tfmc": "file:tfmc-runtime"`.
 * So `import … from 'tfmc/runtime'` resolves after a plain `npm install` with nothing but
 * `@tensorflow/tfjs` (and `typescript`) from the registry, and runs exactly the functions the
 * in-memory executor runs. The local package declares no dependencies: its `@tensorflow/tfjs`
 * import resolves from the project's `node_modules` (the folder is inside the project), so the
 * model and the runtime share one tfjs.
 */
import { readFileSync } from 'node:fs';

/** The folder of the generated project that holds the runtime package. */
export const RUNTIME_PACKAGE_DIR = 'tfmc-runtime';

/** The compiled runtime is read from `dist/runtime/` (running from `dist/`, or from `src/` after `npm run build`). */
const CANDIDATES = ['../../runtime/', '../../../dist/runtime/'];

function compiledRuntimeFile(name: 'index.js' | 'index.d.ts'): string {
  for (const rel of CANDIDATES) {
    try {
      return readFileSync(new URL(rel + name, import.meta.url), 'utf8');
    } catch {
      // try the next place
    }
  }
  throw new Error(`the compiled tfmc runtime (dist/runtime/${name}) is missing: run \`npm run build\` in tfmc`);
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
    exports: { './runtime': { types: './runtime.d.ts', default: './runtime.js' } },
  };
  return {
    [`${RUNTIME_PACKAGE_DIR}/package.json`]: `${JSON.stringify(pkg, null, 2)}\n`,
    [`${RUNTIME_PACKAGE_DIR}/runtime.js`]: withoutSourceMap(compiledRuntimeFile('index.js')),
    [`${RUNTIME_PACKAGE_DIR}/runtime.d.ts`]: withoutSourceMap(compiledRuntimeFile('index.d.ts')),
  };
}
