import type { DistillProgress } from '@distillery/runner';

/** Plain progress lines (one per epoch and phase): readable in a terminal, a pipe or CI logs. */
export function createProgressPrinter(write: (line: string) => void): (event: DistillProgress) => void {
  return (event) => {
    if (event.type === 'phase:start') write(`[${event.phase}] started`);
    else if (event.type === 'phase:end') write(`[${event.phase}] done in ${(event.elapsedMs / 1000).toFixed(1)}s`);
    else {
      const r = event.record;
      const losses = Object.entries(r.losses)
        .map(([name, value]) => `${name} ${value.toFixed(4)}`)
        .join(' · ');
      write(`[${event.phase}] epoch ${r.epoch + 1}/${event.epochs} · ${losses} · ${(r.elapsedMs / 1000).toFixed(1)}s`);
    }
  };
}
