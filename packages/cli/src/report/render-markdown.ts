import type { ReportBlock } from './report-document.js';

/** A pipe inside a cell would end it; a line break would end the row. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** report.md: plots are linked as PNGs, which every markdown viewer shows. */
export function renderMarkdown(blocks: readonly ReportBlock[]): string {
  const parts = blocks.map((block): string => {
    switch (block.kind) {
      case 'heading':
        return `${'#'.repeat(block.level)} ${block.text}`;
      case 'paragraph':
        return block.text;
      case 'note':
        return `> **Note:** ${block.text}`;
      case 'table': {
        const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
        const rule = block.header.map((_, i) => (block.align?.[i] === 'right' ? '---:' : '---'));
        return [line(block.header), line(rule), ...block.rows.map(line)].join('\n');
      }
      case 'plot':
        return `![${block.plot.caption}](plots/${block.plot.name}.png)\n\n[SVG](plots/${block.plot.name}.svg)`;
      case 'code':
        return `\`\`\`${block.language}\n${block.text}\n\`\`\``;
    }
  });
  return `${parts.join('\n\n')}\n`;
}
