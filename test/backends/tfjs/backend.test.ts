/** Backend selection: node when it loads, else native, else wasm, else cpu; unavailable choices are clear errors. */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, currentBackend, selectBackend, type BackendName } from '../../../src/tfjs.js';

function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

describe('selectBackend', () => {
  it('selects cpu on request and reports it', async () => {
    expect(await selectBackend('cpu')).toBe('cpu');
    expect(currentBackend()).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('selects wasm from the installed package, with no network', async () => {
    expect(await selectBackend('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()[0]);
    expect(y).toBe(11);
  });

  it.skipIf(installed('@tensorflow/tfjs-node'))('asking for node without tfjs-node is a clear error', async () => {
    const err = await selectBackend('node').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as BackendUnavailableError).backend).toBe('node');
    expect((err as Error).message).toContain('the tfjs backend `node` is not available: @tensorflow/tfjs-node could not be loaded');
  });

  it('an unknown name is a clear error', async () => {
    await expect(selectBackend('gpu' as BackendName)).rejects.toThrow('the tfjs backend `gpu` is not available: unknown backend; choose one of node, native, wasm, cpu');
  });

  it('without a preference, picks the fastest that loads', async () => {
    const name = await selectBackend();
    // `npm test` builds the native addon (scripts/system-packages.sh installs its compiler and BLAS).
    expect(name).toBe(installed('@tensorflow/tfjs-node') ? 'node' : 'native');
    expect(currentBackend()).toBe(name);
  });
});
