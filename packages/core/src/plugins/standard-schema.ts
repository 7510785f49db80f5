import { DistilleryError } from '../errors.js';

/**
 * The Standard Schema interface (standardschema.dev), which zod 4, valibot and arktype
 * implement: a plugin can declare its options with any of them, and core depends on none.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined }> };

export type InferSchemaOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : never;

/** Validates options against a schema; the error names the plugin, the option path and the problem. */
export function parseWithSchema<O>(schema: StandardSchemaV1<unknown, O>, input: unknown, pluginLabel: string): O {
  const result = schema['~standard'].validate(input);
  if (result instanceof Promise) {
    throw new DistilleryError('E_CONFIG', `${pluginLabel}: its options schema is asynchronous; plugin options must validate synchronously`);
  }
  if (result.issues === undefined) return result.value;
  const problems = result.issues.map((issue) => {
    const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
    return path === '' ? issue.message : `option ${path}: ${issue.message}`;
  });
  throw new DistilleryError('E_CONFIG', `${pluginLabel}: ${problems.join('; ')}`, { details: { plugin: pluginLabel } });
}
