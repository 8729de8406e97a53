import type { ModelIR, TensorValue } from '../../ir/types.js';
import { PytorchEmitError } from './errors.js';
import { pyIdent } from './python-names.js';

/**
 * Local variable names of one forward body. A name is reused when the value it holds is dead
 * (no later use in the body, not returned), so `x = x + ...` reads like hand-written code, and
 * gets a numeric suffix otherwise.
 */
export class Scope {
  private readonly names = new Map<number, string>();
  private readonly holder = new Map<string, number>();
  private readonly position: Map<number, number>;

  constructor(
    private readonly ir: ModelIR,
    private readonly uses: Map<number, number[]>,
    nodes: number[],
    private readonly returned: Set<number>,
    private readonly preferred: Map<number, string> = new Map(),
  ) {
    this.position = new Map(nodes.map((n, i) => [n, i]));
  }

  name(v: number): string {
    const n = this.names.get(v);
    if (n === undefined) throw new PytorchEmitError(`value ${v} is used before it is computed`);
    return n;
  }

  /** Binds `v`, produced at node index `at` (−1 for arguments); `free` is a name being released by the same statement. */
  bind(v: number, preferred: string, at: number, free?: string): string {
    const base = pyIdent(this.preferred.get(v) ?? preferred);
    const here = at < 0 ? -1 : (this.position.get(at) ?? -1);
    for (let k = 1; ; k++) {
      const name = k === 1 ? base : `${base}_${k}`;
      const held = this.holder.get(name);
      if (held === undefined || name === free || !this.live(held, here)) {
        this.holder.set(name, v);
        this.names.set(v, name);
        return name;
      }
    }
  }

  /** Whether `v` is still needed after node `at` of this body. */
  liveAfter(v: number, at: number): boolean {
    return this.live(v, this.position.get(at) ?? -1);
  }

  private live(v: number, here: number): boolean {
    if (this.returned.has(v) && here >= 0) return true;
    if (here < 0) return true;
    return (this.uses.get(v) ?? []).some((u) => (this.position.get(u) ?? -1) > here);
  }
}

/** An argument name that does not depend on the caller (for comparing class bodies). */
export function genericName(v: TensorValue): string {
  return v.dtype === 'mask' ? 'mask' : v.dtype === 'int32' ? 'ids' : v.dtype === 'bool' ? 'flags' : 'x';
}
