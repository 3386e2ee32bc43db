/**
 * The recurrence test's promise: a departure the series makes at the same time every day stops
 * alerting once it is a habit (two of the last three days), while the same departure at a new
 * time of day, or a larger or opposite one, still alerts. Hand-built series, seeded noise.
 */
import { describe, expect, it } from 'vitest';
import { DailyRecurrence, type DailyRecurrenceConfig } from '../../../detectors/univariate/dailyRecurrence.ts';
import { DEFAULT_STREAMING_SCORER, StreamingScorer, scoreSeries } from '../../../detectors/univariate/streamingScorer.ts';
import { lcg } from '../../support/seededRandom.ts';

const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;
const ROW = 5 * MINUTE;
const ROWS_PER_DAY = DAY / ROW;
const CONFIG = DEFAULT_STREAMING_SCORER.recurrence as DailyRecurrenceConfig;
const START = Date.UTC(2014, 3, 1);

/** `days` days of 5-minute rows: 50 ± 1, plus whatever `spike` adds at a row. */
function series(days: number, spike: (day: number, row: number) => number): { values: number[]; times: number[] } {
  const random = lcg(99);
  const values: number[] = [];
  const times: number[] = [];
  for (let day = 0; day < days; day++) {
    for (let row = 0; row < ROWS_PER_DAY; row++) {
      values.push(50 + 2 * (random() - 0.5) + spike(day, row));
      times.push(START + day * DAY + row * ROW);
    }
  }
  return { values, times };
}

const NIGHTLY_ROW = 38; // 03:10
const WEEKLY_ROW = 108; // 09:00
const nightly = (day: number, row: number): number => (row === NIGHTLY_ROW ? 40 : 0);
const rowOf = (day: number, row: number): number => day * ROWS_PER_DAY + row;

function verdicts(values: number[], times: number[], config = CONFIG): boolean[] {
  const test = new DailyRecurrence(config);
  return values.map((v, i) => test.next(v, times[i]));
}

