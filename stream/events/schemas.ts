/**
 * The four event types, defined once as Avro schemas. Validation, the Parquet columns, the DuckDB
 * views (and later Glue tables and Redshift DDL) are all derived from these definitions.
 *
 * Conventions the derivations rely on:
 * - money is integer micros and its field name ends in `_micros` (validated non-negative);
 * - ids end in `_id`; a non-nullable id must be a non-empty string;
 * - times are epoch milliseconds with logicalType `timestamp-millis`.
 */
import avro from 'avsc';

export const EVENT_TYPES = ['impression', 'click', 'conversion', 'bid_request'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const timestampMillis: avro.Schema = { type: 'long', logicalType: 'timestamp-millis' };
const nullableString: avro.Schema = ['null', 'string'];

/** Dimensions every event carries: where the ad ran, who saw it, on what. */
const commonFields: avro.schema.RecordType['fields'] = [
  { name: 'event_id', type: 'string', doc: 'Unique per event; producer retries repeat it.' },
  { name: 'event_time', type: timestampMillis, doc: 'When the event happened (epoch ms).' },
  { name: 'campaign_id', type: 'string' },
  { name: 'ad_id', type: 'string', doc: 'Creative id.' },
  { name: 'publisher_id', type: 'string' },
  { name: 'site_id', type: 'string' },
  { name: 'placement', type: 'string', doc: 'Ad slot, e.g. banner_top, preroll.' },
  { name: 'country', type: 'string', doc: 'ISO 3166-1 alpha-2.' },
  { name: 'device_type', type: 'string', doc: 'desktop | mobile | tablet | ctv.' },
  { name: 'user_id', type: 'string', doc: 'Pseudonymous user id.' },
];

export const avroSchemas: Record<EventType, avro.Schema> = {
  impression: {
    type: 'record',
    name: 'Impression',
    namespace: 'adstream.events',
    fields: [
      ...commonFields,
      { name: 'auction_id', type: nullableString, default: null, doc: 'The auction this impression won.' },
      { name: 'cost_micros', type: 'long', doc: 'Clearing price paid for this impression.' },
    ],
  },
  click: {
    type: 'record',
    name: 'Click',
    namespace: 'adstream.events',
    fields: [
      ...commonFields,
      { name: 'impression_id', type: 'string' },
      { name: 'cost_micros', type: 'long', doc: 'Cost per click charged (0 for CPM buys).' },
    ],
  },
  conversion: {
    type: 'record',
    name: 'Conversion',
    namespace: 'adstream.events',
    fields: [
      ...commonFields,
      { name: 'click_id', type: 'string' },
      { name: 'impression_id', type: 'string' },
      { name: 'conversion_type', type: 'string', doc: 'purchase | signup | install.' },
      { name: 'revenue_micros', type: 'long' },
    ],
  },
  bid_request: {
    type: 'record',
    name: 'BidRequest',
    namespace: 'adstream.events',
    fields: [
      ...commonFields,
      { name: 'auction_id', type: 'string' },
      { name: 'bid_id', type: 'string' },
      { name: 'floor_micros', type: 'long' },
      { name: 'bid_price_micros', type: 'long' },
      { name: 'clearing_price_micros', type: 'long', doc: '0 when the bid lost.' },
      { name: 'won', type: 'boolean' },
      { name: 'bidder_latency_ms', type: 'int' },
    ],
  },
};

/**
 * Avro's boolean, read strictly. The spec writes it as one byte, 0 or 1; avsc reads any nonzero
 * byte as true, so a bid request whose `won` byte was 0x02 or 0xFF (a broken encoder, or bytes that
 * are not this schema's) was written to the lake as a won auction. Any other byte now fails the
 * decode (`avro_decode`). A new instance for each schema: avsc keeps named types in the registry.
 */
interface Tap {
  buf: Buffer;
  pos: number;
}
const BooleanType = (avro.types as unknown as { BooleanType: new () => avro.Type }).BooleanType;
class StrictBooleanType extends BooleanType {
  _read(tap: Tap): boolean {
    const byte = tap.buf[tap.pos++];
    // Past the end, byte is undefined: avsc reports the truncated body itself.
    if (byte > 1) throw new Error(`a boolean is the byte 0 or 1, got 0x${byte.toString(16).padStart(2, '0')}`);
    return byte === 1;
  }
}
export const strictBoolean = (): avro.Type => new StrictBooleanType();

export const avroTypes: Record<EventType, avro.Type> = Object.fromEntries(
  EVENT_TYPES.map((t) => [t, avro.Type.forSchema(avroSchemas[t], { registry: { boolean: strictBoolean() } })]),
) as Record<EventType, avro.Type>;

/** A field as the derivations see it: name, primitive kind, nullability. */
export interface FieldSpec {
  name: string;
  /** `double` is not used by events (money is integer micros) but by derived tables such as metrics. */
  kind: 'string' | 'long' | 'int' | 'double' | 'boolean' | 'timestamp_ms';
  nullable: boolean;
}

function toFieldSpec(field: { name: string; type: unknown }): FieldSpec {
  let type = field.type;
  let nullable = false;
  if (Array.isArray(type)) {
    nullable = type.includes('null');
    type = type.find((t) => t !== 'null');
  }
  if (typeof type === 'object' && type !== null && (type as { logicalType?: string }).logicalType === 'timestamp-millis') {
    return { name: field.name, kind: 'timestamp_ms', nullable };
  }
  if (type === 'string' || type === 'long' || type === 'int' || type === 'boolean') {
    return { name: field.name, kind: type, nullable };
  }
  throw new Error(`unsupported Avro type for field ${field.name}: ${JSON.stringify(type)}`);
}

export const fieldSpecs: Record<EventType, FieldSpec[]> = Object.fromEntries(
  EVENT_TYPES.map((t) => [t, (avroSchemas[t] as { fields: { name: string; type: unknown }[] }).fields.map(toFieldSpec)]),
) as Record<EventType, FieldSpec[]>;

export const isMoneyField = (name: string): boolean => name.endsWith('_micros');
export const isIdField = (name: string): boolean => name.endsWith('_id');
