import type { TopLevelSpec } from 'vega-lite';

/**
 * A report as a list of blocks, rendered once to markdown and once to HTML, so the two files
 * always say the same thing.
 */
export type ReportBlock =
  | { readonly kind: 'heading'; readonly level: 1 | 2; readonly text: string }
  | { readonly kind: 'paragraph'; readonly text: string }
  /** Something the reader must not miss (an interrupted sweep, failed trials). */
  | { readonly kind: 'note'; readonly text: string }
  | { readonly kind: 'table'; readonly header: readonly string[]; readonly rows: readonly (readonly string[])[]; readonly align?: readonly ('left' | 'right')[] }
  | { readonly kind: 'plot'; readonly plot: PlotRequest }
  | { readonly kind: 'code'; readonly language: string; readonly text: string };

/** A plot to draw: written as plots/<name>.svg and plots/<name>.png. */
export interface PlotRequest {
  /** File name without extension (kebab-case). */
  readonly name: string;
  /** Alt text in markdown, caption in HTML. */
  readonly caption: string;
  readonly spec: TopLevelSpec;
}
