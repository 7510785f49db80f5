import { closestName, describeValue } from '@distillery/core';
import type { z } from 'zod';
import { unwrapSchema } from './unwrap-schema.js';

/** `student.hidden[1]` from ['student', 'hidden', 1]. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out === '' ? String(key) : `${out}.${String(key)}`), '');
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  return path.reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined), root);
}

/**
 * One line per problem, in the house style: `path: expected …, got …`. zod's own wording
 * ("Too small: expected number to be >0") is replaced for the common cases. With the schema, an
 * unknown key is matched against the keys its object takes: `unknown key "temprature" (did you
 * mean "temperature"?)`, and the "is required" line of the key it stands for is dropped (the
 * typo is the one problem).
 */
export function formatConfigIssues(issues: readonly z.core.$ZodIssue[], input: unknown, schema?: z.ZodType): string[] {
  const meant = schema === undefined ? new Map<string, string>() : typoSuggestions(issues, input, schema);
  const explained = new Set([...meant].map(([typo, key]) => [...(JSON.parse(typo) as string[]).slice(0, -1), key].join('\0')));
  const kept = issues.filter((issue) => !(issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined && explained.has(issue.path.map(String).join('\0'))));
  return kept.map((issue) => {
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
      case 'unrecognized_keys': {
        const suggestions = issue.keys.map((k) => meant.get(JSON.stringify([...issue.path.map(String), k])));
        // No key it looks like: the keys the object takes, so the right one can be found.
        const known = suggestions.some((k) => k !== undefined) || schema === undefined ? undefined : objectKeysAt(schema, issue.path, input);
        return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys
          .map((k, i) => `${JSON.stringify(k)}${suggestions[i] === undefined ? '' : ` (did you mean ${JSON.stringify(suggestions[i])}?)`}`)
          .join(', ')}${known === undefined ? '' : `; it takes ${known.join(', ')}`}`;
      }
      case 'invalid_union':
        return `${where}: ${issue.message}, got ${got}`;
      default:
        return `${where}: ${issue.message}`;
    }
  });
}

/**
 * For each unknown key (by its path as JSON), the closest key its object takes that the
 * input does not already set — the key a typo most likely stands for.
 */
function typoSuggestions(issues: readonly z.core.$ZodIssue[], input: unknown, schema: z.ZodType): Map<string, string> {
  const out = new Map<string, string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const known = objectKeysAt(schema, issue.path, input);
    if (known === undefined) continue;
    const value = valueAt(input, issue.path);
    const given = value !== null && typeof value === 'object' ? Object.keys(value) : [];
    const unset = known.filter((k) => !given.includes(k));
    for (const typo of issue.keys) {
      const key = closestName(typo, unset);
      if (key !== undefined) out.set(JSON.stringify([...issue.path.map(String), typo]), key);
    }
  }
  return out;
}

type SchemaNode = { def: { type: string; options?: z.ZodType[]; discriminator?: string; values?: unknown[] }; shape?: Record<string, z.ZodType>; element?: z.ZodType };

/**
 * The keys the object schema at `path` takes; undefined where the path leaves objects and lists.
 * Through a discriminated union (`pruner: { kind: asha, … }`), the branch the input's
 * discriminator names.
 */
function objectKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>, input: unknown): string[] | undefined {
  const branch = (node: SchemaNode, at: ReadonlyArray<PropertyKey>): SchemaNode => {
    const { options, discriminator } = node.def;
    if (node.def.type !== 'union' || options === undefined || discriminator === undefined) return node;
    const value = (valueAt(input, at) as Record<string, unknown> | undefined)?.[discriminator];
    const literal = (o: SchemaNode) => (o.shape?.[discriminator] === undefined ? undefined : (unwrapSchema(o.shape[discriminator]) as unknown as SchemaNode));
    const match = options.map((o) => unwrapSchema(o) as unknown as SchemaNode).find((o) => literal(o)?.def.values?.includes(value) === true);
    return match ?? node;
  };
  let node = branch(unwrapSchema(schema) as unknown as SchemaNode, []);
  for (const [i, key] of path.entries()) {
    const next = node.def.type === 'object' ? node.shape![String(key)] : node.def.type === 'array' ? node.element : undefined;
    if (next === undefined) return undefined;
    node = branch(unwrapSchema(next) as unknown as SchemaNode, path.slice(0, i + 1));
  }
  return node.def.type === 'object' ? Object.keys(node.shape!) : undefined;
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
