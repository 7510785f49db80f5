import { describeValue } from '@distillery/core';
import type { z } from 'zod';

/** `student.hidden[1]` from ['student', 'hidden', 1]. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out === '' ? String(key) : `${out}.${String(key)}`), '');
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  return path.reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined), root);
}

/**
 * One line per problem, in the house style: `path: expected …, got …`. zod's own wording
 * ("Too small: expected number to be >0") is replaced for the common cases.
 */
export function formatConfigIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  return issues.map((issue) => {
    const path = formatPath(issue.path);
    const got = describeValue(valueAt(input, issue.path));
    const where = path === '' ? 'config' : path;
    switch (issue.code) {
      case 'invalid_type':
        return valueAt(input, issue.path) === undefined ? `${where}: is required (expected ${article(issue.expected)})` : `${where}: expected ${article(issue.expected)}, got ${got}`;
      case 'too_small':
        return `${where}: expected ${bound(issue.origin, issue.inclusive ? '≥' : '>', issue.minimum)}, got ${got}`;
      case 'too_big':
        return `${where}: expected ${bound(issue.origin, issue.inclusive ? '≤' : '<', issue.maximum)}, got ${got}`;
      case 'invalid_value':
        return `${where}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
      case 'unrecognized_keys':
        return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
      case 'invalid_union':
        return `${where}: ${issue.message}, got ${got}`;
      default:
        return `${where}: ${issue.message}`;
    }
  });
}

function article(type: string): string {
  if (type === 'int') return 'an integer';
  if (type === 'array' || type === 'object') return `an ${type}`;
  return `a ${type}`;
}

function bound(origin: string, relation: string, limit: number | bigint): string {
  if (origin === 'array') return `a list of ${relation.replace('≥', 'at least').replace('≤', 'at most')} ${limit} item(s)`;
  if (origin === 'string') return `text of length ${relation} ${limit}`;
  return `a number ${relation} ${limit}`;
}
