import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** Decoded pixels: RGBA, 8 bits per channel, row-major. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

const startsWith = (bytes: Uint8Array, magic: number[]) => magic.every((b, i) => bytes[i] === b);

/**
 * PNG (pngjs) or JPEG (jpeg-js), recognised by content, not by file name: both decoders are pure
 * JavaScript, so nothing is downloaded or compiled at install. Throws the decoder's reason.
 */
export function decodeImage(bytes: Uint8Array): RgbaImage {
  if (startsWith(bytes, PNG_MAGIC)) {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, data: png.data };
  }
  if (startsWith(bytes, JPEG_MAGIC)) {
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    return { width: image.width, height: image.height, data: image.data };
  }
  throw new Error('neither a PNG nor a JPEG (unrecognised first bytes)');
}

/**
 * Resizes to height × width with bilinear interpolation at pixel centres (as
 * tf.image.resizeBilinear with halfPixelCenters) and writes `channels` values per pixel in
 * [0, 1] into `out` at `offset`: 3 = RGB, 1 = luma (ITU-R BT.601 weights). Alpha is ignored.
 */
export function resizeInto(image: RgbaImage, height: number, width: number, channels: 1 | 3, out: Float32Array, offset: number): void {
  const sy = image.height / height;
  const sx = image.width / width;
  const px = (x: number, y: number, c: number) => image.data[(y * image.width + x) * 4 + c]!;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), image.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, image.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), image.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, image.width - 1);
      const wx = fx - x0;
      const rgb = [0, 1, 2].map((c) => {
        const top = px(x0, y0, c) * (1 - wx) + px(x1, y0, c) * wx;
        const bottom = px(x0, y1, c) * (1 - wx) + px(x1, y1, c) * wx;
        return (top * (1 - wy) + bottom * wy) / 255;
      });
      const at = offset + (y * width + x) * channels;
      if (channels === 3) {
        out[at] = rgb[0]!;
        out[at + 1] = rgb[1]!;
        out[at + 2] = rgb[2]!;
      } else out[at] = 0.299 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]!;
    }
  }
}
