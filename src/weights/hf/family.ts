/**
 * What tfmc knows about one Hugging Face model family: the `model_type`s it reads, the shipped
 * spec a checkpoint becomes a variant of, how `config.json` sets that spec's config, and the
 * tensor-name mapping both ways (`mapping.ts`).
 */
import type { Rule } from './mapping.js';

export type HfConfig = Record<string, unknown>;

/** The variant of the shipped model that a checkpoint becomes. */
export interface SpecPlan {
  /** Config keys of the shipped model and their values, in the shipped spec's order. */
  config: Array<[key: string, value: number]>;
  /** Statements the variant adds, one `.tfm` line each (an untied or tied head). */
  statements: string[];
  /** The shipped model the variant extends (a family may have several, as Llama and Mistral). */
  base: string;
}

/** The spec's config values and parameter names, from which the rules and an exported config.json follow. */
export interface SpecFacts {
  config: ReadonlyMap<string, number | string | boolean>;
  params: ReadonlySet<string>;
}

export interface HfFamily {
  id: string;
  /** `config.json`'s `model_type` values this family reads. */
  modelTypes: readonly string[];
  /** The shipped spec file (in `specs/`) and the models of it an imported checkpoint may extend. */
  specFile: string;
  bases: readonly string[];
  /** Reads `config.json`; throws `HfConfigProblems` listing every setting the spec cannot express. */
  plan(config: HfConfig): SpecPlan;
  rules(spec: SpecFacts): Rule[];
  /** HF tensors that are not weights (a causal-mask buffer, position ids): accepted and left out. */
  ignored: readonly RegExp[];
  /** A prefix some checkpoints put before every name (`transformer.` of GPT2LMHeadModel), dropped on import. */
  optionalPrefix?: string;
  /** The `config.json` of an export. */
  hfConfig(spec: SpecFacts): HfConfig;
}

/** Settings of a `config.json` that the shipped spec cannot express, one line each. */
export class HfConfigProblems extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'HfConfigProblems';
  }
}

/** Reads `config.json` values, collecting every problem before reporting them together. */
export class ConfigReader {
  readonly problems: string[] = [];

  constructor(private readonly config: HfConfig) {}

  int(key: string, fallback?: number): number {
    const v = this.config[key] ?? fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
    this.problems.push(v === undefined ? `\`${key}\` is missing` : `\`${key}\` is ${JSON.stringify(v)}, not a positive whole number`);
    return 1;
  }

  float(key: string, fallback?: number): number {
    const v = this.config[key] ?? fallback;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
    this.problems.push(v === undefined ? `\`${key}\` is missing` : `\`${key}\` is ${JSON.stringify(v)}, not a number ≥ 0`);
    return 0;
  }

  /** A setting the shipped spec fixes: absent or null (Hugging Face's default), or one of `allowed`. */
  fixed(key: string, allowed: readonly unknown[], what: string): void {
    const v = this.config[key];
    if (v === undefined || v === null) return;
    if (!allowed.includes(v)) this.problems.push(`\`${key}\` is ${JSON.stringify(v)}: the shipped spec has ${what}`);
  }

  /** A condition the spec needs, with the line that says what is wrong. */
  require(ok: boolean, problem: string): void {
    if (!ok) this.problems.push(problem);
  }

  value(key: string): unknown {
    return this.config[key];
  }

  /** Throws when anything was wrong. */
  done(): void {
    if (this.problems.length) throw new HfConfigProblems(this.problems);
  }
}

/** A config value of the spec as a number (the rules and exports read sizes). */
export function num(spec: SpecFacts, key: string): number {
  const v = spec.config.get(key);
  if (typeof v !== 'number') throw new Error(`the spec has no numeric config value \`${key}\``);
  return v;
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
