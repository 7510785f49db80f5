import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND_ENV_VARIABLE, resolveBackendName, setupBackend, wasmKernelsInstalled } from '../src/index.js';

describe('setupBackend', () => {
  afterEach(() => {
    delete process.env[BACKEND_ENV_VARIABLE];
  });

  it('uses wasm by default, with Distillery kernels installed', async () => {
    const info = await setupBackend();
    expect(info).toMatchObject({ name: 'wasm', requested: 'wasm' });
    expect(typeof info.native.active).toBe('boolean');
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmKernelsInstalled()).toBe(true);
  });

  it('takes the backend from DISTILLERY_BACKEND, the option winning over it', async () => {
    process.env[BACKEND_ENV_VARIABLE] = 'cpu';
    expect((await setupBackend()).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await setupBackend({ backend: 'wasm' })).name).toBe('wasm');
  });

  it('rejects an unknown name, naming where it came from and the valid names', async () => {
    await expect(setupBackend({ backend: 'webgpu' })).rejects.toMatchObject({
      code: 'E_BACKEND',
      message: 'backend: unknown backend "webgpu"; expected one of wasm, cpu, tensorflow',
    });
    process.env[BACKEND_ENV_VARIABLE] = 'gpu';
    expect(() => resolveBackendName()).toThrow(/DISTILLERY_BACKEND: unknown backend "gpu"/);
  });

  it('says how to install tfjs-node when it is asked for and missing, or falls back to cpu', async () => {
    await expect(setupBackend({ backend: 'tensorflow', fallbackToCpu: false })).rejects.toThrow(
      /@tensorflow\/tfjs-node is not installed.*pnpm add @tensorflow\/tfjs-node/,
    );
    const info = await setupBackend({ backend: 'tensorflow' });
    expect(info.name).toBe('cpu');
    expect(info.requested).toBe('tensorflow');
    expect(info.fallbackReason).toMatch(/tfjs-node is not installed/);
  });
});
