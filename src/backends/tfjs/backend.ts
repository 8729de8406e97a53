/**
 * Choosing the tfjs backend: `node` (libtensorflow via `@tensorflow/tfjs-node`) when it loads,
 * else `native` (`native/`, built by `npm run build:native`: the wasm backend with its hot kernels
 * computed by an addon over a system BLAS, `./native/kernels.ts`; tfjs itself still calls it
 * `wasm`, and switching between the two moves no data), else `wasm`
 * (`@tensorflow/tfjs-backend-wasm`, its `.wasm` binaries read from the installed package, never
 * fetched), else `cpu` (pure JavaScript, always available, deterministic).
 *
 * `@tensorflow/tfjs-node` is an optional dependency: its install script downloads libtensorflow,
 * which fails where only the npm registry is reachable, and npm then skips it. It is therefore
 * loaded by name with a dynamic `import()` (a non-literal specifier, so the type checker does not
 * require it to be installed) and its absence is not an error unless it was asked for.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './native/addon.js';
import { activateNativeKernels, deactivateNativeKernels, nativeKernelsActive } from './native/kernels.js';

export type BackendName = 'node' | 'native' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['node', 'native', 'wasm', 'cpu'];
/** Tried in this order when none is asked for. */
const DEFAULT_ORDER: readonly BackendName[] = ['node', 'native', 'wasm', 'cpu'];

/** tfjs's own registry names for our backend names. */
const TFJS_NAME: Record<BackendName, string> = { node: 'tensorflow', native: 'wasm', wasm: 'wasm', cpu: 'cpu' };

/** A backend was asked for by name but cannot be used here. */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName | string,
    readonly reason: string,
  ) {
    super(`the tfjs backend \`${backend}\` is not available: ${reason}`);
    this.name = 'BackendUnavailableError';
  }
}

const failures = new Map<BackendName, string>();
let wasmPathsSet = false;

async function loadNode(): Promise<void> {
  if (tf.findBackend(TFJS_NAME.node)) return;
  const specifier = '@tensorflow/tfjs-node';
  try {
    await import(specifier);
  } catch (e) {
    throw new BackendUnavailableError('node', `${specifier} could not be loaded (${firstLine(e)}); it is an optional dependency whose install needs to download libtensorflow`);
  }
  if (!tf.findBackend(TFJS_NAME.node)) {
    // It loaded, but registered itself with a different copy of tfjs-core (a version mismatch).
    throw new BackendUnavailableError('node', `${specifier} loaded but did not register with this @tensorflow/tfjs (are their versions equal?)`);
  }
}

async function loadWasm(): Promise<void> {
  if (wasmPathsSet) return;
  let wasm: { setWasmPaths(prefix: string): void };
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    throw new BackendUnavailableError('wasm', `@tensorflow/tfjs-backend-wasm could not be loaded (${firstLine(e)})`);
  }
  // The package's main file sits next to its .wasm binaries (dist/); point the loader there so
  // nothing is fetched over the network.
  const dir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  wasm.setWasmPaths(join(dir, '/'));
  wasmPathsSet = true;
}

async function tryBackend(name: BackendName): Promise<void> {
  const known = failures.get(name);
  if (known) throw new BackendUnavailableError(name, known);
  try {
    if (name === 'node') await loadNode();
    else if (name === 'wasm' || name === 'native') await loadWasm();
    const addon = name === 'native' ? await loadNativeAddon() : undefined;
    const ok = await tf.setBackend(TFJS_NAME[name]);
    if (!ok) throw new BackendUnavailableError(name, 'it failed to initialise');
    await tf.ready();
    if (addon) activateNativeKernels(addon);
    else deactivateNativeKernels();
    if (name === 'cpu') quietCpuAdvice();
  } catch (e) {
    const reason = e instanceof BackendUnavailableError ? e.reason : firstLine(e);
    failures.set(name, reason);
    throw e instanceof BackendUnavailableError ? e : new BackendUnavailableError(name, reason);
  }
}

/**
 * Makes `preferred` the active tfjs backend, or, without a preference, the fastest that loads
 * (node, then native, then wasm, then cpu). Returns the name in use. Asking for a backend that cannot load
 * throws {@link BackendUnavailableError}.
 */
export async function selectBackend(preferred?: BackendName): Promise<BackendName> {
  if (preferred !== undefined) {
    if (!BACKEND_NAMES.includes(preferred)) {
      throw new BackendUnavailableError(preferred, `unknown backend; choose one of ${BACKEND_NAMES.join(', ')}`);
    }
    await tryBackend(preferred);
    return preferred;
  }
  for (const name of DEFAULT_ORDER) {
    try {
      await tryBackend(name);
      return name;
    } catch {
      // fall through to the next one
    }
  }
  throw new BackendUnavailableError('cpu', 'no tfjs backend could be initialised');
}

/** The backend in use, by our name (undefined before one is selected or for a foreign one). */
export function currentBackend(): BackendName | undefined {
  return ourName(tf.getBackend());
}

function ourName(tfjsName: string | null): BackendName | undefined {
  if (tfjsName === 'wasm') return nativeKernelsActive() ? 'native' : 'wasm';
  return BACKEND_NAMES.find((b) => TFJS_NAME[b] === tfjsName);
}

async function loadNativeAddon(): Promise<NativeAddon> {
  const { loadAddon } = await import('./native/addon.js');
  try {
    return loadAddon();
  } catch (e) {
    throw new BackendUnavailableError('native', firstLine(e));
  }
}

/** Why a backend could not be used, after an attempt (for `tfmc` to explain its choice). */
export function backendFailure(name: BackendName): string | undefined {
  return failures.get(name);
}

/**
 * The backend in use, for people: its name, and, when the default chose it because a faster one
 * did not load, why, in one line (`wasm (native is unavailable: …)`). `asked` is the backend the
 * user named, if any: then there is nothing to explain. A missing `@tensorflow/tfjs-node` (an
 * optional dependency that cannot install where only the npm registry is reachable) is the usual
 * case and not worth a notice while `native` runs.
 */
export function describeBackend(inUse: BackendName, asked: BackendName | undefined): string {
  if (asked !== undefined || inUse === 'node' || inUse === 'native') return inUse;
  const native = failures.get('native');
  if (native) return `${inUse} (native is unavailable: ${native})`;
  return inUse;
}

/**
 * The cpu backend prints, on first use in Node, advice to install tfjs-node. tfmc chooses the
 * backend itself and reports it, so the advice is suppressed (it is an instance flag).
 */
function quietCpuAdvice(): void {
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if (typeof backend.firstUse === 'boolean') backend.firstUse = false;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

/** `preferred` when given; else the backend already in use (an earlier compile chose it), else the fastest that loads. */
export async function chooseBackend(preferred: BackendName | undefined): Promise<BackendName> {
  if (preferred !== undefined) return selectBackend(preferred);
  const active = (tf.engine() as unknown as { backendName: string | null }).backendName;
  return ourName(active) ?? selectBackend();
}
