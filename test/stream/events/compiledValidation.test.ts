/**
 * The compiled fast path of typed validation (validate.ts) must decide exactly as the rule loop
 * does, and build the same body in the same key order: every field of every event type set to
 * every kind of awkward value, one at a time; also in place, for an object of exactly the schema's
 * fields (the plain bid-request reader's), where the body is that object.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, fieldSpecs } from '../../../stream/events/schemas.ts';
import { validateTyped, validateTypedByRules } from '../../../stream/events/validate.ts';
import { T0, bidRequest, click, conversion, impression } from './eventFixtures.ts';

const valid: Record<(typeof EVENT_TYPES)[number], () => Record<string, unknown>> = {
  impression: () => ({ ...impression() }),
  click: () => ({ ...click() }),
  conversion: () => ({ ...conversion() }),
  bid_request: () => ({ ...bidRequest() }),
};

const AWKWARD: unknown[] = [undefined, null, '', 'x', '12', 0, -1, 1.5, -0.5, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, true, false, {}, [], T0 + 10 * 60_000];

describe('compiled typed validation', () => {
  for (const type of EVENT_TYPES) {
    it(`agrees with the rule loop on every awkward value in every ${type} field`, () => {
      const ctx = { arrivalTime: T0 };
      let compared = 0;
      for (const field of fieldSpecs[type]) {
        for (const value of AWKWARD) {
          const raw = valid[type]();
          if (value === undefined) delete raw[field.name];
          else raw[field.name] = value;
          raw.unknown_key = 'dropped';
          const fast = validateTyped(type, raw, ctx);
          const slow = validateTypedByRules(type, raw, ctx);
          expect(fast).toEqual(slow);
          if (fast.ok && slow.ok) expect(Object.keys(fast.event.body)).toEqual(Object.keys(slow.event.body));
          compared += 1;
        }
      }
      expect(compared).toBe(fieldSpecs[type].length * AWKWARD.length);
    });
  }

  for (const type of EVENT_TYPES) {
    it(`validates a ${type} object of exactly the schema's fields in place, as the rule loop does a copy`, () => {
      const ctx = { arrivalTime: T0 };
      const base = valid[type]();
      for (const field of fieldSpecs[type]) {
        for (const value of AWKWARD) {
          // The plain bid-request reader's shape: every field, in schema order, and nothing else.
          const raw = Object.fromEntries(fieldSpecs[type].map((f) => [f.name, f.name === field.name ? value : base[f.name]]));
          const slow = validateTypedByRules(type, { ...raw }, ctx);
          const fast = validateTyped(type, raw, ctx, true);
          expect(fast).toEqual(slow);
          if (fast.ok && slow.ok) {
            expect(fast.event.body).toBe(raw);
            expect(Object.keys(fast.event.body)).toEqual(Object.keys(slow.event.body));
          }
        }
      }
    });
  }

  it('accepts the valid events and rejects with the rule loop\'s reason', () => {
    const ok = validateTyped('click', valid.click(), { arrivalTime: T0 });
    expect(ok.ok).toBe(true);
    const bad = validateTyped('click', { ...valid.click(), cost_micros: -5 }, { arrivalTime: T0 });
    expect(bad).toEqual({ ok: false, rejection: { reason: 'negative_money:cost_micros', detail: expect.stringContaining('cannot be negative') } });
  });
});
