import type { TopLevelSpec } from 'vega-lite';
import { FONT_FAMILY } from './bundled-font.js';

/**
 * The settings every plot shares. Layout is measured with the bundled font, so the SVG asks
 * for it first; Verdana, the nearest common font in width, stands in where it is missing.
 */
export function plotSpec(spec: Record<string, unknown>): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    padding: 12,
    background: 'white',
    config: { font: `${FONT_FAMILY}, Verdana, sans-serif` },
    ...spec,
  } as TopLevelSpec;
}
