/** Help that fixes a misspelt name: "did you mean `heads`?", with the edit that writes it. */
import { didYouMean, suggestionList } from '../util/did-you-mean.js';
import type { Help } from './diagnostic.js';
import type { Span } from './spans.js';

/**
 * The did-you-mean help for `input` written at `at`, whose edit replaces it with the closest
 * candidate; `otherwise` (plain advice) when no candidate is close.
 */
export function didYouMeanHelp(input: string, candidates: Iterable<string>, at: { file: string; span: Span }, otherwise?: string): Help | undefined {
  const list = [...candidates];
  const synonym = SYNONYMS[input.toLowerCase()]?.find((s) => list.includes(s));
  if (synonym) return { message: `did you mean \`${synonym}\`? (tfmc's name for \`${input}\`)`, edits: [{ file: at.file, span: at.span, text: synonym }] };
  const message = didYouMean(input, list);
  if (message === undefined) return otherwise === undefined ? undefined : { message: otherwise };
  const best = suggestionList(input, list)[0];
  return { message, edits: [{ file: at.file, span: at.span, text: best }] };
}

/**
 * Names other frameworks use for what tfmc calls otherwise, too far apart in spelling for the
 * edit distance (`gelu_new` is Hugging Face's tanh GELU): keyed in lower case.
 */
const SYNONYMS: Record<string, string[]> = {
  gelu_new: ['gelu_tanh'],
  gelu_pytorch_tanh: ['gelu_tanh'],
  gelu_fast: ['gelu_tanh'],
  approximate_gelu: ['gelu_tanh'],
  swish: ['silu'],
  prenorm: ['pre'],
  pre_norm: ['pre'],
  pre_ln: ['pre'],
  postnorm: ['post'],
  post_norm: ['post'],
  post_ln: ['post'],
  rmsnorm: ['rms', 'RMSNorm'],
  layernorm: ['layer', 'LayerNorm'],
  layernormalization: ['LayerNorm'],
  dense: ['Linear'],
  multiheadattention: ['MultiHeadAttention'],
  mha: ['MultiHeadAttention'],
  ffn: ['FeedForward'],
  mlp: ['FeedForward'],
  sinusoid: ['sinusoidal'],
  absolute: ['learned'],
  rope: ['rotary'],
  epsilon: ['eps'],
  layer_norm_eps: ['eps'],
};
