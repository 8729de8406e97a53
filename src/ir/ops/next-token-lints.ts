/**
 * Lints of a sequence loss whose target is the model's own input — shape-correct, and wrong:
 *
 * - TFM5003: `cross_entropy(logits, ids)` where the logits are computed from `ids`: every position
 *   is asked for the token it was given (with a causal mask the model learns to copy). The target of
 *   a language model is the next token, `shift_left(ids)`.
 * - TFM5002: `cross_entropy(logits, shift_left(ids))` (next-token prediction) while some
 *   self-attention over `ids`' sequence has no causal mask: each position sees the token it must
 *   predict, training loss falls to ~0 and generation produces nothing useful.
 *
 * Both are warnings (5xxx), silenced with `// tfmc: allow TFM500x` when meant.
 */
import type { Span } from '../../diagnostics/spans.js';
import { resolve, type Dim } from '../dims.js';
import type { SourceRef } from '../source-ref.js';
import type { TensorValue } from '../types.js';
import type { OpContext } from '../values.js';
import { attentionScores } from './attention-scores.js';

export function lintNextTokenLoss(ctx: OpContext, logits: TensorValue, targets: TensorValue): void {
  if (logits.shape.length < 3) return; // classification of a whole sequence: no positions to shift
  const p = ctx.producer(targets);
  const shifted = p?.op === 'shift_left';
  const source = shifted ? p!.inputs[0] : targets;
  if (ctx.producer(source) || source.dtype !== 'int32') return; // not a model input
  const seq = source.shape[source.shape.length - 1];
  const found = scan(ctx, logits, source, seq);
  if (!found.reaches) return;
  if (!shifted) {
    const at = ctx.argSource('targets');
    const text = ctx.textAt(at);
    ctx.error('TFM5003', `the loss asks each position for the token it was given: \`${source.name ?? 'the input'}\` is both the model's input and its target`, {
      primary: { ...at, message: 'the unshifted input' },
      secondary: [ctx.shapeLabel(logits, 'these logits are computed from it')],
      help: text !== undefined
        ? { message: 'a language model predicts the next token: `shift_left(ids)` (if copying is meant, end the line with `// tfmc: allow TFM5003`)', edits: [{ ...at, text: `shift_left(${text})` }] }
        : 'a language model predicts the next token: `shift_left(ids)`',
    });
    return;
  }
  if (found.selfAttention.length === 0 || found.selfAttention.some((a) => a.causal)) return;
  const first = found.selfAttention[0];
  const site = first.site ?? ctx.callSite;
  ctx.error('TFM5002', 'a next-token loss, but the self-attention over the sequence has no causal mask: each position sees the token it must predict', {
    primary: { ...site, message: 'this attention sees every position' },
    secondary: [{ ...ctx.callSite, message: 'next-token targets (`shift_left`) here' }],
    help: insertBeforeClose(ctx, site, ', self_mask: causal', 'pass a causal mask to the decoder\'s self-attention: `self_mask: causal` (if the model is meant to see ahead, end the line with `// tfmc: allow TFM5002`)'),
  });
}

interface Attention {
  causal: boolean;
  site?: SourceRef;
}

/** Walks the graph back from the logits: does it reach `source`, and which self-attentions over `seq` does it pass? */
function scan(ctx: OpContext, logits: TensorValue, source: TensorValue, seq: Dim | undefined): { reaches: boolean; selfAttention: Attention[] } {
  const seen = new Set<number>();
  const stack = [logits];
  let reaches = false;
  const selfAttention: Attention[] = [];
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    if (t.id === source.id) reaches = true;
    const p = ctx.producer(t);
    if (!p) continue;
    if (p.op === 'softmax' && seq) {
      const a = attentionOver(ctx, p.inputs[0], seq);
      if (a) selfAttention.push({ causal: a.causal, site: p.site });
    }
    stack.push(...p.inputs);
  }
  return { reaches, selfAttention };
}

/** Scores `q @ transpose(k)` whose last two axes are both `seq`, and whether a causal mask was applied on the way. */
function attentionOver(ctx: OpContext, scores: TensorValue, seq: Dim): { causal: boolean } | undefined {
  const n = scores.shape.length;
  if (n < 2 || !sameSym(scores.shape[n - 1], seq) || !sameSym(scores.shape[n - 2], seq)) return undefined;
  const found = attentionScores(ctx, scores);
  return found && { causal: found.masks.some((m) => m.maskKinds?.includes('causal')) };
}

function sameSym(a: Dim, b: Dim): boolean {
  const x = resolve(a);
  const y = resolve(b);
  return x.kind === 'sym' && y.kind === 'sym' && x.name === y.name;
}

/** Help that inserts `text` before the closing `)` of the call at `site`, when the call ends with one. */
function insertBeforeClose(ctx: OpContext, site: SourceRef, text: string, message: string): { message: string; edits?: Array<{ file: string; span: Span; text: string }> } {
  const written = ctx.textAt(site);
  if (!written?.endsWith(')') || site.span.end.column < 2) return { message };
  const end = site.span.end;
  const at = { offset: end.offset - 1, line: end.line, column: end.column - 1 };
  const empty = /\(\s*\)$/.test(written);
  return { message, edits: [{ file: site.file, span: { start: at, end: at }, text: empty ? text.replace(/^, /, '') : text }] };
}