describe('daily recurrence', () => {
  it('explains a nightly spike once two of the last three nights had one', () => {
    const { values, times } = series(8, nightly);
    const explained = verdicts(values, times);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((day) => explained[rowOf(day, NIGHTLY_ROW)])).toEqual([false, false, true, true, true, true, true, true]);
  });

  it('does not explain the same spike at a new time of day, a larger one, or a drop', () => {
    const { values, times } = series(8, (day, row) => {
      if (day === 6 && row === 150) return 40; // 12:30, never seen at that hour
      if (day === 6 && row === NIGHTLY_ROW) return 60; // half as large again as every night before
      if (day === 7 && row === NIGHTLY_ROW) return -40; // a drop where a spike comes
      return nightly(day, row);
    });
    const explained = verdicts(values, times);
    expect(explained[rowOf(6, 150)]).toBe(false);
    expect(explained[rowOf(6, NIGHTLY_ROW)]).toBe(false);
    expect(explained[rowOf(7, NIGHTLY_ROW)]).toBe(false);
  });

  it('explains a spike that comes twice a day, at the same time of the half-day', () => {
    const { values, times } = series(4, (day, row) => (row === NIGHTLY_ROW || row === NIGHTLY_ROW + ROWS_PER_DAY / 2 ? 40 : 0));
    const explained = verdicts(values, times);
    // 03:10 and 15:10: the third one (day 1, 03:10) has two of the last three half-days behind it.
    const spikes = [0, 1, 2, 3].flatMap((day) => [rowOf(day, NIGHTLY_ROW), rowOf(day, NIGHTLY_ROW + ROWS_PER_DAY / 2)]);
    expect(spikes.map((row) => explained[row])).toEqual([false, false, true, true, true, true, true, true]);
    const dailyOnly = verdicts(values, times, { ...CONFIG, periodsMs: [DAY] });
    expect(dailyOnly[rowOf(1, NIGHTLY_ROW)]).toBe(false);
  });

  it('explains a spike that comes once a week, at the same time of the week, from the third week on', () => {
    // Mondays at 09:00 (day 0 is a Tuesday; days 6, 13, 20, 27 are Mondays): two of the last three days never saw it.
    const monday = (day: number, row: number): number => (day % 7 === 6 && row === WEEKLY_ROW ? 40 : 0);
    const { values, times } = series(28, monday);
    const mondays = [6, 13, 20, 27].map((day) => rowOf(day, WEEKLY_ROW));
    expect(mondays.map((row) => verdicts(values, times)[row])).toEqual([false, false, true, true]);
    // Without the week among the periods, every Monday is news.
    const noWeek = { ...CONFIG, periodsMs: CONFIG.periodsMs.filter((p) => p < 7 * DAY) };
    expect(mondays.map((row) => verdicts(values, times, noWeek)[row])).toEqual([false, false, false, false]);
  });

  it('explains a nightly job whose start wanders by twenty minutes (header of streamingScorer.ts, 21)', () => {
    // 03:10 on even days, 03:30 on odd ones: yesterday's and the day before's are 20 minutes off.
    const wandering = (day: number, row: number): number => (row === NIGHTLY_ROW + 4 * (day % 2) ? 40 : 0);
    const { values, times } = series(8, wandering);
    const nights = [3, 4, 5, 6, 7].map((day) => rowOf(day, NIGHTLY_ROW + 4 * (day % 2)));
    expect(nights.map((row) => verdicts(values, times)[row])).toEqual([true, true, true, true, true]);
    // Within ±15 minutes only the night two days back matches: one of three, no habit.
    expect(nights.map((row) => verdicts(values, times, { ...CONFIG, toleranceMs: 15 * MINUTE })[row])).toEqual([false, false, false, false, false]);
  });

  it('does not take the daily swing for a twice-daily habit: a night at the afternoon level is news', () => {
    // Hourly rows, 90 from 12:00 to 17:00 and 50 otherwise; on day 5 the 03:00 row is 90. Twelve
    // hours before it (15:00) and thirty-six hours before, the series stood as high, every day.
    const test = new DailyRecurrence(CONFIG);
    const verdictAt: Record<string, boolean> = {};
    for (let day = 0; day < 6; day++) {
      for (let hour = 0; hour < 24; hour++) {
        const afternoon = hour >= 12 && hour < 18;
        verdictAt[`${day} ${hour}`] = test.next(afternoon || (day === 5 && hour === 3) ? 90 : 50, START + day * DAY + hour * 60 * MINUTE);
      }
    }
    expect(verdictAt['5 3']).toBe(false);
    // The afternoons themselves are the habit they are.
    expect(verdictAt['5 15']).toBe(true);
  });

  it('goes by the clock, not by rows: a spike five minutes off still counts, and hourly rows compare hour with hour', () => {
    const jitter = series(6, (day, row) => (row === NIGHTLY_ROW + (day % 2) ? 40 : 0));
    const explained = verdicts(jitter.values, jitter.times);
    expect(explained[rowOf(4, NIGHTLY_ROW)]).toBe(true);
    expect(explained[rowOf(5, NIGHTLY_ROW + 1)]).toBe(true);
    // Hourly rows: 24 a day, a spike at 03:00 each day; with rows lost on day 2 the days do not shift.
    const hourly = new DailyRecurrence(CONFIG);
    const seen: boolean[] = [];
    for (let day = 0; day < 5; day++) {
      for (let hour = 0; hour < 24; hour++) {
        if (day === 2 && hour >= 5 && hour < 12) continue;
        seen.push(hourly.next(hour === 3 ? 90 : 50, START + day * DAY + hour * 60 * MINUTE) && hour === 3);
      }
    }
    expect(seen.filter(Boolean).length).toBe(3); // days 2, 3 and 4
  });

  it('resumes from a JSON snapshot to the same verdicts, also after old rows were dropped', () => {
    const { values, times } = series(10, nightly);
    const whole = verdicts(values, times);
    for (const cut of [500, 2500]) {
      const first = new DailyRecurrence(CONFIG);
      const head = values.slice(0, cut).map((v, i) => first.next(v, times[i]));
      const restored = new DailyRecurrence(CONFIG, JSON.parse(JSON.stringify(first.snapshot())));
      const tail = values.slice(cut).map((v, i) => restored.next(v, times[cut + i]));
      expect([...head, ...tail]).toEqual(whole);
    }
  });

  it('refuses a config that cannot mean anything', () => {
    expect(() => new DailyRecurrence({ ...CONFIG, minCycles: 4 })).toThrow(/minCycles must be an integer from 1 to cycles \(3\)/);
    expect(() => new DailyRecurrence({ ...CONFIG, toleranceMs: 6 * 60 * MINUTE })).toThrow(/tolerance must be under half the shortest period/);
    expect(() => new DailyRecurrence({ ...CONFIG, periodsMs: [] })).toThrow(/periods must be one or more durations of up to a week/);
    expect(() => new DailyRecurrence({ ...CONFIG, minRatio: 0 })).toThrow(/minRatio must be positive/);
  });
});

