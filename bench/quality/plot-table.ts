/**
 * bench/quality/plot-table — draw the accuracy-vs-labels plot of a table in quality.md's form,
 * e.g. one put together from invocations run in different sessions (`FRACTIONS=0.01,0.1` in one,
 * `FRACTIONS=1` in the next), whose trials no single runs/ folder holds any more:
 *
 *   pnpm exec tsx bench/quality/plot-table.ts table.md out.png   # also writes out.svg
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseQualityTable, renderQualityPlot } from './quality-report.js';

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined || !output.endsWith('.png')) {
  console.error('usage: tsx bench/quality/plot-table.ts <table.md> <out.png>   (the table in the form bench/quality writes quality.md)');
  process.exit(2);
}
try {
  const plot = await renderQualityPlot(parseQualityTable(await readFile(input, 'utf8'), input));
  await writeFile(output, plot.png);
  await writeFile(output.replace(/\.png$/, '.svg'), plot.svg);
  console.error(`wrote ${output} and its .svg`);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
