/**
 * A schema registry in code: CRC-64-AVRO fingerprint → writer schema, with the resolver that reads
 * that writer's bytes into the current reader schema (schemas.ts). Single-object encoding only
 * names the writer by fingerprint, so every writer version still on the wire must be registered
 * here; a fingerprint we do not know is rejected as `avro_unknown_fingerprint`.
 */
import avro from 'avsc';
import { avroSchemas, avroTypes, type EventType } from './schemas.ts';
import { schemaFingerprint } from './crc64avro.ts';

export interface RegisteredSchema {
  fingerprint: bigint;
  eventType: EventType;
  writerType: avro.Type;
  /** The reader's view of this writer; undefined when the writer *is* the reader schema. */
  resolver: avro.Resolver | undefined;
}

export class SchemaRegistry {
  private readonly byFingerprint = new Map<bigint, RegisteredSchema>();
  /**
   * The entry of the current bid_request schema, when it is registered as one (its records need no
   * resolver): avro.ts reads those records by their header bytes, without a lookup by BigInt.
   */
  currentBidRequest: RegisteredSchema | undefined;

  /**
   * Registers a writer schema for an event type. The resolver is built here, once per fingerprint,
   * so an incompatible writer fails at start-up rather than on the first record that uses it.
   */
  register(eventType: EventType, writer: avro.Schema | avro.Type): RegisteredSchema {
    const writerType = writer instanceof avro.Type ? writer : avro.Type.forSchema(writer);
    const fingerprint = schemaFingerprint(writerType);
    const existing = this.byFingerprint.get(fingerprint);
    if (existing) return existing;
    const readerType = avroTypes[eventType];
    const resolver = fingerprint === schemaFingerprint(readerType) ? undefined : readerType.createResolver(writerType);
    const entry: RegisteredSchema = { fingerprint, eventType, writerType, resolver };
    this.byFingerprint.set(fingerprint, entry);
    if (eventType === 'bid_request' && resolver === undefined) this.currentBidRequest = entry;
    return entry;
  }

  lookup(fingerprint: bigint): RegisteredSchema | undefined {
    return this.byFingerprint.get(fingerprint);
  }

  get size(): number {
    return this.byFingerprint.size;
  }
}

/**
 * The first bid_request writer, kept because old producers and archived files still use it.
 * Differences from the current schema, each one a rule of Avro schema resolution:
 * - `floor_micros` was an `int` (promoted to `long` on read);
 * - `deal_id` and `floor_currency` were dropped later (the reader skips them);
 * - field order differs (resolution matches fields by name).
 */
export const bidRequestV0Schema: avro.Schema = {
  type: 'record',
  name: 'BidRequest',
  namespace: 'adstream.events',
  fields: [
    { name: 'event_id', type: 'string' },
    { name: 'event_time', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'auction_id', type: 'string' },
    { name: 'bid_id', type: 'string' },
    { name: 'deal_id', type: ['null', 'string'], default: null },
    { name: 'campaign_id', type: 'string' },
    { name: 'ad_id', type: 'string' },
    { name: 'publisher_id', type: 'string' },
    { name: 'site_id', type: 'string' },
    { name: 'placement', type: 'string' },
    { name: 'country', type: 'string' },
    { name: 'device_type', type: 'string' },
    { name: 'user_id', type: 'string' },
    { name: 'floor_currency', type: 'string' },
    { name: 'floor_micros', type: 'int' },
    { name: 'bid_price_micros', type: 'long' },
    { name: 'clearing_price_micros', type: 'long' },
    { name: 'won', type: 'boolean' },
    { name: 'bidder_latency_ms', type: 'int' },
  ],
};

/** A registry holding the current bid_request schema and every older writer we still accept. */
export function createDefaultRegistry(): SchemaRegistry {
  const registry = new SchemaRegistry();
  registry.register('bid_request', avroSchemas.bid_request);
  registry.register('bid_request', bidRequestV0Schema);
  return registry;
}

export const defaultRegistry: SchemaRegistry = createDefaultRegistry();
