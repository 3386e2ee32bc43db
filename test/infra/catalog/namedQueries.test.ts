import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeQuery, readNamedQueries } from '../../../infra/lib/catalog/namedQueries.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/queries/', import.meta.url));

describe('readNamedQueries', () => {
  it('makes one named query per .sql file, described by its first comment line', () => {
    const queries = readNamedQueries(FIXTURES);
    expect(queries.map((q) => [q.name, q.description])).toEqual([['sample_count', 'Impressions per campaign (a fixture for the named-query tests).']]);
    expect(queries[0].sql).toContain('SELECT campaign_id, count(*) AS impressions FROM impressions GROUP BY 1');
  });

  it('gives no queries when the folder does not exist', () => {
    expect(readNamedQueries(fileURLToPath(new URL('../fixtures/no-such-folder/', import.meta.url)))).toEqual([]);
  });

  it('falls back to a generic description for SQL without a comment', () => {
    expect(describeQuery('SELECT 1', 'adstream query x')).toBe('adstream query x');
    expect(describeQuery('--\n--   Spend by day  \nSELECT 1', 'x')).toBe('Spend by day');
  });
});
