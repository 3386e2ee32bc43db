/**
 * A campaign's incident resolves once: the resolution of an alert whose group still has paged
 * alerts open waits for the last of them, and is sent in its notification. Hand-built lifecycles,
 * a snapshot taken mid-hold, the end of a bounded run, and what is left alone.
 */
import { describe, expect, it } from 'vitest';
import { ResolutionHold } from '../../detectors/resolutionHold.ts';
import type { AlertEvent } from '../../detectors/types.ts';
import { processBatch } from '../../stream/pipeline/processBatch.ts';
import { ShardState } from '../../stream/pipeline/shardState.ts';
import { campaignAlertSteps, pagesOf, WINDOW_MS as W, type Step } from './support/campaignAlertSteps.ts';

const T0 = Date.UTC(2026, 10, 1, 2, 40);

const step = campaignAlertSteps('c004', T0, 'click_rate');
const clickRate = (window: number, notification: Step) => step('click_rate', window, notification);
const clickVolume = (window: number, notification: Step) => step('event_volume', window, notification, { key: 'campaign=c004|type=click' });
const pages = (alerts: AlertEvent[]): string[] => pagesOf(alerts, T0);

describe('ResolutionHold', () => {
  it('sends a campaign’s resolutions a window apart as one notification, led by the strongest alert', () => {
    const hold = new ResolutionHold();
    expect(pages(hold.apply([clickRate(2, 'firing'), clickVolume(2, 'firing')]))).toEqual(['2 firing click_rate event_volume:firing']);
    // The volume is back to normal first: its resolution is news only with the rate's.
    expect(hold.apply([clickVolume(20, 'resolved')])).toEqual([]);
    expect(pages(hold.apply([clickRate(21, 'resolved')]))).toEqual(['21 resolved click_rate event_volume:resolved']);
    expect(hold.snapshot()).toEqual({ open: {}, held: [], leads: {} });
  });

  it('sends the resolution for the alert that led the first page, whichever resolution scores higher or comes last', () => {
    const hold = new ResolutionHold();
    // The click rate is the stronger at firing, so it led the page.
    expect(pages(hold.apply([clickRate(2, 'firing'), clickVolume(2, 'firing')]))).toEqual(['2 firing click_rate event_volume:firing']);
    // Back to normal, the rate first: a resolution's score is its last window's, near 0 for both.
    expect(hold.apply([{ ...clickRate(20, 'resolved'), score: 0.01 }])).toEqual([]);
    const lastResolved = hold.apply([{ ...clickVolume(21, 'resolved'), score: 0.2 }]);
    expect(lastResolved.map((alert) => alert.alertId)).toEqual([clickRate(0, 'firing').alertId]);
    expect(pages(lastResolved)).toEqual(['20 resolved click_rate event_volume:resolved']);
  });

  it('without it, the two resolutions are two notifications', () => {
    expect(pages([clickVolume(20, 'resolved'), clickRate(21, 'resolved')])).toEqual(['20 resolved event_volume', '21 resolved click_rate']);
  });

  it('keeps a resolution held across a snapshot (JSON), and sends it with its group’s last one after the restore', () => {
    const hold = new ResolutionHold();
    hold.apply([clickRate(2, 'firing'), clickVolume(3, 'firing'), clickRate(5, 'escalated')]);
    hold.apply([clickVolume(20, 'resolved')]);
    const restored = new ResolutionHold(JSON.parse(JSON.stringify(hold.snapshot())));
    expect(pages(restored.apply([clickRate(24, 'resolved')]))).toEqual(['24 resolved click_rate event_volume:resolved']);
  });

  it('sends what it still holds at the end of a bounded run, though the group has an alert open', () => {
    const hold = new ResolutionHold();
    hold.apply([clickRate(2, 'firing'), clickVolume(2, 'firing'), clickVolume(20, 'resolved')]);
    expect(hold.flush()).toEqual([clickVolume(20, 'resolved')]);
    expect(hold.flush()).toEqual([]);
  });

  it('leaves alone the stream’s quality alerts, alerts not paged, and a resolution its group has nothing else open for', () => {
    const hold = new ResolutionHold();
    const stream = (notification: 'firing' | 'resolved', key: string) => step('duplicate_rate', 3, notification, { key, group: 'stream', dimensions: { quality: 'stream' } });
    const inhibitedVolume = (notification: 'firing' | 'resolved') => ({ ...clickVolume(2, notification), inhibited: 'its peers moved alike' });
    const passed = [clickRate(2, 'firing'), inhibitedVolume('firing'), stream('firing', 'quality=stream|shard=a'), stream('firing', 'quality=stream|shard=b')];
    expect(hold.apply(passed)).toEqual(passed);
    const resolutions = [stream('resolved', 'quality=stream|shard=a'), inhibitedVolume('resolved'), clickRate(9, 'resolved')];
    expect(hold.apply(resolutions)).toEqual(resolutions);
  });

  it('a child shard holds what its parents held, and sends it with the group’s last resolution', () => {
    const parent = new ResolutionHold();
    parent.apply([clickRate(2, 'firing'), clickVolume(2, 'firing'), clickVolume(20, 'resolved')]);
    const child = ResolutionHold.union([undefined, parent.snapshot()]);
    expect(pages(child.apply([clickRate(22, 'resolved')]))).toEqual(['22 resolved click_rate event_volume:resolved']);
  });
});

describe('a bounded run’s end', () => {
  it('sends what the shard’s detector still holds (processBatch, final), and nothing before it', () => {
    const held = clickVolume(20, 'resolved');
    const state = ShardState.create({
      windows: { sizeMs: W, maxOutOfOrdernessMs: 0, allowedLatenessMs: 0 },
      dedupeHorizonMs: 3_600_000,
      createDetector: () => ({ observe: () => [], flush: () => [held], snapshot: () => ({}) }),
    }, 'shard-0');
    const empty = { stream: 's', shardId: 'shard-0', records: [], millisBehindLatest: 0 };
    expect(processBatch(empty, state, { maxFutureSkewMs: 0 }).alerts).toEqual([]);
    expect(processBatch(empty, state, { maxFutureSkewMs: 0, final: true }).alerts).toEqual([held]);
  });
});
