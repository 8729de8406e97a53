/**
 * Python identifiers and literals for generated code: the one place where spec names become
 * Python names (the naming scheme is documented in docs/scaling.md, "Names in model.py").
 *
 * Spec names are ASCII identifiers, but in Python they may be keywords (`lambda`), builtins the
 * generated code calls (`range`, `getattr`), names the module itself binds (`torch`, `rt`,
 * `INPUTS`, `Model`), or start with `__`, which Python mangles inside a class body (`__x` in a
 * method of `Block` is `_Block__x`). {@link pyIdent} maps every spec name to an identifier that is
 * none of these; scopes then make the names they hand out unique with `_2`, `_3` suffixes.
 *
 * Submodule and parameter names are never renamed (they are the `state_dict` keys, shared with
 * tfjs): a name that cannot be written as `self.<name>` is stored in and read from the module's
 * own tables, `self._modules["train"]` (see {@link isPlainAttribute}).
 */

/** Keywords and soft keywords of Python 3.8–3.13. */
const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else',
  'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise',
  'return', 'try', 'while', 'with', 'yield', 'match', 'case', 'type', '_',
]);

/** Python's builtins (`dir(builtins)` of 3.11, and later additions): a generated name never hides one. */
const BUILTINS = new Set(
  (
    'ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError BrokenPipeError BufferError ' +
    'BytesWarning ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError ' +
    'DeprecationWarning EOFError Ellipsis EncodingWarning EnvironmentError Exception ExceptionGroup FileExistsError ' +
    'FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ImportError ImportWarning IndentationError ' +
    'IndexError InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError ' +
    'NameError NotADirectoryError NotImplemented NotImplementedError OSError OverflowError PendingDeprecationWarning ' +
    'PermissionError ProcessLookupError PythonFinalizationError RecursionError ReferenceError ResourceWarning RuntimeError ' +
    'RuntimeWarning StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError ' +
    'TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning ' +
    'UserWarning ValueError Warning ZeroDivisionError abs aiter all anext any ascii bin bool breakpoint bytearray bytes ' +
    'callable chr classmethod compile complex copyright credits delattr dict dir divmod enumerate eval exec exit filter float ' +
    'format frozenset getattr globals hasattr hash help hex id input int isinstance issubclass iter len license list locals map ' +
    'max memoryview min next object oct open ord pow print property quit range repr reversed round set setattr slice sorted ' +
    'staticmethod str sum super tuple type vars zip'
  ).split(' '),
);

/**
 * Names `model.py` binds or reads itself: its imports, its tables and aliases (`entry-points.ts`),
 * the parameters and locals its methods write (`self`, `result`, the loop's `layer`), and modules
 * a reader may expect (`F`, `math`).
 */
const GENERATED = new Set([
  'dataclass', 'field', 'torch', 'nn', 'F', 'math', 'os', 'json', 'rt', 'tfmc_runtime', 'self', 'result', 'layer',
  'INITS', 'INPUTS', 'FORWARD_ARGS', 'BOUNDS', 'OUTPUTS', 'LOSSES', 'PARAMETERS', 'Config', 'Model', 'build_model',
]);

/**
 * Attributes of `torch.nn.Module` (1.13 to 2.x): `self.<name>` would reach the method, not the
 * submodule, and `add_module`/`register_parameter` refuse such names. `config` is the model
 * class's own attribute (its config dataclass).
 */
export const MODULE_ATTRIBUTES = new Set([
  'T_destination', 'add_module', 'apply', 'bfloat16', 'buffers', 'call_super_init', 'children', 'compile', 'cpu', 'cuda', 'double',
  'dump_patches', 'eval', 'extra_repr', 'float', 'forward', 'get_buffer', 'get_extra_state', 'get_parameter', 'get_submodule', 'half',
  'ipu', 'load_state_dict', 'modules', 'mtia', 'named_buffers', 'named_children', 'named_modules', 'named_parameters', 'parameters',
  'register_backward_hook', 'register_buffer', 'register_forward_hook', 'register_forward_pre_hook', 'register_full_backward_hook',
  'register_full_backward_pre_hook', 'register_load_state_dict_post_hook', 'register_load_state_dict_pre_hook', 'register_module',
  'register_parameter', 'register_state_dict_post_hook', 'register_state_dict_pre_hook', 'requires_grad_', 'set_extra_state',
  'set_submodule', 'share_memory', 'state_dict', 'to', 'to_empty', 'train', 'training', 'type', 'xpu', 'zero_grad', 'config',
]);

