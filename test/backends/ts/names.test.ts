/**
 * Safe by construction: spec names and strings cannot break or inject into generated code. Unit
 * checks of the quoting helpers (evaluated as real JavaScript), and a hostile spec — identifiers
 * that are TypeScript keywords, `constructor`, `__proto__`, the generated file's own names and
 * runtime function names; a config string with quotes, backslashes, `${`, a backtick, `*\/`, a
 * newline, U+2028 and a bidi override — whose generated module computes the in-memory model's
 * numbers (and type-checks strictly: `generated.test.ts` includes it in its one tsc run).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, selectBackend } from '../../../src/tfjs.js';
import { commentText, Namer, numberLiteral, propertyAccess, propertyKey, stringLiteral } from '../../../src/backends/ts/names.js';
import { generateModelSource } from '../../../src/backends/ts/index.js';
import { checkFile } from '../../../src/index.js';
import { HOSTILE_SPEC, importGenerated, removeScratch, scratchProject } from './helpers.js';

const HOSTILE_STRINGS = [
  "it's",
  'say "hi"',
  'back\\slash\\',
  '${process.exit(1)}',
  '`tick`',
  'line\nbreak',
  'carriage\rreturn',
  'para\u2028graph\u2029sep',
  'bidi \u202egnp.exe',
  'zero\u200bwidth',
  'Cyrillic \u0430 looks like a',
  '*/ closes a comment',
  '\u0000 nul',
  '😀 astral',
];

/** Evaluates a JavaScript expression in a fresh function (the helpers' output is plain JS). */
function evaluate(expr: string): unknown {
  return new Function(`return (${expr});`)();
}

describe('quoting helpers', () => {
  it('stringLiteral round-trips every hostile string and is printable ASCII on one line', () => {
    for (const s of HOSTILE_STRINGS) {
      const lit = stringLiteral(s);
      expect(lit).toMatch(/^'[\x20-\x7e]*'$/);
      expect(evaluate(lit)).toBe(s);
    }
  });

  it('commentText stays on one line, printable, and cannot close a block comment', () => {
    for (const s of HOSTILE_STRINGS) {
      const c = commentText(s);
      expect(c).toMatch(/^[\x20-\x7e]*$/);
      expect(c).not.toContain('*/');
      // As a line comment it hides nothing after it.
      expect(evaluate(`1 // ${c}\n + 1`)).toBe(2);
    }
  });

  it('propertyKey defines an own property, even for __proto__; propertyAccess reads it back', () => {
    for (const name of ['__proto__', 'constructor', 'class', 'a.b', "it's", 'x\u2028y', 'ok_name']) {
      const obj = evaluate(`{ ${propertyKey(name)}: 42 }`) as Record<string, unknown>;
      expect(Object.prototype.hasOwnProperty.call(obj, name)).toBe(true);
      expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
      expect(new Function('o', `return ${propertyAccess('o', name)};`)(obj)).toBe(42);
    }
  });

  it('numberLiteral gives back exactly the same number', () => {
    for (const v of [0, -0, 1e-9, -1e9, 0.1, 1 / 3, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity]) {
      expect(Object.is(evaluate(numberLiteral(v)), v)).toBe(true);
    }
    expect(Number.isNaN(evaluate(numberLiteral(NaN)))).toBe(true);
  });

  it('Namer: keywords, reserved and taken names get suffixes; results are valid, distinct identifiers; deterministic', () => {
    const names = ['class', 'constructor', '__proto__', 'tf', 'x', 'x', 'x_2', 'await', 'yield', 'let', 'eval', 'arguments', '0abc', 'a.b', 'a-b', 'é'];
    const run = () => {
      const namer = new Namer(['tf']);
      return names.map((n) => namer.fresh(n));
    };
    const out = run();
    expect(out).toEqual(run());
    expect(new Set(out).size).toBe(out.length);
    for (const id of out) {
      expect(id).toMatch(/^[A-Za-z_$][A-Za-z0-9_$]*$/);
      // A declaration with it parses in strict-mode module code.
      const diagnostics = ts.transpileModule(`export const ${id} = 1;`, { reportDiagnostics: true, compilerOptions: { strict: true } }).diagnostics ?? [];
      expect(diagnostics, id).toEqual([]);
    }
    expect(out.slice(0, 4)).toEqual(['class_', 'constructor_', '__proto___', 'tf_2']);
    expect(out.slice(4, 7)).toEqual(['x', 'x_2', 'x_2_2']);
  });
});

describe('a spec with hostile names', () => {
  let dir: string;
  let specPath: string;
  let sources: { modular: string; standalone: string };

  beforeAll(async () => {
    await selectBackend('cpu');
    dir = scratchProject();
    specPath = join(dir, 'hostile.tfm');
    writeFileSync(specPath, HOSTILE_SPEC);
    const r = checkFile(specPath);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const ir = r.models[0];
    sources = { modular: await generateModelSource(ir), standalone: await generateModelSource(ir, { standalone: true }) };
  }, 60_000);
  afterAll(() => removeScratch(dir));

  it('keeps the config string intact and escaped', async () => {
    expect(sources.modular).toContain(String.raw`note: 'it\'s "quoted" \\ ${'$'}{x} ` + '`tick`' + String.raw` */ \u000a \u2028 \u202e end',`);
    // None of the spec's control or invisible characters appears raw anywhere in the code.
    for (const text of [sources.modular, sources.standalone]) expect(text).not.toMatch(/[\u2028\u2029\u202a-\u202e\u200b\r\0]/);
  });

  it('runs: config, outputs and losses as the in-memory model', async () => {
    const gen = await importGenerated<{
      config: Record<string, unknown>;
      createParams(seed?: number): Record<string, tf.Variable>;
      setWeights(p: Record<string, tf.Variable>, w: Record<string, tf.Tensor>): void;
      forward(p: Record<string, tf.Variable>, i: Record<string, tf.Tensor>): Record<string, tf.Tensor>;
      losses(b: Record<string, tf.Tensor>, o: Record<string, tf.Tensor>): Record<string, tf.Tensor>;
    }>(dir, sources.standalone);
    expect(Object.keys(gen.config)).toEqual(['class', 'constructor', '__proto__', 'tf', 'forward', 'note', 'eval']);
    expect(Object.getPrototypeOf(gen.config)).toBe(Object.prototype);
    expect(gen.config.note).toBe('it\'s "quoted" \\ ${x} `tick` */ \n \u2028 \u202e end');
    const model = await compile(specPath, { seed: 2, backend: 'cpu' });
    const params = gen.createParams();
    gen.setWeights(params, model.getWeights());
    const batch = { function: tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32'), prototype: tf.tensor2d([[1, 0, 9], [2, 2, 3]], [2, 3], 'int32') };
    const expected = model.predict(batch, { outputs: ['constructor', 'delete'] });
    const out = gen.forward(params, batch);
    const losses = gen.losses(batch, out);
    expect(Array.from(out['constructor'].dataSync())).toEqual(Array.from(expected['constructor'].dataSync()));
    expect(losses.delete.dataSync()[0]).toBe(expected.delete.dataSync()[0]);
    model.dispose();
  });
});
