import type { Command } from 'commander';
import { existsSync } from 'node:fs';

/**
 * `run` is the default command, so commander reads `distillery swep my.yaml` as `run swep
 * my.yaml` and says "too many arguments for 'run'". A first word that is neither a command nor
 * a config file is named as an unknown command instead, with the nearest command's name.
 */
export function unknownCommandMessage(program: Command, args: readonly string[]): string | undefined {
  const first = args[0];
  if (first === undefined || first.startsWith('-')) return undefined;
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  if (names.includes(first) || first === 'help') return undefined;
  if (/\.(ya?ml|json)$/i.test(first) || existsSync(first)) return undefined; // a config for `run`
  const nearest = closest(first, names);
  return `unknown command '${first}'${nearest === undefined ? '' : ` (did you mean ${nearest}?)`}; commands: ${names.join(', ')}`;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(word, name);
    if (distance <= Math.max(1, Math.floor(name.length / 3)) && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}
