/**
 * The dimensions a window can be keyed by, and how an event yields each. Keys read
 * `name=value|name=value` in the configured order, e.g. `campaign=c007|type=click`, the form the
 * detectors match on. A value's own `|` and `%` are written `%7C` and `%25` in keys: a campaign
 * named `c1|type=click` otherwise had the key of campaign c1's clicks, and the two windows' counts
 * overwrote each other.
 */
import type { AdEvent } from '../events/types.ts';

export const DIMENSIONS = ['campaign', 'publisher', 'country', 'type', 'device'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** The default groupings: per campaign and type (volumes), per campaign (funnel and ratios). */
export const DEFAULT_GROUPINGS: readonly (readonly Dimension[])[] = [['campaign', 'type'], ['campaign']];

export function dimensionValue(event: AdEvent, dimension: Dimension): string {
  switch (dimension) {
    case 'campaign':
      return event.body.campaign_id;
    case 'publisher':
      return event.body.publisher_id;
    case 'country':
      return event.body.country;
    case 'type':
      return event.type;
    case 'device':
      return event.body.device_type;
  }
}

/** A dimension value as a key holds it: `|` and `%` escaped, anything else as it is. */
export const keyValue = (value: string): string =>
  value.includes('|') || value.includes('%') ? value.replaceAll('%', '%25').replaceAll('|', '%7C') : value;

const fromKeyValue = (text: string): string => (text.includes('%') ? text.replaceAll('%7C', '|').replaceAll('%25', '%') : text);

export function groupKey(event: AdEvent, grouping: readonly Dimension[]): string {
  let key = '';
  for (let i = 0; i < grouping.length; i++) {
    if (i > 0) key += '|';
    key += `${grouping[i]}=${keyValue(dimensionValue(event, grouping[i]))}`;
  }
  return key;
}

/** `campaign=c1|type=click` → { campaign: 'c1', type: 'click' }, values unescaped. */
export function keyDimensions(key: string): Record<string, string> {
  const dimensions: Record<string, string> = {};
  for (const part of key.split('|')) {
    const at = part.indexOf('=');
    dimensions[part.slice(0, at)] = fromKeyValue(part.slice(at + 1));
  }
  return dimensions;
}

export function parseGroupings(text: string): Dimension[][] {
  return text.split(';').map((grouping) =>
    grouping.split(',').map((name) => {
      const dimension = name.trim() as Dimension;
      if (!DIMENSIONS.includes(dimension)) throw new RangeError(`unknown window dimension "${name}"; expected one of ${DIMENSIONS.join(', ')}`);
      return dimension;
    }),
  );
}
