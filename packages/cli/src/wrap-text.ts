/**
 * `text` broken at spaces into lines of at most `width` characters (a word longer than that
 * stays whole on its own line); each line's continuation indented two spaces past the line's own indent. Without a
 * width (not a terminal) the text is returned as it is.
 */
export function wrapToWidth(text: string, width: number | undefined): string {
  if (width === undefined || width < 20) return text;
  return text
    .split('\n')
    .map((line) => {
      if ([...line].length <= width) return line;
      // An indented line (a list item) keeps its indent, and its continuation goes two further in.
      const indent = /^ */.exec(line)![0];
      const out: string[] = [];
      let current = indent;
      for (const word of line.slice(indent.length).split(' ')) {
        const candidate = current.trim() === '' ? `${current}${word}` : `${current} ${word}`;
        if ([...candidate].length <= width || current.trim() === '') current = candidate;
        else {
          out.push(current);
          current = `${indent}  ${word}`;
        }
      }
      out.push(current);
      return out.join('\n');
    })
    .join('\n');
}

/**
 * The columns of the terminal `stream` is, if it says: a pseudo-terminal without a size
 * (script(1) run from a pipe) reports 0, which is unknown, not none.
 */
export function terminalColumns(stream: NodeJS.WritableStream): number | undefined {
  const { isTTY, columns } = stream as { isTTY?: boolean; columns?: number };
  return isTTY === true && columns !== undefined && columns > 0 ? columns : undefined;
}
