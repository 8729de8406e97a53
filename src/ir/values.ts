/**
 * Values of the lowering evaluator. Config arithmetic, block parameters and module construction
 * happen at compile time; only `tensor` values become part of the IR graph.
 */
import type { BlockDecl, Expr } from '../syntax/ast.js';
import type { OpDef, LayerOpDef } from './ops/op.js';
import type { SourceRef } from './source-ref.js';
import type { TensorValue } from './types.js';

export type Value =
  /** `origin`: where a config value was set, for labels like "`heads` = 6 is set here". */
  | { kind: 'int'; value: number; origin?: ValueOrigin }
  | { kind: 'float'; value: number; origin?: ValueOrigin }
  | { kind: 'bool'; value: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'enum'; name: string }
  | { kind: 'none' }
  | { kind: 'tensor'; tensor: TensorValue; fields?: Record<string, TensorValue> }
  | { kind: 'module'; module: ModuleValue }
  | { kind: 'op'; op: OpDef }
  | { kind: 'block'; block: BlockDef }
  /** Poison: the error was already reported; anything built from it is silently poison too. */
  | { kind: 'error' };

/** Where a config value was set: its entry, an `extends` override, or `--set key=value`. */
export interface ValueOrigin extends SourceRef {
  name: string;
  /** The `--set` text when the value came from the command line. */
  cli?: string;
}

export const ERROR: Value = { kind: 'error' };
export const NONE: Value = { kind: 'none' };

/** A block declaration together with the file it lives in. */
export interface BlockDef {
  decl: BlockDecl;
  file: string;
}

export type ModuleValue = LayerModule | BlockModule | RepeatModule;

interface ModuleBase {
  path: string;
  source: SourceRef;
  /** Applications so far: a second one shares parameters (and is checked against the first). */
  applied: number;
}

export interface LayerModule extends ModuleBase {
  kind: 'layer';
  op: LayerOpDef;
  args: Record<string, Value>;
  argSources: Record<string, SourceRef>;
}

export interface BlockModule extends ModuleBase {
  kind: 'block';
  block: BlockDef;
  params: Map<string, Value>;
}

export interface RepeatModule extends ModuleBase {
  kind: 'repeat';
  count: number;
  shared: boolean;
  body: Expr;
  /** Builds the i-th layer's module (closure over the defining scope). */
  build: (index: number, path: string) => ModuleValue | undefined;
  layers: ModuleValue[];
}

export function describeValue(v: Value): string {
  switch (v.kind) {
    case 'int':
      return 'an integer';
    case 'float':
      return 'a number';
    case 'bool':
      return 'a boolean';
    case 'string':
      return 'a string';
    case 'enum':
      return `the enum value \`${v.name}\``;
    case 'none':
      return 'nothing (an optional input that was not given)';
    case 'tensor':
      return v.tensor.dtype === 'mask' ? 'a mask' : 'a tensor';
    case 'module':
      return v.module.kind === 'repeat' ? 'a stack of layers' : `a \`${moduleKindName(v.module)}\` layer`;
    case 'op':
      return v.op.kind === 'layer' ? `the layer \`${v.op.name}\`` : `the function \`${v.op.name}\``;
    case 'block':
      return `the block \`${v.block.decl.name.name}\``;
    case 'error':
      return 'an invalid value';
  }
}

export function moduleKindName(m: ModuleValue): string {
  switch (m.kind) {
    case 'layer':
      return m.op.name;
    case 'block':
      return m.block.decl.name.name;
    case 'repeat':
      return 'repeat';
  }
}

export function isNumber(v: Value): v is { kind: 'int' | 'float'; value: number } {
  return v.kind === 'int' || v.kind === 'float';
}
