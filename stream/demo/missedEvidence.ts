/**
 * Why the demo missed an injected anomaly, from the lake: the evidence the incident left
 * (detectors/anomalyEvidence.ts) counted over the events the pipeline wrote, not the generator's
 * truth. A conversion drop on a campaign that converts a few times an hour leaves nothing any test
 * could page on in its quarter of an hour; saying so with the numbers beats a bare "not caught".
 */
import { FIRE_ALPHA, EVIDENCE_TYPES, RATE_LOOKBACK_MS, evidenceTest, type EvidenceTest } from '../../detectors/anomalyEvidence.ts';
import type { LabelLike } from '../../detectors/matchLabels.ts';
import type { Row } from '../../sinks/query/lakeQuery.ts';

const MINUTE_MS = 60_000;

export interface MissedEvidence extends EvidenceTest {
  /** True when the p-value is below what the detectors page on: the data held the incident, and the detectors missed it. */
  detectable: boolean;
}

/** The lake's view of each event type (`adstream query`'s impressions, clicks, ...). */
const EVENT_TYPES_SQL = EVIDENCE_TYPES.map((type) => ({ type, view: `${type}s` }));

/** Per-minute counts of each event type of one campaign, in the views `adstream query` has (impressions, clicks, ...). */
export function campaignMinutesSql(campaign: string, from: number, to: number): string {
  const quoted = campaign.replace(/'/g, "''");
  return EVENT_TYPES_SQL.map(
    ({ type, view }) =>
      `SELECT '${type}' AS type, CAST(epoch_ms(event_time) // ${MINUTE_MS} * ${MINUTE_MS} AS DOUBLE) AS minute, CAST(count(*) AS DOUBLE) AS n FROM ${view} ` +
      `WHERE campaign_id = '${quoted}' AND event_time >= make_timestamp(${from * 1000}) AND event_time < make_timestamp(${to * 1000}) GROUP BY ALL`,
  ).join(' UNION ALL ');
}


/**
 * The evidence of a campaign-level label, from the lake, with the campaign's rate learned after
 * `dataStart` (the generated traffic's start); undefined for stream-level labels and for one that
 * starts with the data.
 */
export async function missedEvidence(label: LabelLike, query: (sql: string) => Promise<Row[]>, dataStart?: number): Promise<MissedEvidence | undefined> {
  if (!label.key.startsWith('campaign=')) return undefined;
  const rows = await query(campaignMinutesSql(label.key.slice('campaign='.length), label.start - RATE_LOOKBACK_MS, label.end));
  const counts = new Map(rows.map((row) => [`${String(row.type)}|${Number(row.minute)}`, Number(row.n)]));
  const count = (type: string, from: number, to: number): number => {
    let n = 0;
    for (let t = from; t < to; t += MINUTE_MS) n += counts.get(`${type}|${t}`) ?? 0;
    return n;
  };
  const test = evidenceTest(label, count, dataStart);
  if (!test) return undefined;
  const whole = test(label.end - label.start);
  return { ...whole, detectable: whole.p < FIRE_ALPHA };
}
