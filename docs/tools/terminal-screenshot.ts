/**
 * A PNG of a captured terminal screen, for the docs:
 *
 *   tmux capture-pane -e -p -t SESSION > screen.ansi
 *   pnpm tsx docs/tools/terminal-screenshot.ts screen.ansi docs/images/NAME.png "title bar text"
 *
 * The ANSI text becomes an HTML page (ansi-to-html.ts), which headless Chromium screenshots; the
 * window is sized to the page, measured first in the same browser.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { terminalPage } from './ansi-to-html.js';

const [input, output, title = 'terminal'] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  console.error('usage: terminal-screenshot.ts SCREEN.ansi OUT.png [TITLE]');
  process.exit(2);
}
const chromium = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'terminal-shot-'));
try {
  const page = join(dir, 'screen.html');
  writeFileSync(page, terminalPage(readFileSync(input, 'utf8'), title));
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--user-data-dir=${join(dir, 'profile')}`];
  // The window's size: the page's own script writes it into the title, which --dump-dom shows.
  writeFileSync(join(dir, 'measure.html'), `${readFileSync(page, 'utf8')}<script>const r=document.querySelector('.window').getBoundingClientRect();document.title=Math.ceil(r.width)+'x'+Math.ceil(r.height)</script>`);
  const dom = execFileSync(chromium, [...flags, '--dump-dom', `file://${join(dir, 'measure.html')}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [, width, height] = /<title>(\d+)x(\d+)<\/title>/.exec(dom) ?? [];
  if (width === undefined || height === undefined) throw new Error('could not measure the page in Chromium');
  // 1.5 × the CSS size: sharp on high-density screens, and a full screen of text stays under 200 KB.
  execFileSync(chromium, [...flags, '--force-device-scale-factor=1.5', `--window-size=${width},${height}`, `--screenshot=${resolve(output)}`, `file://${page}`], { stdio: 'ignore' });
  console.log(`${output}: ${width} × ${height}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
