/**
 * `adstream generate --out <dir>`: generated traffic as producer input files, one per wire
 * format, plus the anomaly labels. JSON and CSV records are written byte for byte as they would
 * go on the wire, malformed ones included; an Avro container file can only hold well-typed rows,
 * so malformed Avro records are left out (and counted) — `produce --generate` sends them all.
 */
import { createWriteStream } from 'node:fs';
import { existsSync, statSync } from 'node:fs';
import { ConfigError } from '../../config/load.ts';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { Command } from 'commander';
import { pathOption } from '../pathOption.ts';
import type { BidRequest } from '../../events/types.ts';
import { generatorOverrides, withGeneratorOptions, type GeneratorFlags } from '../generatorOptions.ts';
import { makeDirectory } from '../../../sinks/makeDirectory.ts';

const NEWLINE = Buffer.from('\n');

async function writeLines(path: string, lines: Buffer[]): Promise<void> {
  const file = createWriteStream(path);
  for (const line of lines) {
    if (!file.write(Buffer.concat([line, NEWLINE]))) await once(file, 'drain');
  }
  file.end();
  await finished(file);
}

export function generateCommand(): Command {
  return withGeneratorOptions(new Command('generate'))
    .description('Write generated traffic (with injected anomalies) to producer input files and a labels file.')
    .requiredOption('--out <dir>', 'directory for impressions.jsonl, clicks_conversions.csv, bid_requests.avro and labels.json', pathOption)
    .action(async (options: GeneratorFlags & { out: string }) => {
      const [{ decodeRecord, sniffFormat }, { writeEventsFile }, { generateTraffic, writeLabels }] = await Promise.all([import('../../events/wire.ts'), import('../../events/files.ts'), import('../../generator/index.ts')]);
      const out = resolve(options.out);
      if (existsSync(out) && !statSync(out).isDirectory()) throw new ConfigError(`--out ${options.out} is a file; generate writes a directory of event files there.`);
      await makeDirectory(out);
      const traffic = generateTraffic(generatorOverrides(options));
      const json: Buffer[] = [];
      const csv: Buffer[] = [];
      const bids: BidRequest[] = [];
      let leftOut = 0;
      for (const { data } of traffic.records) {
        const format = sniffFormat(data);
        if (format === 'json') json.push(data);
        else if (format === 'csv' && !data.includes(0x0a)) csv.push(data);
        else {
          // Only well-formed bid requests fit an Avro container; event_time checks do not apply to files.
          const decoded = decodeRecord(data, { arrivalTime: 0, maxFutureSkewMs: Number.POSITIVE_INFINITY });
          if (decoded.ok && decoded.event.type === 'bid_request') bids.push(decoded.event.body);
          else leftOut += 1;
        }
      }
      await writeLines(join(out, 'impressions.jsonl'), json);
      await writeLines(join(out, 'clicks_conversions.csv'), csv);
      await writeEventsFile(join(out, 'bid_requests.avro'), bids.map((body) => ({ type: 'bid_request' as const, body })));
      await writeLabels(join(out, 'labels.json'), traffic.labels);
      console.log(`wrote ${json.length} JSON, ${csv.length} CSV and ${bids.length} Avro records and ${traffic.labels.length} labels to ${out}`);
      if (leftOut) console.log(`${leftOut} malformed Avro records cannot be stored in a container file and were left out`);
    });
}
