/**
 * `tfmc compile --target ts`: the files of a small TypeScript project for one model — the model
 * module (prettier-formatted; with `standalone`, the runtime functions it uses appended), a
 * `package.json`, a `tsconfig.json` (strict) and, unless `standalone`, the runtime as a local
 * package (`tfmc-runtime/`, runtime-package.ts). `npm install && npm run build` builds it with
 * nothing but `@tensorflow/tfjs` and `typescript` from the registry. Deterministic: the same IR,
 * options and tfmc give byte-identical files.
 */
import { format } from 'prettier';
import type { ModelIR } from '../../ir/types.js';
import { emitModel } from './emit.js';
import { moduleFileName } from './file-names.js';
import { RUNTIME_PACKAGE_DIR, runtimePackageFiles } from './runtime-package.js';
import { runtimeClosure, unexported } from './runtime-source.js';

export { moduleFileName };

export interface TsTargetOptions {
  /** Copy the runtime functions used into the module instead of importing `tfmc/runtime`. */
  standalone?: boolean;
  /** The module specifier of the runtime (default `tfmc/runtime`). */
  runtimeImport?: string;
}

/** Prettier settings of generated code (fixed here so the output does not depend on the user's config files). */
export const PRETTIER_OPTIONS = { parser: 'typescript', printWidth: 110, singleQuote: true, trailingComma: 'all' } as const;

/** The model module's source text. */
export async function generateModelSource(ir: ModelIR, options: TsTargetOptions = {}): Promise<string> {
  const { body, runtime } = emitModel(ir, options);
  let text = body;
  if (options.standalone) {
    const decls = runtimeClosure(runtime);
    text +=
      '\n// ---------------------------------------------------------------------------------------------\n' +
      '// The tfmc runtime functions this model uses (copied from tfmc/runtime by --standalone).\n\n' +
      decls.map(unexported).join('\n\n') +
      '\n';
  }
  return format(text, { ...PRETTIER_OPTIONS });
}

/** Every file of the generated project, by relative path (`/`-separated). */
export async function generateTsProject(ir: ModelIR, options: TsTargetOptions & { tfmcVersion?: string } = {}): Promise<Record<string, string>> {
  const file = moduleFileName(ir);
  const stem = file.replace(/\.ts$/, '');
  const dependencies: Record<string, string> = { '@tensorflow/tfjs': '^4.22.0' };
  // `tfmc/runtime` comes from the local runtime package written beside the module (tfmc itself
  // is not on the registry, and the runtime is all the module needs of it).
  if (!options.standalone) dependencies.tfmc = `file:${RUNTIME_PACKAGE_DIR}`;
  const pkg = {
    name: stem,
    version: '0.1.0',
    private: true,
    type: 'module',
    main: `dist/${stem}.js`,
    types: `dist/${stem}.d.ts`,
    exports: { '.': { types: `./dist/${stem}.d.ts`, default: `./dist/${stem}.js` } },
    scripts: { build: 'tsc -p tsconfig.json' },
    dependencies,
    devDependencies: { typescript: '^5.9.0' },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      declaration: true,
      skipLibCheck: true,
      outDir: 'dist',
    },
    files: [file],
  };
  return {
    [file]: await generateModelSource(ir, options),
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    ...(options.standalone ? {} : runtimePackageFiles(options.tfmcVersion ?? '0.1.0')),
  };
}
