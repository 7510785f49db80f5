/**
 * A terminal screen as HTML, for the docs' screenshots: `tmux capture-pane -e -p` text (SGR
 * colour and weight escapes; every other escape is dropped) becomes one <pre> of styled spans.
 */

/** xterm's default 16 colours: 0–7 normal, 8–15 bright. */
const PALETTE = [
  '#000000', '#cd3131', '#0dbc79', '#e5e510', '#2472c8', '#bc3fbc', '#11a8cd', '#e5e5e5',
  '#666666', '#f14c4c', '#23d18b', '#f5f543', '#3b8eea', '#d670d6', '#29b8db', '#ffffff',
];

export const SCREEN = { background: '#1e1e1e', foreground: '#d4d4d4' } as const;

interface Style {
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

/** Colour n of the 256-colour cube: 16 basic, 6 × 6 × 6 cube, 24 greys. */
function color256(n: number): string {
  if (n < 16) return PALETTE[n]!;
  if (n >= 232) {
    const v = 8 + 10 * (n - 232);
    return rgb(v, v, v);
  }
  const i = n - 16;
  const level = (k: number) => (k === 0 ? 0 : 55 + 40 * k);
  return rgb(level(Math.floor(i / 36)), level(Math.floor(i / 6) % 6), level(i % 6));
}
const rgb = (r: number, g: number, b: number) => `#${[r, g, b].map((v) => Math.max(0, Math.min(255, v)).toString(16).padStart(2, '0')).join('')}`;

/** Applies one SGR parameter list (`1;32`, `38;5;208`, `0`) to a style. */
function applySgr(style: Style, params: number[]): Style {
  let next: Style = { ...style };
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    if (p === 0) next = {};
    else if (p === 1) next.bold = true;
    else if (p === 2) next.dim = true;
    else if (p === 3) next.italic = true;
    else if (p === 4) next.underline = true;
    else if (p === 7) next.inverse = true;
    else if (p === 22) {
      delete next.bold;
      delete next.dim;
    }
    else if (p === 23) delete next.italic;
    else if (p === 24) delete next.underline;
    else if (p === 27) delete next.inverse;
    else if (p >= 30 && p <= 37) next.fg = PALETTE[p - 30]!;
    else if (p >= 90 && p <= 97) next.fg = PALETTE[p - 90 + 8]!;
    else if (p >= 40 && p <= 47) next.bg = PALETTE[p - 40]!;
    else if (p >= 100 && p <= 107) next.bg = PALETTE[p - 100 + 8]!;
    else if (p === 39) delete next.fg;
    else if (p === 49) delete next.bg;
    else if (p === 38 || p === 48) {
      const key = p === 38 ? 'fg' : 'bg';
      if (params[i + 1] === 5 && params[i + 2] !== undefined) {
        next[key] = color256(params[i + 2]!);
        i += 2;
      } else if (params[i + 1] === 2 && params[i + 4] !== undefined) {
        next[key] = rgb(params[i + 2]!, params[i + 3]!, params[i + 4]!);
        i += 4;
      }
    }
  }
  return next;
}

function css(style: Style): string {
  let fg = style.fg;
  let bg = style.bg;
  if (style.inverse) [fg, bg] = [bg ?? SCREEN.background, fg ?? SCREEN.foreground];
  return [
    fg === undefined ? '' : `color:${fg}`,
    bg === undefined ? '' : `background:${bg}`,
    style.bold ? 'font-weight:bold' : '',
    style.dim ? 'opacity:0.6' : '',
    style.italic ? 'font-style:italic' : '',
    style.underline ? 'text-decoration:underline' : '',
  ]
    .filter(Boolean)
    .join(';');
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** ESC [ params m (colours), or any other CSI / OSC / two-character escape (dropped). */
// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b\[([0-9;]*)m|\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** The styled spans of an ANSI text, trailing blank lines dropped. */
export function ansiToSpans(ansi: string): string {
  const text = ansi.replace(/\r/g, '').replace(/\s+$/, '');
  let style: Style = {};
  let out = '';
  let last = 0;
  const emit = (chunk: string) => {
    if (chunk === '') return;
    const rule = css(style);
    out += rule === '' ? escapeHtml(chunk) : `<span style="${rule}">${escapeHtml(chunk)}</span>`;
  };
  for (const match of text.matchAll(ESCAPE)) {
    emit(text.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[1] !== undefined) style = applySgr(style, match[1] === '' ? [0] : match[1].split(';').map((p) => (p === '' ? 0 : Number(p))));
  }
  emit(text.slice(last));
  return out;
}

/** A whole page: the screen in a dark window with a title bar, sized to its text. */
export function terminalPage(ansi: string, title: string): string {
  return `<!doctype html><meta charset="utf-8"><style>
html,body{margin:0;background:#ffffff}
.window{display:inline-block;margin:0;border-radius:8px;overflow:hidden;background:${SCREEN.background};box-shadow:0 0 0 1px #999}
.bar{background:#3c3c3c;color:#cccccc;font:13px 'DejaVu Sans',sans-serif;padding:6px 12px}
pre{margin:0;padding:10px 14px;color:${SCREEN.foreground};font:14px/1.15 'DejaVu Sans Mono',monospace;font-variant-ligatures:none;-webkit-font-smoothing:none}
</style><div class="window"><div class="bar">${escapeHtml(title)}</div><pre>${ansiToSpans(ansi)}</pre></div>`;
}
