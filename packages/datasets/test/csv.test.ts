import { PluginRegistry, type Dataset } from '@distillery/core';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv, registerDatasets } from '../src/index.js';
import { featureRows, labelsOf } from './dataset-values.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-csv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}


const TRAIN = `id,age,color,class
1,30,red,common
2,41.5,blue,rare
3, 25 ,red,common
4,50,green,common
`;

describe('csv reader', () => {
  it('reads numeric features as they are, one-hot categories, and classes in sorted order', async () => {
    const path = await file('train.csv', TRAIN);
    const { dataset, schema } = await readCsv(path, { label: 'class', categorical: ['color'], ignore: ['id'] });
    expect(schema.featureNames).toEqual(['age', 'color=blue', 'color=green', 'color=red']);
    expect(schema.classes).toEqual(['common', 'rare']);
    expect(dataset.classNames).toEqual(['common', 'rare']);
    expect(dataset.inputShape).toEqual([4]);
    expect(featureRows(dataset)).toEqual([
      [30, 0, 0, 1],
      [41.5, 1, 0, 0],
      [25, 0, 0, 1],
      [50, 0, 1, 0],
    ]);
    expect(labelsOf(dataset)).toEqual([0, 1, 0, 0]);
  });

  it('encodes a test table with the training table’s categories and classes, in its own column order', async () => {
    const train = await readCsv(await file('t1.csv', TRAIN), { label: 'class', categorical: ['color'], ignore: ['id'] });
    const test = await readCsv(await file('t1-test.csv', 'class,color,age,id\nrare,green,7,9\n'), { label: 'class', categorical: ['color'], ignore: ['id'] }, train.schema);
    expect(featureRows(test.dataset)).toEqual([[7, 0, 1, 0]]);
    expect(labelsOf(test.dataset)).toEqual([1]);
  });

  it('reads TSV by extension, gzipped files, and numeric labels sorted as numbers', async () => {
    const tsv = await file('data.tsv', 'x\ty\n1\t10\n2\t9\n3\t10\n');
    const { dataset, schema } = await readCsv(tsv, { label: 'y' });
    expect(schema.classes).toEqual(['9', '10']);
    expect(labelsOf(dataset)).toEqual([1, 0, 1]);
    const gz = await file('data.csv.gz', gzipSync('a,b,y\n1,2,x\n3,4,z\n'));
    expect(featureRows((await readCsv(gz, { label: 'y' })).dataset)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('reads a file without a header (columns named by position) after skipped lines, as scikit-learn ships its tables', async () => {
    const path = await file('counts.csv', '3,2,no,yes\n1.5,2,0\n3,4,1\n5,6,0\n7,x\n');
    await expect(readCsv(path, { label: '3', header: false, skipLines: 1 })).rejects.toThrow(`${path} line 5: 2 fields, but the header has 3 columns`);
    const ok = await file('counts-ok.csv', '3,2,no,yes\n1.5,2,0\n3,4,1\n5,6,0\n');
    const { dataset, schema } = await readCsv(ok, { label: '3', header: false, skipLines: 1 });
    expect(schema.featureNames).toEqual(['1', '2']);
    expect(featureRows(dataset)).toEqual([
      [1.5, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(labelsOf(dataset)).toEqual([0, 1, 0]);
  });

  it('names the file and line of a ragged row', async () => {
    const path = await file('ragged.csv', 'a,b,y\n1,2,x\n3,y\n');
    await expect(readCsv(path, { label: 'y' })).rejects.toThrow(`${path} line 3: 2 fields, but the header has 3 columns`);
  });

  it('names file, line and column of a non-numeric cell', async () => {
    const path = await file('text.csv', 'a,b,y\n1,2,x\n3,tall,z\n');
    await expect(readCsv(path, { label: 'y' })).rejects.toThrow(
      `${path} line 3, column 2 (b): expected a number, got "tall" (list the column in categorical if it holds categories)`,
    );
  });

  it('refuses a test label or category the training table does not have', async () => {
    const train = await readCsv(await file('t2.csv', TRAIN), { label: 'class', categorical: ['color'] });
    const badLabel = await file('t2-label.csv', 'id,age,color,class\n5,1,red,common\n6,2,red,medium\n');
    await expect(readCsv(badLabel, { label: 'class', categorical: ['color'] }, train.schema)).rejects.toThrow(
      `${badLabel} line 3, column 4 (class): unknown label "medium"; the classes are "common", "rare"`,
    );
    const badCategory = await file('t2-color.csv', 'id,age,color,class\n5,1,pink,common\n');
    await expect(readCsv(badCategory, { label: 'class', categorical: ['color'] }, train.schema)).rejects.toThrow(
      `${badCategory} line 2, column 3 (color): unknown category "pink"; the training file's categories are "blue", "green", "red"`,
    );
  });

  it('refuses labels outside an explicit class list', async () => {
    const path = await file('classes.csv', 'a,y\n1,cat\n2,dog\n');
    await expect(readCsv(path, { label: 'y', classes: ['cat', 'cow'] })).rejects.toThrow(`${path} line 3, column 2 (y): unknown label "dog"; the classes are "cat", "cow"`);
    const ok = await readCsv(path, { label: 'y', classes: ['dog', 'cat'] });
    expect(labelsOf(ok.dataset)).toEqual([1, 0]);
  });

  it('missing values: an error by default, dropped rows, or the training mean (never the test table’s)', async () => {
    const path = await file('missing.csv', 'a,c,y\n1,u,p\nNA,v,q\n5,,p\n3,v,q\n');
    await expect(readCsv(path, { label: 'y', categorical: ['c'] })).rejects.toThrow(
      `${path} line 3, column 1 (a): missing value "NA" (missing: 'error'; use missing: 'drop' to skip such rows or 'mean' to fill in the training file's mean)`,
    );
    const dropped = await readCsv(path, { label: 'y', categorical: ['c'], missing: 'drop' });
    expect(dropped.dropped).toBe(2);
    expect(featureRows(dropped.dataset)).toEqual([
      [1, 1, 0],
      [3, 0, 1],
    ]);
    const filled = await readCsv(path, { label: 'y', categorical: ['c'], missing: 'mean' });
    // Mean of a: (1 + 5 + 3) / 3 = 3; the most frequent c is v.
    expect(featureRows(filled.dataset)).toEqual([
      [1, 1, 0],
      [3, 0, 1],
      [5, 0, 1],
      [3, 0, 1],
    ]);
    const test = await readCsv(await file('missing-test.csv', 'a,c,y\n?,u,p\n100,u,q\n'), { label: 'y', categorical: ['c'], missing: 'mean' }, filled.schema);
    expect(featureRows(test.dataset)[0]).toEqual([3, 1, 0]);
  });

  it('says which column is missing from the header, and reports unreadable, empty and badly quoted files', async () => {
    const path = await file('header.csv', 'a,b\n1,2\n');
    await expect(readCsv(path, { label: 'label' })).rejects.toThrow(`${path}: no column named "label" (label); the header has "a", "b"`);
    await expect(readCsv(path, { label: 'b', categorical: ['c'] })).rejects.toThrow(`${path}: no column named "c" (categorical); the header has "a", "b"`);
    await expect(readCsv(join(dir, 'absent.csv'), { label: 'y' })).rejects.toThrow(`${join(dir, 'absent.csv')} cannot be read (ENOENT)`);
    const empty = await file('empty.csv', 'a,y\n');
    await expect(readCsv(empty, { label: 'y' })).rejects.toThrow(`${empty}: no data rows after the header`);
    const quote = await file('quote.csv', 'a,y\n1,"x\n');
    await expect(readCsv(quote, { label: 'y' })).rejects.toThrow(`${quote}: Quote Not Closed: the parsing is finished with an opening quote at line 2`);
  });
});

describe('csv dataset plugin', () => {
  const registry = registerDatasets(new PluginRegistry());

  it('is created by name; without a test file it holds out a stratified test share that keeps the rare class', async () => {
    const lines = ['f,label'];
    for (let i = 0; i < 100; i++) lines.push(`${i},${i % 20 === 0 ? 'rare' : 'common'}`);
    const path = await file('one-table.csv', `${lines.join('\n')}\n`);
    const source = registry.create('dataset', 'csv', { train: path, label: 'label', testFraction: 0.25 });
    const [train, test] = await Promise.all([source.load('train'), source.load('test')]);
    expect([train.size, test.size]).toEqual([75, 25]);
    const rare = (d: Dataset) => labelsOf(d).filter((l) => l === 1).length;
    expect([rare(train), rare(test)]).toEqual([4, 1]);
    expect(train.classNames).toEqual(['common', 'rare']);
  });

  it('reads a separate test file with the training file’s encoding', async () => {
    const train = await file('p-train.csv', TRAIN);
    const test = await file('p-test.csv', 'id,age,color,class\n9,60,blue,rare\n');
    const source = registry.create('dataset', 'csv', { train, test, label: 'class', categorical: ['color'], ignore: ['id'] });
    const loaded = await source.load('test');
    expect(featureRows(loaded)).toEqual([[60, 1, 0, 0]]);
  });

  it('rejects bad options by name', () => {
    expect(() => registry.create('dataset', 'csv', { train: 'x.csv' } as never)).toThrow('csv.label: expected the name of the label column, got undefined');
    expect(() => registry.create('dataset', 'csv', { train: 'x.csv', label: 'y', missing: 'zero' } as never)).toThrow(
      "csv.missing: expected one of 'error', 'drop', 'mean', got \"zero\"",
    );
    expect(() => registry.create('dataset', 'csv', { train: 'x.csv', label: 'y', testFraction: 1 })).toThrow('csv.testFraction: expected a number in (0, 1), got 1');
    expect(() => registry.create('dataset', 'csv', { train: 'x.csv', lable: 'y' } as never)).toThrow('csv.lable: unknown option; csv takes train, test, testFraction, testSeed, label,');
  });
});
