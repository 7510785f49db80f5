import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../src/index.js';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const folders: string[] = [];

/** A copy of the package (sources and build script, no build) in a temporary folder. */
function packageCopy(): string {
  const folder = mkdtempSync(join(tmpdir(), 'distillery-native-'));
  folders.push(folder);
  for (const part of ['src', 'addon', 'scripts', 'package.json']) cpSync(join(packageRoot, part), join(folder, part), { recursive: true });
  return folder;
}

function build(folder: string, env: Record<string, string>) {
  return spawnSync(process.execPath, [join(folder, 'scripts', 'build.mjs')], { encoding: 'utf8', env: { ...process.env, ...env } });
}

describe('the install-time build', () => {
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  it('never fails the install: without a compiler it records why, and the loader reports it', async () => {
    const folder = packageCopy();
    const result = build(folder, { CC: '', PATH: join(folder, 'no-such-bin') });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/not built \(no C compiler found.*\); Distillery runs on wasm/);
    expect(JSON.parse(readFileSync(join(folder, 'build', 'build-info.json'), 'utf8'))).toMatchObject({ built: false });
    const copy = (await import(join(folder, 'src', 'index.ts'))) as { loadNativeAddon: typeof loadNativeAddon };
    const loaded = copy.loadNativeAddon();
    expect(loaded).toEqual({ ok: false, reason: expect.stringMatching(/^not built \(no C compiler found/) as unknown });
  });

  it('without a BLAS (a compiler that cannot link one) it records why and installs anyway', async () => {
    const folder = packageCopy();
    // A cc that compiles but finds no BLAS library, as on a machine without libopenblas-dev.
    const cc = join(folder, 'cc-without-blas.sh');
    writeFileSync(cc, '#!/bin/sh\ncase "$*" in *-lopenblas*|*-lblis*|*-lcblas*) echo "ld: cannot find -lblas" >&2; exit 1;; esac\nexit 0\n');
    chmodSync(cc, 0o755);
    const result = build(folder, { CC: cc });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/not built \(no usable BLAS \(install libopenblas-dev, or libblis-dev\): openblas: ld: cannot find/);
    const copy = (await import(join(folder, 'src', 'index.ts'))) as { loadNativeAddon: typeof loadNativeAddon };
    expect(copy.loadNativeAddon()).toEqual({ ok: false, reason: expect.stringMatching(/^not built \(no usable BLAS/) as unknown });
  });

  it('DISTILLERY_NATIVE_BUILD=0 skips the build', () => {
    const folder = packageCopy();
    const result = build(folder, { DISTILLERY_NATIVE_BUILD: '0' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/not built \(DISTILLERY_NATIVE_BUILD=0 skipped the build\)/);
  });

  // Where this checkout's install built the addon, a fresh build of the copy must work too and pass its own check.
  it.skipIf(!loadNativeAddon().ok)('builds, checks and loads the addon where a compiler and a BLAS exist', async () => {
    const folder = packageCopy();
    const result = build(folder, {});
    expect(result.stdout).toMatch(/built with (openblas|blis|cblas|accelerate)/);
    const copy = (await import(join(folder, 'src', 'index.ts'))) as { loadNativeAddon: typeof loadNativeAddon };
    const loaded = copy.loadNativeAddon();
    if (!loaded.ok) throw new Error(loaded.reason);
    const heap = new Float32Array(16);
    heap.set([1, 2, 3, 4], 0); // A = [[1, 2], [3, 4]]
    heap.set([5, 6, 7, 8], 4); // B = [[5, 6], [7, 8]]
    // C = Aᵀ·B + bias [1, -1], relu
    heap.set([1, -100], 12);
    loaded.addon.gemm(heap.buffer, 1, 2, 2, 2, 1, 0, 0, 0, 16, 0, 32, 48, 1, 0);
    expect(Array.from(heap.subarray(8, 12))).toEqual([1 * 5 + 3 * 7 + 1, 0, 2 * 5 + 4 * 7 + 1, 0]);
  });

  it.skipIf(!loadNativeAddon().ok)('rejects a tensor outside the heap with a clear error instead of reading past it', () => {
    const loaded = loadNativeAddon();
    if (!loaded.ok) throw new Error(loaded.reason);
    const heap = new Float32Array(4);
    expect(() => loaded.addon.gemm(heap.buffer, 1, 2, 2, 2, 0, 0, 0, 0, 0, 0, 8, -1, 0, 0)).toThrow(/tensor outside the wasm heap/);
  });
});
