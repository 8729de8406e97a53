/**
 * The import layering of src/, checked by `npm run lint:layers` (part of `npm test`), drawn and
 * explained in docs/architecture.md. Data flows one way: a module may import its own layer and
 * the layers below it, never one above, and no import cycle is allowed (type-only imports count:
 * a type cycle is a design cycle).
 *
 * Layers, lowest first. Each entry: a name and the paths (regular expressions) it owns.
 */
const LAYERS = [
  ['util', ['^src/util/']],
  ['diagnostics', ['^src/diagnostics/']],
  ['syntax', ['^src/syntax/']],
  ['ir', ['^src/ir/']],
  ['check', ['^src/check/']],
  ['pipeline', ['^src/pipeline/']],
  ['runtime', ['^src/runtime/']],
  ['backends', ['^src/backends/', '^src/format/']],
  ['weights', ['^src/weights/']],
  ['render', ['^src/render/']],
  ['api', ['^src/api/']],
  ['front doors', ['^src/cli/', '^src/lsp/']],
  ['facades', ['^src/index\\.ts$', '^src/tfjs\\.ts$']],
];

/** Backends read the checked IR only: never the pipeline, the parser or each other's internals. */
const BACKEND_READS = ['^src/util/', '^src/diagnostics/', '^src/ir/', '^src/runtime/'];

const either = (paths) => paths.join('|');

const upward = LAYERS.slice(0, -1).map(([name, paths], i) => ({
  name: `no-upward-import-from-${name.replace(/ /g, '-')}`,
  comment: `${name} may not import a higher layer (${LAYERS.slice(i + 1).map(([n]) => n).join(', ')})`,
  severity: 'error',
  from: { path: either(paths) },
  to: { path: either(LAYERS.slice(i + 1).flatMap(([, p]) => p)) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import cycle (type-only imports included) means two modules are one concern, or a type lives in the wrong place',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...upward,
    {
      name: 'backends-read-only-the-ir',
      comment: 'a backend gets a checked IR from the pipeline; it imports the IR, the runtime and utilities, nothing above',
      severity: 'error',
      from: { path: '^src/backends/' },
      to: { path: '^src/', pathNot: [...BACKEND_READS, '^src/backends/'].join('|') },
    },
    {
      name: 'backends-do-not-import-each-other',
      comment: 'each backend is a table over the IR; shared code belongs in the IR, the runtime or util',
      severity: 'error',
      from: { path: '^src/backends/([^/]+)/' },
      to: { path: '^src/backends/', pathNot: '^src/backends/$1/' },
    },
    {
      name: 'nothing-imports-the-facades',
      comment: 'src/index.ts and src/tfjs.ts are what users import; nothing inside src/ goes through them',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/(index|tfjs)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^src/std/' },
  },
};
