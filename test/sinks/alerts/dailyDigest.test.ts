/**
 * The daily digest on a hand-built day of notifications: renotified and escalated alerts count
 * once, grouped notifications count every alert they carry, other days are left out. Every
 * expected number below was counted by hand from the list, not taken from the code's output.
 */
import { describe, expect, it } from 'vitest';
import type { AlertEvent, Severity } from '../../../detectors/types.ts';
import { buildDailyDigest, isUtcDay, latestAlertDay } from '../../../sinks/alerts/dailyDigest.ts';
import { digestMarkdown, digestMessage, digestSubject, digestText } from '../../../sinks/alerts/dailyDigestReport.ts';

const at = (iso: string): number => Date.parse(iso);

function alert(id: string, detector: string, severity: Severity, score: number, start: string, more: Partial<AlertEvent> = {}): AlertEvent {
  const campaign = more.dimensions?.campaign;
  return {
    alertId: `${detector}:${id}`,
    detector,
    key: campaign ? `campaign=${campaign}` : 'quality=stream',
    dimensions: {},
    severity,
    metric: 'count',
    observed: 1,
    expected: 2,
    score,
    windowStart: at(start),
    windowEnd: at(start) + 60_000,
    summary: `${detector} ${id}`,
    status: 'firing',
    notification: 'firing',
    ...more,
  };
}
const c = (campaign: string) => ({ dimensions: { campaign } });
const resolved = { status: 'resolved', notification: 'resolved' } as const;

const DAY = '2026-11-01';
const NOTIFICATIONS: AlertEvent[] = [
  // G fired the day before; it is resolved today (below)
  alert('G', 'stream_volume', 'critical', 0.99, '2026-10-31T23:50:00Z'),
  alert('A', 'campaign_volume', 'critical', 0.9, '2026-11-01T10:00:00Z', c('c001')),
  alert('A', 'campaign_volume', 'critical', 0.95, '2026-11-01T10:30:00Z', { ...c('c001'), notification: 'renotified' }),
  alert('B', 'campaign_volume', 'warning', 0.6, '2026-11-01T11:00:00Z', c('c002')),
  alert('B', 'campaign_volume', 'critical', 0.99, '2026-11-01T11:05:00Z', { ...c('c002'), notification: 'escalated' }),
  // one notification for campaign c002 standing for D and C
  alert('D', 'event_volume', 'critical', 0.8, '2026-11-01T12:00:00Z', {
    ...c('c002'),
    group: 'campaign=c002',
    related: [alert('C', 'ctr', 'warning', 0.7, '2026-11-01T12:00:00Z', c('c002'))],
  }),
  alert('E', 'ingestion_delay', 'critical', 0.97, '2026-11-01T13:00:00Z'),
  alert('E', 'ingestion_delay', 'critical', 0.97, '2026-11-01T14:00:00Z', resolved),
  // a resolved notification grouping G (yesterday's) and A
  alert('G', 'stream_volume', 'critical', 0.1, '2026-11-01T15:00:00Z', { ...resolved, related: [alert('A', 'campaign_volume', 'critical', 0.1, '2026-11-01T15:00:00Z', { ...c('c001'), ...resolved })] }),
  // from a log written before alerts had a status: firing
  alert('R', 'rejected_rate', 'warning', 0.6, '2026-11-01T16:00:00Z', { status: undefined, notification: undefined }),
  alert('X3', 'campaign_volume', 'warning', 0.5, '2026-11-01T17:00:00Z', c('c003')),
  alert('X4', 'ctr', 'warning', 0.5, '2026-11-01T18:00:00Z', c('c004')),
  alert('X5', 'campaign_volume', 'warning', 0.8, '2026-11-01T23:59:00Z', c('c005')),
  // the next day
  alert('Z', 'campaign_volume', 'critical', 1, '2026-11-02T00:00:00Z', c('c009')),
];
const REJECTIONS = { json_syntax: 5, 'missing_field:campaign_id': 7, event_time_in_future: 5, csv_column_count: 0 };

