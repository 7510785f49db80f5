import { z } from 'zod';
import { configSchema } from './config-schema.js';

/** The config file's JSON Schema (`distillery schema`), for editor completion and checking. */
export function configJsonSchema(): unknown {
  return { ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }), title: 'Distillery config' };
}
