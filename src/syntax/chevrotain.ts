/**
 * Chevrotain, as the rest of tfmc uses it: every value of chevrotain's that src/ uses is imported
 * from here (types come from `chevrotain` itself).
 *
 * Why not `import ... from 'chevrotain'`: the package's entry point is its compiled sources, which
 * import lodash-es one function per module — about 700 ES modules, which took ~250 ms to resolve
 * and load before `tfmc check` could read a file (docs/performance.md). The same package ships
 * its whole code as one ES module, `lib/chevrotain.mjs` (listed in its `files`; built by
 * chevrotain's release from the same sources), which loads in ~15 ms. `chevrotain` is pinned to
 * a minor release (~11.2) in package.json, so the bundle is the version the types describe.
 *
 * If the bundle cannot be found (a future layout of the package, a module runner without
 * `import.meta.resolve`), the package entry is loaded instead: slower, same behaviour. One copy
 * per process either way: everything goes through this module, so token types are numbered once.
 */
import type * as Chevrotain from 'chevrotain';

async function load(): Promise<typeof Chevrotain> {
  let bundle: string | undefined;
  try {
    // `chevrotain` resolves to <package>/lib/src/api.js; the bundle is <package>/lib/chevrotain.mjs.
    bundle = new URL('../chevrotain.mjs', import.meta.resolve('chevrotain')).href;
  } catch {
    bundle = undefined;
  }
  if (bundle !== undefined) {
    try {
      return (await import(bundle)) as typeof Chevrotain;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    }
  }
  return import('chevrotain');
}

const chevrotain = await load();

export const { createToken, EOF, isRecognitionException, tokenMatcher } = chevrotain;

// The classes, each as a value and as the type of its instances (as `import { Lexer } from 'chevrotain'` gives).
export const EmbeddedActionsParser = chevrotain.EmbeddedActionsParser;
export type EmbeddedActionsParser = Chevrotain.EmbeddedActionsParser;
export const Lexer = chevrotain.Lexer;
export type Lexer = Chevrotain.Lexer;
export const MismatchedTokenException = chevrotain.MismatchedTokenException;
export type MismatchedTokenException = Chevrotain.MismatchedTokenException;
