/**
 * bench/kernels — time per call of tfjs-backend-wasm's stock kernels vs Distillery's, measured
 * side by side in one run (rounds alternate between the two, so machine noise hits both alike).
 *
 *   pnpm bench:kernels            # ~1 minute on 2 cores
 */
import { installWasmKernels, setupBackend, tf, uninstallWasmKernels } from '@distillery/core';

interface Case {
  readonly kernel: string;
  readonly label: string;
  readonly inputs: Record<string, number[]>;
  readonly attrs: Record<string, unknown>;
}

const CASES: Case[] = [
  { kernel: 'BatchMatMul', label: 'dense dW: xᵀ·dy, 128×784 · 128×1200 (transposeA)', inputs: { a: [1, 128, 784], b: [1, 128, 1200] }, attrs: { transposeA: true, transposeB: false } },
  { kernel: 'BatchMatMul', label: 'dense dx: dy·Wᵀ, 128×1200 · 784×1200 (transposeB)', inputs: { a: [1, 128, 1200], b: [1, 784, 1200] }, attrs: { transposeA: false, transposeB: true } },
  { kernel: 'BatchMatMul', label: 'dense dW: 128×1200ᵀ · 128×1200 (transposeA)', inputs: { a: [1, 128, 1200], b: [1, 128, 1200] }, attrs: { transposeA: true, transposeB: false } },
  { kernel: 'Conv2DBackpropInput', label: 'conv 3×3 32→64 on 14×14, batch 64', inputs: { dy: [64, 14, 14, 64], filter: [3, 3, 32, 64] }, attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [64, 14, 14, 32] } },
  { kernel: 'Conv2DBackpropInput', label: 'conv 3×3 16→32 on 28×28 stride 2, batch 64', inputs: { dy: [64, 14, 14, 32], filter: [3, 3, 16, 32] }, attrs: { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [64, 28, 28, 16] } },
  { kernel: 'Conv2DBackpropFilter', label: 'conv 3×3 1→32 on 28×28, batch 64', inputs: { x: [64, 28, 28, 1], dy: [64, 28, 28, 32] }, attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 1, 32] } },
  { kernel: 'Conv2DBackpropFilter', label: 'conv 3×3 32→64 on 14×14, batch 64', inputs: { x: [64, 14, 14, 32], dy: [64, 14, 14, 64] }, attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 32, 64] } },
];

const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
const CALLS_PER_ROUND = Number(process.env['CALLS'] ?? 4);

/** Median ms per call over rounds; each round runs CALLS_PER_ROUND calls and reads the result. */
async function timeRound(c: Case, tensors: Record<string, tf.Tensor>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < CALLS_PER_ROUND; i++) {
    const out = tf.engine().runKernel(c.kernel, tensors, c.attrs as tf.NamedAttrMap) as tf.Tensor;
    await out.data();
    out.dispose();
  }
  return (performance.now() - started) / CALLS_PER_ROUND;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  await setupBackend({ backend: 'wasm', fallbackToCpu: false });
  console.log(`bench/kernels: ${ROUNDS} alternating rounds × ${CALLS_PER_ROUND} calls, median ms per call\n`);
  console.log(`${'kernel'.padEnd(22)}${'case'.padEnd(52)}${'stock wasm'.padStart(12)}${'distillery'.padStart(12)}${'speed-up'.padStart(10)}`);
  for (const c of CASES) {
    const tensors = Object.fromEntries(Object.entries(c.inputs).map(([k, shape], i) => [k, tf.randomNormal(shape, 0, 1, 'float32', i + 1)]));
    const stockTimes: number[] = [];
    const oursTimes: number[] = [];
    let stockNote = '';
    for (let round = 0; round < ROUNDS + 1; round++) {
      uninstallWasmKernels();
      let stock: number | undefined;
      try {
        stock = await timeRound(c, tensors);
      } catch {
        stockNote = 'missing';
      }
      installWasmKernels();
      const ours = await timeRound(c, tensors);
      if (round === 0) continue; // warm-up round
      if (stock !== undefined) stockTimes.push(stock);
      oursTimes.push(ours);
    }
    const ours = median(oursTimes);
    const stock = stockTimes.length > 0 ? median(stockTimes) : undefined;
    const stockText = stock === undefined ? stockNote || 'n/a' : stock.toFixed(2);
    const ratio = stock === undefined ? '—' : `${(stock / ours).toFixed(1)}×`;
    console.log(`${c.kernel.padEnd(22)}${c.label.padEnd(52)}${stockText.padStart(12)}${ours.toFixed(2).padStart(12)}${ratio.padStart(10)}`);
    if (stock === undefined) {
      // No stock wasm kernel to compare with: show the cpu backend's time for scale.
      const cpuTimes: number[] = [];
      await setupBackend({ backend: 'cpu' });
      const cpuTensors = Object.fromEntries(Object.entries(c.inputs).map(([k, shape], i) => [k, tf.randomNormal(shape, 0, 1, 'float32', i + 1)]));
      cpuTimes.push(await timeRound(c, cpuTensors)); // one round: the cpu kernel takes seconds per call
      tf.dispose(Object.values(cpuTensors));
      await setupBackend({ backend: 'wasm' });
      const cpu = median(cpuTimes);
      console.log(`${''.padEnd(22)}${'  (stock wasm throws; cpu backend for scale)'.padEnd(52)}${`cpu ${cpu.toFixed(2)}`.padStart(12)}${ours.toFixed(2).padStart(12)}${`${(cpu / ours).toFixed(1)}×`.padStart(10)}`);
    }
    tf.dispose(Object.values(tensors));
  }
}

await main();
