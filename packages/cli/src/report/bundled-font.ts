import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readTextWidth, type TextWidth } from './font-metrics.js';

/**
 * DejaVu Sans (Latin, Greek and math symbols; a subset, see assets/fonts/README.md) ships with
 * the package: resvg draws no text at all without a font, and a slim container or CI machine
 * may have none. Plots are laid out with this font's widths and drawn with it alone.
 */
export const FONT_FAMILY = 'DejaVu Sans';

const fontPath = (file: string) => fileURLToPath(new URL(`../../assets/fonts/${file}`, import.meta.url));
export const FONT_FILES = { regular: fontPath('DejaVuSans.ttf'), bold: fontPath('DejaVuSans-Bold.ttf') };

let widths: { regular: TextWidth; bold: TextWidth } | undefined;

/** Width in pixels of one line of text, as the bundled font draws it (without kerning). */
export function bundledTextWidth(text: string, fontSize: number, fontWeight: unknown): number {
  widths ??= { regular: readTextWidth(readFileSync(FONT_FILES.regular)), bold: readTextWidth(readFileSync(FONT_FILES.bold)) };
  const bold = fontWeight === 'bold' || fontWeight === 'bolder' || Number(fontWeight) >= 600;
  return (bold ? widths.bold : widths.regular)(text, fontSize);
}
