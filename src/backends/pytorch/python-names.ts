/**
 * Python identifiers and literals for generated code. Spec names are ASCII identifiers, but they
 * may still be Python keywords (`lambda`, `from`), shadow what the generated code uses (`self`,
 * `torch`, `rt`), or collide with `torch.nn.Module`'s own attributes, which PyTorch refuses as
 * submodule names. Renaming is deterministic (a trailing `_`, then a number).
 */

const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else',
  'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise',
  'return', 'try', 'while', 'with', 'yield', 'match', 'case', 'type', '_',
]);

/** Names the generated code itself uses, and builtins a local must not hide. */
const RESERVED = new Set([
  'self', 'rt', 'torch', 'nn', 'F', 'dataclass', 'field', 'result', 'layer', 'super', 'print', 'len', 'range', 'sum', 'min', 'max',
  'abs', 'int', 'float', 'bool', 'str', 'list', 'dict', 'tuple', 'set', 'id', 'input', 'object', 'getattr', 'setattr', 'isinstance',
  'math', 'os', 'json', 'open', 'iter', 'next', 'map', 'zip', 'all', 'any', 'hash', 'format', 'vars', 'dir', 'repr', 'slice',
]);

/**
 * Attributes of `torch.nn.Module` (1.13 to 2.x): a submodule cannot have these names
 * (`add_module` raises), so a spec layer named `train` has no PyTorch equivalent.
 */
export const MODULE_ATTRIBUTES = new Set([
  'T_destination', 'add_module', 'apply', 'bfloat16', 'buffers', 'call_super_init', 'children', 'compile', 'cpu', 'cuda', 'double',
  'dump_patches', 'eval', 'extra_repr', 'float', 'forward', 'get_buffer', 'get_extra_state', 'get_parameter', 'get_submodule', 'half',
  'ipu', 'load_state_dict', 'modules', 'mtia', 'named_buffers', 'named_children', 'named_modules', 'named_parameters', 'parameters',
  'register_backward_hook', 'register_buffer', 'register_forward_hook', 'register_forward_pre_hook', 'register_full_backward_hook',
  'register_full_backward_pre_hook', 'register_load_state_dict_post_hook', 'register_load_state_dict_pre_hook', 'register_module',
  'register_parameter', 'register_state_dict_post_hook', 'register_state_dict_pre_hook', 'requires_grad_', 'set_extra_state',
  'set_submodule', 'share_memory', 'state_dict', 'to', 'to_empty', 'train', 'training', 'type', 'xpu', 'zero_grad',
]);

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether `self.<name>` is valid Python that reaches a submodule called `name`. */
export function isPlainAttribute(name: string): boolean {
  return IDENT.test(name) && !KEYWORDS.has(name) && !MODULE_ATTRIBUTES.has(name) && !name.startsWith('__');
}

/** A safe local/field/class identifier for a spec name: invalid characters become `_`, keywords and reserved names get a `_`. */
export function pyIdent(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (s === '' || /^[0-9]/.test(s)) s = `v_${s}`;
  if (KEYWORDS.has(s) || RESERVED.has(s) || s.startsWith('__')) s = `${s}_`;
  return s;
}

/** A Python string literal (double-quoted, every non-printable or non-ASCII character escaped). */
export function pyString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c <= 0xff) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** A Python literal for a config or attribute value. */
export function pyLiteral(v: number | boolean | string | null | readonly (number | string)[]): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return pyString(v);
  if (Array.isArray(v)) return `[${v.map((x) => pyLiteral(x)).join(', ')}]`;
  const n = v as number;
  if (Number.isNaN(n)) return 'float("nan")';
  if (!Number.isFinite(n)) return n > 0 ? 'float("inf")' : 'float("-inf")';
  return String(n);
}

/** Like {@link pyLiteral} but always a float literal (`1.0`, not `1`). */
export function pyFloat(n: number): string {
  const s = pyLiteral(n);
  return /^-?\d+$/.test(s) ? `${s}.0` : s;
}

/** Python that reaches the submodule at `path` from `self`, relative to a class at depth `from`. */
export function access(self: string, path: string, from = 0): string {
  let out = self;
  for (const seg of path.split('.').slice(from)) {
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (isPlainAttribute(seg)) out += `.${seg}`;
    else out = `getattr(${out}, ${pyString(seg)})`;
  }
  return out;
}

/** The statement that registers a child module: `self.x = ...`, or `add_module` for names like `lambda`. */
export function register(path: string, value: string): string {
  const seg = path.slice(path.lastIndexOf('.') + 1);
  return isPlainAttribute(seg) ? `self.${seg} = ${value}` : `self.add_module(${pyString(seg)}, ${value})`;
}

/** Text for inside a `"""` docstring. */
export function escapeDoc(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"');
}
