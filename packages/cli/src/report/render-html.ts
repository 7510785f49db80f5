import type { ReportBlock } from './report-document.js';

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Plain text with `code` spans, as the markdown has it. */
const inline = (text: string) => escapeHtml(text).split('`').map((part, i) => (i % 2 === 1 ? `<code>${part}</code>` : part)).join('');

/**
 * An SVG inside HTML needs no namespace declarations (the parser puts it in the SVG namespace),
 * and without them the page holds no URL at all: it opens offline, from any folder.
 */
const inlineSvg = (svg: string) => svg.replace(/\s+xmlns(:xlink)?="[^"]*"/g, '');

const STYLE = `
body { font-family: "DejaVu Sans", Verdana, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; } th { background: #f3f3f3; }
td.right, th.right { text-align: right; font-variant-numeric: tabular-nums; }
.note { border-left: 4px solid #e4572e; background: #fff4ef; padding: 0.6em 1em; }
figure { margin: 1em 0; overflow-x: auto; } figcaption { color: #555; font-size: 0.9em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; } code { font-size: 0.92em; }
`;

/** report.html: one file, the plots inline as SVG, no external reference of any kind. */
export function renderHtml(title: string, blocks: readonly ReportBlock[], svgs: ReadonlyMap<string, string>): string {
  const body = blocks.map((block): string => {
    switch (block.kind) {
      case 'heading':
        return `<h${block.level}>${inline(block.text)}</h${block.level}>`;
      case 'paragraph':
        return `<p>${inline(block.text)}</p>`;
      case 'note':
        return `<p class="note"><strong>Note:</strong> ${inline(block.text)}</p>`;
      case 'table': {
        const cls = (i: number) => (block.align?.[i] === 'right' ? ' class="right"' : '');
        const head = block.header.map((h, i) => `<th${cls(i)}>${inline(h)}</th>`).join('');
        const rows = block.rows.map((row) => `<tr>${row.map((c, i) => `<td${cls(i)}>${inline(c)}</td>`).join('')}</tr>`);
        return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
      }
      case 'plot': {
        const svg = svgs.get(block.plot.name);
        if (svg === undefined) throw new Error(`plot ${block.plot.name} was not rendered`);
        return `<figure>\n${inlineSvg(svg)}\n<figcaption>${inline(block.plot.caption)}</figcaption>\n</figure>`;
      }
      case 'code':
        return `<pre><code>${escapeHtml(block.text)}</code></pre>`;
    }
  });
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
