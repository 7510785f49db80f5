import { describe, expect, it } from 'vitest';
import { parseRunSpec, trainingSettings } from '../src/index.js';

const spec = (train: Record<string, unknown>) => ({
  data: { dataset: 'mnist', labelledCount: 50 },
  teacher: { plugin: 'mlp', options: { hidden: [16] }, train: { epochs: 1 } },
  student: { plugin: 'mlp', options: { hidden: [8] }, train: { epochs: 2, ...train } },
  distillation: { loss: 'kd', lambda: 1, temperature: 4 },
});

describe('student.train.learningRateSchedule', () => {
  it('reaches the trainer settings when given, and is absent (the spec hashing as before) when not', () => {
    const cosine = parseRunSpec(spec({ learningRateSchedule: 'cosine' }));
    expect(trainingSettings(cosine.student.train)).toMatchObject({ learningRateSchedule: 'cosine' });
    const plain = parseRunSpec(spec({}));
    expect('learningRateSchedule' in trainingSettings(plain.student.train)).toBe(false);
    // Absent, not defaulted: a spec without the key serialises (and so fingerprints) as before.
    expect(JSON.stringify(plain.student.train)).not.toContain('learningRateSchedule');
  });

  it('names the key and the choices for a misspelt schedule', () => {
    expect(() => parseRunSpec(spec({ learningRateSchedule: 'cosin' }))).toThrow(/student\.train\.learningRateSchedule.*constant.*cosine/s);
  });
});
