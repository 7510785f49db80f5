import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import { renderPlot } from './render-plot.js';
import type { ReportData } from './report-data.js';
import type { ReportBlock } from './report-document.js';
import { runReportBlocks } from './run-report.js';
import { sweepReportBlocks } from './sweep-report.js';

/**
 * Writes a run's or a sweep's report into `directory`: report.md, a self-contained report.html
 * (plots inline), and each plot as plots/<name>.svg and plots/<name>.png. Returns the paths written.
 */
export async function writeReport(directory: string, data: ReportData): Promise<{ files: string[] }> {
  const blocks: ReportBlock[] = data.kind === 'run' ? runReportBlocks(data) : sweepReportBlocks(data);
  const plots = join(directory, 'plots');
  await mkdir(plots, { recursive: true });
  const files: string[] = [];
  const write = async (path: string, content: string | Buffer) => {
    await writeFile(path, content);
    files.push(path);
  };
  const svgs = new Map<string, string>();
  for (const block of blocks) {
    if (block.kind !== 'plot') continue;
    const { svg, png } = await renderPlot(block.plot.spec);
    svgs.set(block.plot.name, svg);
    await write(join(plots, `${block.plot.name}.svg`), svg);
    await write(join(plots, `${block.plot.name}.png`), png);
  }
  await write(join(directory, 'report.md'), renderMarkdown(blocks));
  await write(join(directory, 'report.html'), renderHtml(data.title, blocks, svgs));
  return { files };
}
