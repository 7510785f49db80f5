import { describe, expect, it } from 'vitest';
import { DistilleryError, configError, isDistilleryError } from '../src/index.js';

describe('DistilleryError', () => {
  it('survives a thread hop as plain data (structured clone of its JSON form)', () => {
    const original = new DistilleryError('E_DATASET', 'labels.idx: truncated', { details: { file: 'labels.idx' } });
    const hopped = structuredClone(original.toJSON());
    const rebuilt = DistilleryError.fromJSON(hopped);
    expect(isDistilleryError(rebuilt)).toBe(true);
    expect(rebuilt.code).toBe('E_DATASET');
    expect(rebuilt.message).toBe('labels.idx: truncated');
    expect(rebuilt.details).toEqual({ file: 'labels.idx' });
    expect(rebuilt.stack).toBe(original.stack);
  });

  it('is recognised by name and code, not by class', () => {
    expect(isDistilleryError({ name: 'DistilleryError', code: 'E_CONFIG', message: 'x' })).toBe(true);
    expect(isDistilleryError(new Error('plain'))).toBe(false);
    expect(isDistilleryError(null)).toBe(false);
  });

  it('configError names the field, what was expected and what came', () => {
    const error = configError('student.hidden[1]', 'a positive integer', -3);
    expect(error.message).toBe('student.hidden[1]: expected a positive integer, got -3');
    expect(error.code).toBe('E_CONFIG');
  });
});
