/**
 * The independent check of a golden: per-minute counts per campaign and event type computed by
 * DuckDB SQL straight from the generator's ground truth (valid events, retries and malformed
 * records excluded), against the counts in the golden's merged window metrics. Events the
 * pipeline found late are in the SQL but (by design) not in the closed windows, so per window
 * golden ≤ SQL, and the totals differ by exactly the late count the golden reports.
 */
import { DuckDBInstance } from '@duckdb/node-api';

export interface WindowCheck {
  windows: number;
  equalWindows: number;
  sqlTotal: number;
  goldenTotal: number;
  goldenLate: number;
  goldenAboveSql: string[];
}

export async function checkWindowCounts(truthFile: string, metricsJsonl: string): Promise<WindowCheck> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`
      SELECT (eventTime // 60000) * 60000 AS window_start, campaignId AS campaign, eventType AS type, count(*)::INTEGER AS n
      FROM read_json('${truthFile.replaceAll("'", "''")}', format = 'newline_delimited')
      WHERE kind = 'valid'
      GROUP BY ALL`);
    const sql = new Map<string, number>();
    for (const row of reader.getRowObjectsJS()) sql.set(`${String(row.window_start)}|campaign=${String(row.campaign)}|type=${String(row.type)}`, Number(row.n));
    const golden = new Map<string, number>();
    let goldenLate = 0;
    for (const line of metricsJsonl.split('\n').filter(Boolean)) {
      const emf = JSON.parse(line) as Record<string, unknown>;
      // The stream-wide windows: scope=stream|campaign=…|type=…, and the stream's quality as one series.
      const key = String(emf.key);
      if (!key.startsWith('scope=stream|')) continue;
      if (typeof emf.late === 'number' && key === 'scope=stream|quality=stream') goldenLate += emf.late;
      if (typeof emf.type === 'string' && typeof emf.count === 'number') golden.set(`${String(emf.window_start)}|${key.slice('scope=stream|'.length)}`, emf.count);
    }
    const keys = new Set([...sql.keys(), ...golden.keys()]);
    let equalWindows = 0;
    const goldenAboveSql: string[] = [];
    for (const key of keys) {
      const a = sql.get(key) ?? 0;
      const b = golden.get(key) ?? 0;
      if (a === b) equalWindows += 1;
      if (b > a) goldenAboveSql.push(key);
    }
    const sum = (m: Map<string, number>) => [...m.values()].reduce((s, v) => s + v, 0);
    return { windows: keys.size, equalWindows, sqlTotal: sum(sql), goldenTotal: sum(golden), goldenLate, goldenAboveSql };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
