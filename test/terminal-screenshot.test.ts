import { describe, expect, it } from 'vitest';
import { ansiToSpans, terminalPage } from '../docs/tools/ansi-to-html.js';

// docs/tools/terminal-screenshot.ts draws the docs' terminal screenshots from tmux captures.
describe('ansiToSpans', () => {
  it('turns SGR colours and weight into styled spans and drops other escapes', () => {
    const ansi = '\x1b[1mbold\x1b[22m plain \x1b[32mgreen\x1b[39m \x1b[91;44mbright on blue\x1b[0m\x1b[2K\x1b[?25l end';
    expect(ansiToSpans(ansi)).toBe(
      '<span style="font-weight:bold">bold</span> plain <span style="color:#0dbc79">green</span> ' +
        '<span style="color:#f14c4c;background:#2472c8">bright on blue</span> end',
    );
  });

  it('reads 256-colour and true-colour escapes', () => {
    // 208: cube (5, 2, 0) = #ff8700; 244: grey 8 + 10·12 = 128.
    expect(ansiToSpans('\x1b[38;5;208ma\x1b[48;5;244mb\x1b[38;2;1;2;3mc')).toBe(
      '<span style="color:#ff8700">a</span><span style="color:#ff8700;background:#808080">b</span><span style="color:#010203;background:#808080">c</span>',
    );
  });

  it('escapes HTML and keeps the screen\'s lines and bar characters, trailing blank lines dropped', () => {
    expect(ansiToSpans(' trials  |███░░| 5/18 <done> & more\n\n\n')).toBe(' trials  |███░░| 5/18 &lt;done&gt; &amp; more');
  });

  it('makes one page with the screen in a titled window', () => {
    const page = terminalPage('x', 'pnpm distill sweep <config>');
    expect(page).toContain('<div class="bar">pnpm distill sweep &lt;config&gt;</div><pre>x</pre>');
  });
});
