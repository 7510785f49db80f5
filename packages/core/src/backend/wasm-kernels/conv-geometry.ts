import * as tf from '@tensorflow/tfjs';
import { DistilleryError } from '../../errors.js';

/** The shape facts of a 2-D convolution that im2col / col2im need (NHWC, no dilation). */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

export function convGeometry(
  kernelName: string,
  inputShape: number[],
  filterShape: number[],
  attrs: Record<string, unknown>,
): ConvGeometry {
  const dataFormat = (attrs['dataFormat'] as string | undefined) ?? 'NHWC';
  if (dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new DistilleryError(
      'E_KERNEL',
      `${kernelName} on wasm supports NHWC (channels-last) data only, got dataFormat ${dataFormat}`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs['strides'] as [number, number] | number,
    1,
    attrs['pad'] as 'valid' | 'same' | number,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/**
 * im2col for examples [b0, b1): row n = (b, oh, ow) holds the receptive field of that output
 * position, laid out (kh, kw, c) like the filter's first three axes; padding reads as zero.
 */
export function im2col(g: ConvGeometry, x: Float32Array, b0: number, b1: number, cols: Float32Array): void {
  const { inHeight, inWidth, inChannels: c, filterHeight, filterWidth } = g;
  const rowWidth = filterHeight * filterWidth * c;
  let row = 0;
  for (let b = b0; b < b1; b++) {
    const xBatch = b * inHeight * inWidth * c;
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++, row++) {
        let dst = row * rowWidth;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * g.strideHeight - g.padTop + kh;
          for (let kw = 0; kw < filterWidth; kw++, dst += c) {
            const iw = ow * g.strideWidth - g.padLeft + kw;
            if (ih < 0 || ih >= inHeight || iw < 0 || iw >= inWidth) {
              cols.fill(0, dst, dst + c);
            } else {
              const src = xBatch + (ih * inWidth + iw) * c;
              if (c === 1) cols[dst] = x[src]!;
              else cols.set(x.subarray(src, src + c), dst);
            }
          }
        }
      }
    }
  }
}

/**
 * col2im: the adjoint of im2col; adds each row back onto the input positions it came from.
 * Same traversal as im2col, kept as its own loop nest: a per-element callback costs ~2× here.
 */
export function col2imAdd(g: ConvGeometry, cols: Float32Array, b0: number, b1: number, dx: Float32Array): void {
  const { inHeight, inWidth, inChannels: c, filterHeight, filterWidth } = g;
  const rowWidth = filterHeight * filterWidth * c;
  let row = 0;
  for (let b = b0; b < b1; b++) {
    const xBatch = b * inHeight * inWidth * c;
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++, row++) {
        let src = row * rowWidth;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * g.strideHeight - g.padTop + kh;
          for (let kw = 0; kw < filterWidth; kw++, src += c) {
            const iw = ow * g.strideWidth - g.padLeft + kw;
            if (ih < 0 || ih >= inHeight || iw < 0 || iw >= inWidth) continue;
            const dst = xBatch + (ih * inWidth + iw) * c;
            for (let ch = 0; ch < c; ch++) dx[dst + ch]! += cols[src + ch]!;
          }
        }
      }
    }
  }
}
