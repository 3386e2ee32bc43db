import { describe, expect, it } from 'vitest';
import { parseContextArgs } from '../../infra/lib/contextArgs.ts';
import { stageFromContext } from '../../infra/lib/stage.ts';

const reader = (values: Record<string, string>) => (key: string) => values[key];

describe('stageFromContext', () => {
  it('defaults to dev: on-demand stream, 24 h retention, nothing retained', () => {
    const config = stageFromContext(reader({}));
    expect([config.stage, config.prefix, config.stream.mode, config.stream.retentionHours, config.retainData]).toEqual(['dev', 'adstream-dev', 'on-demand', 24, false]);
  });

  it('takes prod with overrides from context', () => {
    const config = stageFromContext(reader({ stage: 'prod', streamMode: 'provisioned', shardCount: '6', retentionHours: '48', rawArchive: 'false' }));
    expect([config.stage, config.stream.mode, config.stream.shardCount, config.stream.retentionHours, config.rawArchive, config.retainData]).toEqual(['prod', 'provisioned', 6, 48, false, true]);
  });

  it('takes the first day Athena sees from context: the pipeline accepts events back to 2000', () => {
    expect(stageFromContext(reader({})).lake.firstDay).toBe('2024-01-01');
    expect(stageFromContext(reader({ lakeFirstDay: '2000-01-01' })).lake.firstDay).toBe('2000-01-01');
  });

  it.each([
    [{ stage: 'staging' }, 'context stage must be one of dev, prod, but it is "staging".'],
    [{ streamMode: 'fast' }, 'context streamMode must be on-demand or provisioned, but it is "fast".'],
    [{ streamMode: 'provisioned', shardCount: '0' }, 'context shardCount must be a whole number ≥ 1, but it is "0".'],
    [{ shardCount: '3' }, 'context shardCount applies to a provisioned stream only; add -c streamMode=provisioned, or leave shardCount out (an on-demand stream scales its own shards).'],
    [{ retentionHours: '12' }, 'context retentionHours must be between 24 and 8760 (Kinesis limits), but it is 12.'],
    [{ rawArchive: 'yes' }, 'context rawArchive must be true or false, but it is "yes".'],
    [{ lakeFirstDay: '1999-12-31' }, 'context lakeFirstDay must be a day as yyyy-MM-dd, from 2000-01-01 on, but it is "1999-12-31".'],
    [{ lakeFirstDay: '2024-02-30' }, 'context lakeFirstDay must be a day as yyyy-MM-dd, from 2000-01-01 on, but it is "2024-02-30".'],
  ])('refuses %j in one sentence', (values, message) => {
    expect(() => stageFromContext(reader(values))).toThrow(message);
  });
});

describe('parseContextArgs', () => {
  it('reads -c, --context and --context= pairs; values may contain =', () => {
    expect(parseContextArgs(['-c', 'stage=prod', '--context', 'shardCount=4', '--context=note=a=b'])).toEqual({ stage: 'prod', shardCount: '4', note: 'a=b' });
  });

  it('refuses anything else', () => {
    expect(() => parseContextArgs(['deploy'])).toThrow('unexpected argument "deploy"; pass context as -c key=value.');
    expect(() => parseContextArgs(['-c', 'stage'])).toThrow('context must be key=value, but got "stage".');
    expect(() => parseContextArgs(['-c'])).toThrow('context must be key=value, but got "".');
  });
});
