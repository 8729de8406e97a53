/** Every IR op's ONNX lowering, by `Node.op`, from the family files. */
import type { Lowering } from '../site.js';
import { lowerings as attention } from './attention.js';
import { lowerings as dense } from './dense.js';
import { lowerings as elementwise } from './elementwise.js';
import { lowerings as losses } from './losses.js';
import { lowerings as masks } from './masks.js';
import { lowerings as norms } from './norms.js';
import { lowerings as recurrent } from './recurrent.js';
import { lowerings as tensor } from './tensor.js';

const FAMILIES = [attention, dense, elementwise, losses, masks, norms, recurrent, tensor];

export const LOWERINGS: ReadonlyMap<string, Lowering> = (() => {
  const out = new Map<string, Lowering>();
  for (const family of FAMILIES) {
    for (const [op, lowering] of Object.entries(family)) {
      if (out.has(op)) throw new Error(`two ONNX lowerings of \`${op}\``);
      out.set(op, lowering);
    }
  }
  return out;
})();
