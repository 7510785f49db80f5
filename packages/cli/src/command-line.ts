import { MODEL_JSON } from '@distillery/core';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** A path or value as a shell word: as it is when it is plain, else single-quoted. */
export const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** `path` relative to `from` when it is below it, else as it is. */
export function pathBelow(path: string, from: string): string {
  const near = relative(from, path);
  return near === '' || near.startsWith('..') ? path : near;
}

/** A path as the command line a person copies names it: relative to here when it is below here. */
export const pathForCommand = (path: string) => shellWord(pathBelow(path, process.cwd()));

/**
 * `--teacher DIR` for the command a person runs next, so that it uses this command's teacher:
 * the one given with --teacher, or the one trained and saved in `directory`/teacher (loaded,
 * not trained again). None when the config's teacher was loaded, not trained.
 */
export function teacherFlagFor(teacherFlag: string | undefined, directory: string): string[] {
  const trained = join(directory, 'teacher');
  const teacher = teacherFlag !== undefined ? resolve(teacherFlag) : existsSync(join(trained, MODEL_JSON)) ? trained : undefined;
  return teacher === undefined ? [] : ['--teacher', pathForCommand(teacher)];
}