describe('buildDailyDigest', () => {
  const digest = buildDailyDigest(DAY, NOTIFICATIONS, REJECTIONS);

  it('counts each alert raised that day once, at its highest severity, by detector', () => {
    // raised on the day: A B C D E R X3 X4 X5; critical: A, B (escalated), D, E
    expect(digest.raised).toBe(9);
    expect(digest.raisedBySeverity).toEqual({ critical: 4, warning: 5 });
    expect(digest.byDetector).toEqual([
      { detector: 'campaign_volume', bySeverity: { critical: 2, warning: 2 }, total: 4 }, // A B X3 X5
      { detector: 'ctr', bySeverity: { critical: 0, warning: 2 }, total: 2 }, // C X4
      { detector: 'event_volume', bySeverity: { critical: 1, warning: 0 }, total: 1 }, // D
      { detector: 'ingestion_delay', bySeverity: { critical: 1, warning: 0 }, total: 1 }, // E
      { detector: 'rejected_rate', bySeverity: { critical: 0, warning: 1 }, total: 1 }, // R
    ]);
  });

  it('counts resolved alerts once, including those grouped and those raised the day before', () => {
    expect(digest.resolved).toBe(3); // E, G, A
  });

  it('ranks rejection reasons by records, then by name, without empty reasons', () => {
    expect(digest.rejected).toBe(17);
    expect(digest.topRejections).toEqual([
      { reason: 'missing_field:campaign_id', records: 7 },
      { reason: 'event_time_in_future', records: 5 },
      { reason: 'json_syntax', records: 5 },
    ]);
  });

  it('ranks campaigns by alerts raised, then by highest score, then by id', () => {
    expect(digest.topCampaigns).toEqual([
      { campaign: 'c002', alerts: 3, maxScore: 0.99 }, // B C D; B escalated at 0.99
      { campaign: 'c001', alerts: 1, maxScore: 0.95 }, // A, renotified at 0.95 (its 0.1 is a resolution)
      { campaign: 'c005', alerts: 1, maxScore: 0.8 },
      { campaign: 'c003', alerts: 1, maxScore: 0.5 },
      { campaign: 'c004', alerts: 1, maxScore: 0.5 },
    ]);
  });

  it('keeps the ten first campaigns and reasons', () => {
    const many = Array.from({ length: 12 }, (_, i) => alert(`M${i}`, 'ctr', 'warning', i / 100, '2026-11-01T08:00:00Z', c(`m${String(i).padStart(2, '0')}`)));
    const reasons = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`r${String(i).padStart(2, '0')}`, 100 - i]));
    const cut = buildDailyDigest(DAY, many, reasons);
    expect(cut.raised).toBe(12);
    expect(cut.topCampaigns.map((x) => x.campaign)).toEqual(['m11', 'm10', 'm09', 'm08', 'm07', 'm06', 'm05', 'm04', 'm03', 'm02']);
    expect(cut.topRejections.map((x) => x.reason)).toEqual(['r00', 'r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r07', 'r08', 'r09']);
    expect(cut.rejected).toBe(12 * 100 - (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11));
  });

  it('an empty day is a digest of zeros, and rendering it says so', () => {
    const empty = buildDailyDigest('2026-11-05', NOTIFICATIONS, {});
    expect(empty).toMatchObject({ raised: 0, resolved: 0, rejected: 0, byDetector: [], topRejections: [], topCampaigns: [] });
    const markdown = digestMarkdown(empty);
    expect(markdown).toContain('No alerts were raised.');
    expect(markdown).toContain('No records were rejected.');
  });

  it('refuses a day that is not a date', () => {
    expect(() => buildDailyDigest('2026-11-31', NOTIFICATIONS, {})).toThrow(RangeError);
  });
});

describe('rendering the digest', () => {
  const digest = buildDailyDigest(DAY, NOTIFICATIONS, REJECTIONS);

  it('a subject SNS accepts, with the headline numbers', () => {
    const subject = digestSubject(digest);
    expect(subject).toBe('[digest] adstream 2026-11-01: 9 alerts (4 critical), 3 resolved, 17 rejected');
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('a Markdown report with the three tables', () => {
    const lines = digestMarkdown(digest).split('\n');
    expect(lines[0]).toBe('# adstream daily digest: 2026-11-01 (UTC)');
    expect(lines).toContain('- alerts raised: **9** (critical 4, warning 5)');
    expect(lines).toContain('- alerts resolved: **3**');
    expect(lines).toContain('| campaign_volume | 2 | 2 | 4 |');
    expect(lines).toContain('| **total** | **4** | **5** | **9** |');
    expect(lines).toContain('| `missing_field:campaign_id` | 7 |');
    expect(lines).toContain('| c002 | 3 | 0.990 |');
  });

  it('a plain-text body, and an SNS message that ends with the digest as JSON', () => {
    const body = digestText(digest).split('\n');
    expect(body[0]).toBe('adstream daily digest for 2026-11-01 (UTC)');
    expect(body).toContain('  campaign_volume         2        2      4');
    expect(body).toContain('  missing_field:campaign_id        7');
    const message = digestMessage(digest).split('\n');
    expect(message.slice(0, body.length)).toEqual(body);
    expect(JSON.parse(message.at(-1)!)).toEqual(digest);
  });
});

describe('days', () => {
  it('checks calendar dates', () => {
    expect(isUtcDay('2024-02-29')).toBe(true);
    expect(isUtcDay('2026-02-29')).toBe(false);
    expect(isUtcDay('2026-1-05')).toBe(false);
    expect(isUtcDay('2026-11-01T00:00:00Z')).toBe(false);
  });

  it('the latest day of a log is the latest window start, grouped alerts included', () => {
    expect(latestAlertDay(NOTIFICATIONS)).toBe('2026-11-02');
    const grouped = [alert('P', 'ctr', 'warning', 1, '2026-11-01T00:00:00Z', { related: [alert('Q', 'ctr', 'warning', 1, '2026-11-03T00:00:00Z')] })];
    expect(latestAlertDay(grouped)).toBe('2026-11-03');
    expect(latestAlertDay([])).toBeUndefined();
  });
});
