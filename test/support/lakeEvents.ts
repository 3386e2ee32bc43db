/**
 * Event rows in a lake, over all four event tables: how many, and how many distinct event ids.
 * "Exactly once" is n = d = the generator's count of valid events.
 */
import { LakeQuery } from '../../sinks/query/lakeQuery.ts';

export interface EventRowCount {
  n: number;
  d: number;
}

export async function countEventRows(lake: LakeQuery): Promise<EventRowCount> {
  const [row] = await lake.query(`
    SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM (
      SELECT event_id FROM impressions UNION ALL SELECT event_id FROM clicks
      UNION ALL SELECT event_id FROM conversions UNION ALL SELECT event_id FROM bid_requests)`);
  return { n: Number(row.n), d: Number(row.d) };
}

export async function countLakeEvents(lakeDir: string): Promise<EventRowCount> {
  const lake = await LakeQuery.open(lakeDir);
  try {
    return await countEventRows(lake);
  } finally {
    lake.close();
  }
}
