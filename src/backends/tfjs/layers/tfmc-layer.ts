/**
 * A tfmc model as one tfjs-layers layer, registered for serialization, so a `tf.LayersModel`
 * around it saves with `model.save(...)` and loads back with `tf.loadLayersModel(...)` in Node and
 * in the browser. tfjs-layers has no attention layer to build Transformers from; instead the layer
 * carries the checked IR in its config (`ir-json.ts`) and its `call` is the executor's forward, so
 * the op code is the same as `compile`'s. Its weights are the IR's parameters under their
 * PyTorch-style names (`wte.weight`), owned by tfjs-layers and lent to the executor.
 *
 * Importing this module registers the class: do so before `tf.loadLayersModel`. No Node import
 * here: the browser bundle (`browser.ts`) uses it as it is.
 */
import * as tf from '@tensorflow/tfjs';
import { constValue } from '../../../ir/dims.js';
import { upstreamValues } from '../../../ir/queries.js';
import type { ModelIR, ModelInput } from '../../../ir/types.js';
import { buildModel, type TfjsModel } from '../executor.js';
import { fromConfigText, irFromJson, irToJson, toConfigText } from './ir-json.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type Shape = Array<number | null>;

export interface TfmcLayerArgs extends LayerArgs {
  /** The model: its IR, or (from a saved config) the IR as `toConfigText(JSON)`. */
  ir?: ModelIR;
  tfmcIr?: string;
}

/** What `getConfig` stores, besides tfjs-layers's own `name`, `trainable`, `dtype`. */
export const TFMC_LAYER_CLASS = 'TfmcModel';

export class TfmcLayer extends tf.layers.Layer {
  static readonly className = TFMC_LAYER_CLASS;
  /** The model's IR (rebuilt from the config when loaded). */
  readonly ir: ModelIR;
  /** The IR's inputs that its outputs need, in the IR's order: the layer's inputs. */
  readonly modelInputs: ModelInput[];
  /** The IR's outputs, in order: the layer's outputs (losses are not part of the layer). */
  readonly outputNames: string[];
  private readonly irText: string;
  private executor?: TfjsModel;
  /** The layer's weight of each parameter and buffer (tfjs-layers lists trainable weights first, so not in the IR's order). */
  readonly weightOf = new Map<string, tf.LayerVariable>();

  constructor(args: TfmcLayerArgs) {
    super(args);
    if (args.ir) {
      this.ir = args.ir;
      this.irText = toConfigText(JSON.stringify(irToJson(args.ir)));
    } else if (typeof args.tfmcIr === 'string') {
      this.irText = args.tfmcIr;
      this.ir = irFromJson(JSON.parse(fromConfigText(args.tfmcIr)));
    } else {
      throw new Error('a TfmcModel layer needs the model: `ir` (a ModelIR) or `tfmcIr` (a stored IR)');
    }
    this.outputNames = this.ir.outputs.map((o) => o.name);
    this.modelInputs = inputsNeeded(this.ir);
    if (this.outputNames.length === 0) throw new Error(`the model \`${this.ir.name}\` declares no output, so it cannot be a tfjs-layers layer`);
  }

  /** Input shapes for `tf.input`: the full shape (batch included), `null` for symbolic sizes. */
  inputShapes(): Shape[] {
    return this.modelInputs.map((i) => knownShape(this.ir, i.value));
  }

  override computeOutputShape(): Shape | Shape[] {
    const shapes = this.ir.outputs.map((o) => knownShape(this.ir, o.value));
    return shapes.length === 1 ? shapes[0] : shapes;
  }

