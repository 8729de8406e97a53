/** Training entry points of the module: `totalLoss`, `createOptimizer` (Adam), `trainStep` and a plain `train` loop. */
import type { ModelIR } from '../../ir/types.js';
import type { ModuleText } from './module-text.js';
import { propertyAccess } from './names.js';

export function trainingFunctions(text: ModuleText, ir: ModelIR): void {
  const sum = ir.losses.map((l) => propertyAccess('parts', l.name));
  text.out(
    '/** The sum of the losses, what training minimises. */',
    'export function totalLoss(params: Params, batch: Batch, options: ForwardOptions = { training: true }): tf.Scalar {',
    '  return tf.tidy(() => {',
    '    const parts = losses(batch, forward(params, batch, options), options);',
    `    return ${sum.length === 1 ? sum[0] : `tf.addN([${sum.join(', ')}])`} as tf.Scalar;`,
    '  });',
    '}',
    '',
    '/** Adam with the in-memory trainer\'s defaults (β1 0.9, β2 0.999, ε 1e-8). */',
    'export function createOptimizer(learningRate = 1e-3): tf.Optimizer {',
    '  return tf.train.adam(learningRate, 0.9, 0.999, 1e-8);',
    '}',
    '',
    '/** One optimisation step on a batch (dropout on); returns the loss before the update. */',
    'export function trainStep(params: Params, optimizer: tf.Optimizer, batch: Batch): number {',
    '  const cost = optimizer.minimize(() => totalLoss(params, batch), true, Object.values<tf.Variable>(params));',
    '  if (cost === null) throw new Error(\'the optimizer returned no loss\');',
    '  const value = cost.dataSync()[0];',
    '  cost.dispose();',
    '  return value;',
    '}',
    '',
    'export interface TrainOptions {',
    '  epochs?: number;',
    '  learningRate?: number;',
    '  /** Called after every step with its loss. */',
    '  onStep?: (step: number, loss: number) => void;',
    '}',
    '',
    '/** A plain training loop: `epochs` passes over the batches with Adam; returns every step\'s loss. */',
    'export function train(params: Params, batches: readonly Batch[], options: TrainOptions = {}): number[] {',
    '  const optimizer = createOptimizer(options.learningRate);',
    '  const history: number[] = [];',
    '  for (let epoch = 0; epoch < (options.epochs ?? 1); epoch++) {',
    '    for (const batch of batches) {',
    '      const loss = trainStep(params, optimizer, batch);',
    '      history.push(loss);',
    '      options.onStep?.(history.length, loss);',
    '    }',
    '  }',
    '  optimizer.dispose();',
    '  return history;',
    '}',
    '',
  );
}