describe('streaming scorer with row times', () => {
  // An alert is emitted on its row or, while the next rows escalate it, up to `hold` rows later.
  const alertsAt = (scores: number[], rows: number[]): number[] => rows.filter((r) => scores.slice(r, r + DEFAULT_STREAMING_SCORER.hold + 2).some((s) => s > 0.99));

  it('stops alerting on a nightly spike after the nights that make it a habit, and still alerts on a new one', () => {
    const { values, times } = series(12, (day, row) => nightly(day, row) + (day === 10 && row === 150 ? 40 : 0));
    const nights = [3, 4, 5, 6, 7, 8, 9, 10, 11].map((day) => rowOf(day, NIGHTLY_ROW));
    // Without times (or without the test) every night's spike is as rare as ever to the value tests
    // (with the known-motif test off: the spike is the same every night, so it too explains it from
    // the third night on).
    const noMotif = { ...DEFAULT_STREAMING_SCORER, motif: null };
    expect(alertsAt(scoreSeries(values, noMotif), nights).length).toBeGreaterThanOrEqual(7);
    expect(alertsAt(scoreSeries(values, { ...noMotif, recurrence: null }, times), nights).length).toBeGreaterThanOrEqual(7);
    const scores = scoreSeries(values, DEFAULT_STREAMING_SCORER, times);
    expect(alertsAt(scores, nights)).toEqual([]);
    expect(alertsAt(scores, [rowOf(10, 150)])).toEqual([rowOf(10, 150)]);
  });

  it('stops alerting on a weekly spike once two of the last three weeks had it (header, 20)', () => {
    // A 09:00 spike every Monday for five weeks, and on the last Monday's Wednesday one at 12:30.
    const { values, times } = series(35, (day, row) => (day % 7 === 6 && row === WEEKLY_ROW ? 40 : 0) + (day === 29 && row === 150 ? 40 : 0));
    const mondays = [20, 27, 34].map((day) => rowOf(day, WEEKLY_ROW));
    // The known-motif test off: the spike is the same every week, and it too would explain it.
    const noMotif = { ...DEFAULT_STREAMING_SCORER, motif: null };
    const recurrence = noMotif.recurrence!;
    const dailyOnly = { ...noMotif, recurrence: { ...recurrence, periodsMs: recurrence.periodsMs.filter((p) => p < 7 * DAY) } };
    expect(alertsAt(scoreSeries(values, dailyOnly, times), mondays)).toEqual(mondays);
    const scores = scoreSeries(values, noMotif, times);
    expect(alertsAt(scores, mondays)).toEqual([]);
    expect(alertsAt(scores, [rowOf(29, 150)])).toEqual([rowOf(29, 150)]);
  });

  it('resumes from a JSON snapshot to the same scores, with what the recurrence test remembers', () => {
    const { values, times } = series(8, nightly);
    const whole = scoreSeries(values, DEFAULT_STREAMING_SCORER, times);
    const cut = rowOf(5, 0);
    const first = new StreamingScorer();
    const head = values.slice(0, cut).map((v, i) => first.next(v, times[i]));
    const restored = new StreamingScorer(undefined, JSON.parse(JSON.stringify(first.snapshot())));
    const tail = values.slice(cut).map((v, i) => restored.next(v, times[cut + i]));
    expect([...head, ...tail]).toEqual(whole);
  });

  it('refuses times that do not match the values one for one', () => {
    expect(() => scoreSeries([1, 2, 3], DEFAULT_STREAMING_SCORER, [0, 1])).toThrow(/3 values but 2 times/);
  });
});