  override build(): void {
    const variables = new Map<string, tf.Variable>();
    for (const p of this.ir.params) {
      // Zeros: `toLayersModel` copies a compiled model's weights in, and loading reads them.
      const w = this.addWeight(p.name, p.shape, 'float32', tf.initializers.zeros(), undefined, !p.buffer);
      variables.set(p.name, w.read() as tf.Variable);
      this.weightOf.set(p.name, w);
    }
    this.executor = buildModel(this.ir, { variables });
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    if (!this.executor) throw new Error(`the TfmcModel layer \`${this.name}\` was called before it was built`);
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length !== this.modelInputs.length) {
      throw new Error(`the model \`${this.ir.name}\` takes ${this.modelInputs.length} inputs (${this.modelInputs.map((i) => `\`${i.name}\``).join(', ')}), got ${list.length}`);
    }
    const feeds: Record<string, tf.Tensor> = {};
    this.modelInputs.forEach((input, i) => (feeds[input.name] = list[i]));
    const out = this.executor.forward(feeds, { outputs: this.outputNames, training: kwargs?.training === true });
    const result = this.outputNames.map((n) => out[n]);
    return result.length === 1 ? result[0] : result;
  }

  /** Also frees what the executor keeps between inference calls (transposed weights). */
  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    this.executor?.releaseCaches();
    return super.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), tfmcIr: this.irText };
  }
}

tf.serialization.registerClass(TfmcLayer);

/** The IR's inputs that its outputs read (label inputs of losses are left out). */
function inputsNeeded(ir: ModelIR): ModelInput[] {
  const needed = upstreamValues(ir, ir.outputs.map((o) => o.value), new Map(ir.nodes.map((n) => [n.id, n])));
  return ir.inputs.filter((i) => needed.has(i.value));
}

function knownShape(ir: ModelIR, valueId: number): Shape {
  return ir.values[valueId].shape.map((d) => constValue(d) ?? null);
}

/** Options of {@link toLayersModel}. */
export interface ToLayersModelOptions {
  /** Parameter values by name, copied into the layer (a compiled model's `getWeights()`). Default zeros. */
  weights?: Record<string, tf.Tensor>;
}

/**
 * A `tf.LayersModel` computing the IR's outputs: one `tf.input` per input the outputs need (named
 * after it, with its dtype and shape, `null` where the size is symbolic) and one {@link TfmcLayer}.
 * Its outputs are the IR's outputs in order (`predict` returns one tensor, or a list).
 */
export function toLayersModel(ir: ModelIR, options: ToLayersModelOptions = {}): tf.LayersModel {
  const taken = new Set(ir.inputs.map((i) => i.name));
  let layerName = 'tfmc';
  for (let k = 1; taken.has(layerName); k++) layerName = `tfmc_${k}`;
  const layer = new TfmcLayer({ ir, name: layerName });
  const inputs = layer.modelInputs.map((input, i) =>
    tf.input({ batchShape: layer.inputShapes()[i], dtype: tfDtype(ir.values[input.value].dtype), name: input.name }),
  );
  const outputs = layer.apply(inputs.length === 1 ? inputs[0] : inputs) as tf.SymbolicTensor | tf.SymbolicTensor[];
  const model = tf.model({ inputs, outputs, name: ir.name });
  if (options.weights) {
    for (const p of ir.params) {
      const value = options.weights[p.name];
      if (!value) throw new Error(`no value was given for the parameter \`${p.name}\``);
      layer.weightOf.get(p.name)!.write(value);
    }
  }
  model.setUserDefinedMetadata({ tfmc: { format: LAYERS_MODEL_FORMAT, version: LAYERS_MODEL_VERSION, model: ir.name, inputs: layer.modelInputs.map((i) => i.name), outputs: layer.outputNames } });
  return model;
}

/** Written into `model.json`'s `userDefinedMetadata.tfmc`: which tfmc model the file holds. */
export const LAYERS_MODEL_FORMAT = 'tfmc-layers-model';
export const LAYERS_MODEL_VERSION = 1;

function tfDtype(d: ModelIR['values'][number]['dtype']): tf.DataType {
  return d === 'mask' ? 'bool' : d;
}

/** The TfmcModel layer of a LayersModel built by {@link toLayersModel} or loaded from one. */
export function tfmcLayerOf(model: tf.LayersModel): TfmcLayer {
  const layer = model.layers.find((l): l is TfmcLayer => l instanceof TfmcLayer);
  if (!layer) throw new Error(`the LayersModel \`${model.name}\` has no TfmcModel layer (it was not made by tfmc)`);
  return layer;
}

/**
 * Runs a LayersModel made by tfmc with inputs and outputs by name, as `CompiledModel.predict`:
 * `{ ids }` → `{ logits }`. The caller owns the returned tensors.
 */
export function predictByName(model: tf.LayersModel, inputs: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  const layer = tfmcLayerOf(model);
  const missing = layer.modelInputs.filter((i) => !inputs[i.name]).map((i) => `\`${i.name}\``);
  if (missing.length) throw new Error(`the model \`${layer.ir.name}\` needs the input${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const feeds = layer.modelInputs.map((i) => inputs[i.name]);
  const out = model.predictOnBatch(feeds.length === 1 ? feeds[0] : feeds);
  const list = Array.isArray(out) ? out : [out];
  return Object.fromEntries(layer.outputNames.map((n, i) => [n, list[i]]));
}
