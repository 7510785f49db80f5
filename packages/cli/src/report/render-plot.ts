import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { FONT_FAMILY, FONT_FILES, bundledTextWidth } from './bundled-font.js';

/** PNGs are drawn at twice the SVG's size, sharp on high-density screens and in slides. */
const PNG_ZOOM = 2;

/** vega's hook for text measurement (public at run time, missing from its typings). */
interface TextMetrics {
  width: (item: { fontSize?: number; fontWeight?: unknown }, text: unknown) => number;
}
const textMetrics = (vega as unknown as { textMetrics: TextMetrics }).textMetrics;

/**
 * Without a canvas, vega guesses every character at 0.8 em, which pads plots with wide empty
 * margins; measuring with the font resvg draws with lays them out to fit their text.
 */
const measureWithBundledFont: TextMetrics['width'] = (item, text) =>
  bundledTextWidth(text == null ? '' : String(text).trim(), item.fontSize ?? 11, item.fontWeight);

/** Renders in progress: the first installs the measurement, the last puts vega's guess back. */
let rendering = 0;
let guess: TextMetrics['width'] | undefined;

export interface RenderedPlot {
  readonly svg: string;
  readonly png: Buffer;
}

/** vega-lite → vega → SVG (headless vega view) → PNG (resvg). */
export async function renderPlot(spec: TopLevelSpec): Promise<RenderedPlot> {
  if (rendering++ === 0) {
    guess = textMetrics.width;
    textMetrics.width = measureWithBundledFont;
  }
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return { svg, png: svgToPng(svg) };
  } finally {
    view.finalize();
    if (--rendering === 0) textMetrics.width = guess!;
  }
}

export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: PNG_ZOOM },
    // No system fonts: every machine draws the same PNG, with or without fonts installed.
    font: { loadSystemFonts: false, fontFiles: [FONT_FILES.regular, FONT_FILES.bold], defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
  return resvg.render().asPng();
}
