/**
 * Advance widths of a TrueType font, read from its own tables (head, hhea, hmtx, and a format-4
 * cmap): enough to measure a line of text the way resvg will draw it, less kerning.
 */
export type TextWidth = (text: string, fontSize: number) => number;

export function readTextWidth(font: Uint8Array): TextWidth {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tables = new Map<string, number>();
  for (let i = 0; i < view.getUint16(4); i++) {
    const record = 12 + 16 * i;
    tables.set(String.fromCharCode(...font.subarray(record, record + 4)), view.getUint32(record + 8));
  }
  const table = (tag: string) => {
    const offset = tables.get(tag);
    if (offset === undefined) throw new Error(`font has no ${tag} table`);
    return offset;
  };
  const unitsPerEm = view.getUint16(table('head') + 18);
  const longMetrics = view.getUint16(table('hhea') + 34);
  const hmtx = table('hmtx');
  // Glyphs past the last long metric share its advance (monospaced tails).
  const advance = (glyph: number) => view.getUint16(hmtx + 4 * Math.min(glyph, longMetrics - 1)) / unitsPerEm;

  const widths = new Map<number, number>();
  for (const [code, glyph] of cmapFormat4(view, table('cmap'))) widths.set(code, advance(glyph));
  const missing = advance(0);
  return (text, fontSize) => {
    let em = 0;
    for (const char of text) em += widths.get(char.codePointAt(0)!) ?? missing;
    return em * fontSize;
  };
}

/** Every (code point, glyph) pair of the font's Unicode BMP cmap subtable. */
function* cmapFormat4(view: DataView, cmap: number): Generator<[number, number]> {
  let subtable: number | undefined;
  for (let i = 0; i < view.getUint16(cmap + 2); i++) {
    const record = cmap + 4 + 8 * i;
    const platform = view.getUint16(record);
    const encoding = view.getUint16(record + 2);
    const offset = cmap + view.getUint32(record + 4);
    if ((platform === 3 && encoding === 1) || platform === 0) {
      if (view.getUint16(offset) === 4) subtable = offset;
    }
  }
  if (subtable === undefined) throw new Error('font has no format-4 Unicode cmap');
  const segments = view.getUint16(subtable + 6) / 2;
  const ends = subtable + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;
  for (let s = 0; s < segments; s++) {
    const start = view.getUint16(starts + 2 * s);
    const end = view.getUint16(ends + 2 * s);
    const delta = view.getUint16(deltas + 2 * s);
    const rangeOffset = view.getUint16(rangeOffsets + 2 * s);
    for (let code = start; code <= end && code !== 0xffff; code++) {
      let glyph: number;
      if (rangeOffset === 0) {
        glyph = (code + delta) & 0xffff;
      } else {
        const raw = view.getUint16(rangeOffsets + 2 * s + rangeOffset + 2 * (code - start));
        glyph = raw === 0 ? 0 : (raw + delta) & 0xffff;
      }
      if (glyph !== 0) yield [code, glyph];
    }
  }
}
