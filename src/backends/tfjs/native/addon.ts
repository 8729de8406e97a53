/**
 * Loading the native backend's addon (`native/` at the package root, built by
 * `npm run build:native`): a batched sgemm over a system BLAS that works in place on the wasm
 * backend's heap. Loading it is the only thing that can make `--backend native` unavailable, and
 * the reason is said in one line with what to install.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon's functions (native/src/addon.cc). Offsets count floats from the start of `heap`. */
export interface NativeAddon {
  gemm(
    heap: ArrayBuffer,
    aOffsets: Uint32Array,
    bOffsets: Uint32Array,
    cOffset: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    biasOffset: number,
    biasSize: number,
    activation: number,
    preluOffset: number,
    preluSize: number,
    alpha: number,
  ): void;
  /** BLAS threads (0 when the BLAS does not say). */
  threads(): number;
  setThreads(n: number): void;
  /** The BLAS and its configuration, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... MAX_THREADS=64". */
  blas(): string;
}

/** Where the build puts the addon: the same path from `src/backends/tfjs/native/` and `dist/backends/tfjs/native/`. */
export const ADDON_PATH = fileURLToPath(new URL('../../../../native/build/Release/tfmc_native.node', import.meta.url));

export const INSTALL_HINT =
  'install a C++ compiler and OpenBLAS (Debian/Ubuntu: apt-get install build-essential libopenblas-dev python3; macOS: Xcode command line tools), then run `npm run build:native` in the tfmc package';

let loaded: NativeAddon | undefined;

/** The addon, loaded once. Throws an Error whose message is one line: why it cannot load and what to install. */
export function loadAddon(): NativeAddon {
  if (loaded) return loaded;
  if (!existsSync(ADDON_PATH)) throw new Error(`its addon is not built (no ${ADDON_PATH}): ${INSTALL_HINT}`);
  try {
    loaded = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new Error(`its addon could not be loaded (${first}): ${INSTALL_HINT}`);
  }
  return loaded;
}
