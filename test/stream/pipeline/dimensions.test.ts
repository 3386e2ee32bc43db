/**
 * Window keys stay one-to-one with the values they are made of, whatever characters a producer
 * puts in an id: a campaign named `c1|type=click` once had the key of campaign c1's clicks.
 */
import { describe, expect, it } from 'vitest';
import { groupKey, keyDimensions } from '../../../stream/pipeline/dimensions.ts';
import type { AdEvent } from '../../../stream/events/types.ts';
import { click, impression } from '../events/eventFixtures.ts';

const impressionOf = (campaign: string): AdEvent => ({ type: 'impression', body: impression({ campaign_id: campaign }) });

describe('window keys', () => {
  it('never give two different groups the same key', () => {
    const realClicks = groupKey({ type: 'click', body: click({ campaign_id: 'c1' }) }, ['campaign', 'type']);
    expect(realClicks).toBe('campaign=c1|type=click');
    const campaigns = ['c1|type=click', 'c1%7Ctype=click', 'c1%257C', 'c1', 'a=b', '%'];
    const keys = campaigns.map((campaign) => groupKey(impressionOf(campaign), ['campaign']));
    expect(new Set([...keys, realClicks]).size).toBe(campaigns.length + 1);
  });

  it('give back the values they were made of', () => {
    for (const campaign of ['c1|type=click', 'c1%7Ctype=click', 'a=b|c', '100%', 'plain']) {
      const key = groupKey(impressionOf(campaign), ['campaign', 'type']);
      expect(keyDimensions(key)).toEqual({ campaign, type: 'impression' });
    }
  });
});