/**
 * Attributes `nn.Module` sets on itself while running (`model.train()` sets `self.training`): no
 * child or parameter can have such a name, even in the module's tables. Such a child is held
 * under a Python name (`training_`) that `rt.spec_names` maps back to the spec's in `state_dict()`.
 */
export const STATE_ATTRIBUTES = new Set(['training']);

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Whether `self.<name>` is valid Python that reaches a submodule or parameter called `name`: an
 * identifier that is no keyword and no attribute of `nn.Module` — whose private attributes all
 * start with `_` (`_modules`), as do the names Python mangles.
 */
export function isPlainAttribute(name: string): boolean {
  return IDENT.test(name) && !KEYWORDS.has(name) && !MODULE_ATTRIBUTES.has(name) && !name.startsWith('_');
}

/**
 * A Python identifier for a spec name (a local, an argument, a config field, a class): invalid
 * characters become `_`; a name Python would mangle (`__x`) or that starts with a digit gets a
 * leading `v` (`v__x`); keywords, builtins and the module's own names get a trailing `_`
 * (`lambda_`, `range_`, `torch_`). Not unique by itself: callers add `_2`, `_3` in their scope.
 */
export function pyIdent(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (KEYWORDS.has(s) || BUILTINS.has(s) || GENERATED.has(s)) s = `${s}_`;
  // After the suffix: `_` (a soft keyword) becomes `__`, which would be mangled.
  if (s === '' || /^[0-9]/.test(s) || s.startsWith('__')) s = `v${s}`;
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

/**
 * Python that reaches the submodule at `path` from `self`, relative to a class at depth `from`;
 * `renamed`: the Python name of a module whose spec name nn.Module cannot hold, by path.
 */
export function access(self: string, path: string, from = 0, renamed: ReadonlyMap<string, string> = new Map()): string {
  let out = self;
  const segs = path.split('.');
  for (let i = from; i < segs.length; i++) {
    const seg = renamed.get(segs.slice(0, i + 1).join('.')) ?? segs[i];
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (isPlainAttribute(seg)) out += `.${seg}`;
    else out += `._modules[${pyString(seg)}]`;
  }
  return out;
}

/** Python that reads the parameter or buffer `role` of `self` (`self.weight`, `self._parameters["train"]`). */
export function accessParam(self: string, role: string, buffer: boolean): string {
  return isPlainAttribute(role) ? `${self}.${role}` : `${self}.${buffer ? '_buffers' : '_parameters'}[${pyString(role)}]`;
}

/**
 * The statement that registers a child module: `self.x = ...`, or, for a name that is not a plain
 * attribute, an entry of the module's table (`add_module` refuses `train`, `self.__x` is mangled).
 */
export function register(path: string, value: string, renamed: ReadonlyMap<string, string> = new Map()): string {
  const seg = renamed.get(path) ?? path.slice(path.lastIndexOf('.') + 1);
  return isPlainAttribute(seg) ? `self.${seg} = ${value}` : `self._modules[${pyString(seg)}] = ${value}`;
}

/** The statement that registers a parameter or buffer of a block under the spec's name. */
export function registerParam(role: string, value: string, buffer: boolean): string {
  if (isPlainAttribute(role)) return buffer ? `self.register_buffer(${pyString(role)}, ${value})` : `self.register_parameter(${pyString(role)}, ${value})`;
  return `self.${buffer ? '_buffers' : '_parameters'}[${pyString(role)}] = ${value}`;
}

/** Text for inside a `"""` docstring. */
export function escapeDoc(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"');
}
