/**
 * `adstream schemas`: what a producer outside adstream must write, from the definitions the
 * decoders use, so the answer cannot drift from the code: each event type's wire format and
 * fields in order, the bytes a bid request's single-object record starts with, and (`--avro`) the
 * Avro schemas themselves. Without it an outside producer read stream/events/schemas.ts, and one
 * that wrote the fingerprint big-endian was told only that no schema has that fingerprint.
 */
import { Command } from 'commander';
import type { EventType, FieldSpec } from '../../events/schemas.ts';

const WIRE: Record<EventType, string> = {
  impression: 'one JSON object per record, these keys',
  click: 'one CSV line per record (RFC 4180 quoting, no header): the cell "click", then these fields in this order',
  conversion: 'one CSV line per record (RFC 4180 quoting, no header): the cell "conversion", then these fields in this order',
  bid_request: 'Avro single-object encoding per record: the header bytes below, then the Avro binary body of these fields',
};

/** How a field's value is written: money is integer micros, times epoch milliseconds. */
const KIND: Record<FieldSpec['kind'], string> = {
  string: 'string',
  long: 'integer (Avro long)',
  int: 'integer (Avro int)',
  boolean: 'boolean',
  double: 'number',
  timestamp_ms: 'epoch milliseconds (Avro long, timestamp-millis)',
};

export function schemasCommand(): Command {
  return new Command('schemas')
    .description('Print what a producer writes for each event type: the wire format, the fields in order, and the header bytes of a bid request.')
    .option('--avro', 'print the Avro schemas as JSON instead')
    .action(async (options: { avro?: boolean }) => {
      // Loaded here, not with the command line: avsc and the schemas are for this command only.
      const [{ EVENT_TYPES, avroSchemas, avroTypes, fieldSpecs }, { currentBidRequestHeader }, { schemaFingerprint }] = await Promise.all([
        import('../../events/schemas.ts'),
        import('../../events/codecs/singleObjectHeader.ts'),
        import('../../events/crc64avro.ts'),
      ]);
      if (options.avro) {
        console.log(JSON.stringify(avroSchemas, null, 2));
        return;
      }
      for (const type of EVENT_TYPES) {
        console.log(`${type}: ${WIRE[type]}`);
        for (const field of fieldSpecs[type]) console.log(`  ${field.name} ${KIND[field.kind]}${field.nullable ? ' (may be null)' : ''}`);
      }
      const fingerprint = schemaFingerprint(avroTypes.bid_request);
      console.log(`bid_request header: ${currentBidRequestHeader.toString('hex')} (C3 01, then the current schema's CRC-64-AVRO fingerprint ${fingerprint.toString(16).padStart(16, '0')} written little-endian)`);
    });
}
