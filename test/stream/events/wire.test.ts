import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { decodeRecord, encodeEvent, sniffFormat } from '../../../stream/events/wire.ts';
import { bidRequestV0Schema, SchemaRegistry, defaultRegistry } from '../../../stream/events/registry.ts';
import { EXACT_LONG, encodeSingleObject } from '../../../stream/events/codecs/avro.ts';
import { schemaFingerprint } from '../../../stream/events/crc64avro.ts';
import { avroSchemas, avroTypes } from '../../../stream/events/schemas.ts';
import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import type { AdEvent, BidRequest, DecodeResult } from '../../../stream/events/types.ts';
import { T0, bidRequest, click, common, conversion, impression } from './eventFixtures.ts';
import { aggregateOne } from '../kpl/awsKinesisAgg.ts';

const ctx = { arrivalTime: T0 };


const bytes = (text: string) => Buffer.from(text, 'utf8');
function reason(result: DecodeResult): string {
  return result.ok ? 'ok' : result.rejection.reason;
}

// The common columns as they appear in a hand-written CSV line.
const CSV_COMMON = `e-1,${T0 - 1000},c-7,ad-3,pub-2,site-9,banner_top,US,mobile,u-42`;

describe('round trip through encodeEvent / decodeRecord', () => {
  const events: [string, AdEvent][] = [
    ['impression', { type: 'impression', body: impression() }],
    ['impression with a null auction_id', { type: 'impression', body: impression({ auction_id: null }) }],
    ['click', { type: 'click', body: click() }],
    ['conversion', { type: 'conversion', body: conversion() }],
    ['bid_request', { type: 'bid_request', body: bidRequest() }],
    ['bid_request that lost', { type: 'bid_request', body: bidRequest({ won: false, clearing_price_micros: 0 }) }],
    [
      'click whose cells need CSV quoting',
      { type: 'click', body: click({ placement: 'top, "hero"', user_id: 'line1\nline2', site_id: 'a\r\nb' }) },
    ],
    [
      'conversion whose cells need CSV quoting',
      { type: 'conversion', body: conversion({ conversion_type: '"quoted"', click_id: 'c,1', country: 'Ü' }) },
    ],
  ];
  it.each(events)('%s', (_name, event) => {
    expect(decodeRecord(encodeEvent(event), ctx)).toEqual({ ok: true, event });
  });
});

describe('wire bytes', () => {
  it('writes an impression as a JSON object with the schema field names', () => {
    const json = JSON.parse(encodeEvent({ type: 'impression', body: impression({ auction_id: null }) }).toString());
    expect(json).toEqual({ ...common, auction_id: null, cost_micros: 1500 });
  });

  it('writes a click as one CSV line: type, then fields in schema order', () => {
    expect(encodeEvent({ type: 'click', body: click() }).toString()).toBe(`click,${CSV_COMMON},imp-1,250000`);
  });

  it('quotes CSV cells per RFC 4180', () => {
    const line = encodeEvent({ type: 'click', body: click({ placement: 'a,"b"', user_id: 'x\ny' }) }).toString();
    expect(line).toBe(`click,e-1,${T0 - 1000},c-7,ad-3,pub-2,site-9,"a,""b""",US,mobile,"x\ny",imp-1,250000`);
  });

  it('writes a bid request as C3 01, the LE fingerprint of the current schema, then the Avro body', () => {
    const buf = encodeEvent({ type: 'bid_request', body: bidRequest() });
    expect([...buf.subarray(0, 2)]).toEqual([0xc3, 0x01]);
    const fingerprint = buf.readBigUInt64LE(2);
    expect(defaultRegistry.lookup(fingerprint)?.resolver).toBeUndefined(); // the reader's own schema
    expect(avro.Type.forSchema(avroSchemas.bid_request).fromBuffer(buf.subarray(10))).toMatchObject(bidRequest());
  });

  it('decodes hand-written JSON and CSV records', () => {
    const json = `  {"event_id":"e-1","event_time":${T0 - 1000},"campaign_id":"c-7","ad_id":"ad-3","publisher_id":"pub-2",` +
      `"site_id":"site-9","placement":"banner_top","country":"US","device_type":"mobile","user_id":"u-42",` +
      `"cost_micros":1500,"extra":"ignored"}`;
    // auction_id absent: nullable with default null, like Avro. Unknown keys are dropped.
    expect(decodeRecord(bytes(json), ctx)).toEqual({ ok: true, event: { type: 'impression', body: impression({ auction_id: null }) } });
    // A producer that marks its impressions as such (in any case), or whose `type` is an ad
    // format, or that writes other types' fields empty (a wide export), sends impressions still.
    for (const extra of ['"type":"impression","event_type":"impression"', '"type":"Impression"', '"type":"video"', '"impression_id":null,"click_id":null,"won":null']) {
      const marked = json.replace('"extra":"ignored"', extra);
      expect(decodeRecord(bytes(marked), ctx), extra).toEqual({ ok: true, event: { type: 'impression', body: impression({ auction_id: null }) } });
    }
    const csv = `conversion,${CSV_COMMON},clk-1,imp-1,"pur""chase",0\r\n`;
    expect(decodeRecord(bytes(csv), ctx)).toEqual({
      ok: true,
      event: { type: 'conversion', body: conversion({ conversion_type: 'pur"chase', revenue_micros: 0 }) },
    });
  });

  it('sniffs the format from the first bytes', () => {
    expect(sniffFormat(bytes(' \n{"a":1}'))).toBe('json');
    expect(sniffFormat(bytes('click,1'))).toBe('csv');
    expect(sniffFormat(Buffer.from([0xc3, 0x01, 0]))).toBe('avro');
    expect(sniffFormat(bytes(' \r\n'))).toBe('empty');
  });

  it('accepts a plain Uint8Array, not only a Buffer', () => {
    const buf = encodeEvent({ type: 'click', body: click() });
    const view = new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    expect(decodeRecord(view, ctx).ok).toBe(true);
  });
});

describe('malformed records get the right reason code', () => {
  const json = (o: Record<string, unknown>) => bytes(JSON.stringify({ ...impression(), ...o }));
  const withoutKey = (key: string) => {
    const body: Record<string, unknown> = { ...impression() };
    delete body[key];
    return bytes(JSON.stringify(body));
  };
  const avroOf = (body: BidRequest) => encodeEvent({ type: 'bid_request', body });
  const goodAvro = avroOf(bidRequest());

  const cases: [string, Uint8Array, string][] = [
    ['json_syntax', bytes('{"event_id":"e-1",'), 'json_syntax'],
    ['json_not_object', bytes('[1,2,3]'), 'json_not_object'],
    ['json_not_object (null)', bytes('null'), 'json_not_object'],
    ['json_not_object (a number)', bytes('42'), 'json_not_object'],
    ['json_not_impression (a click as JSON, by its impression_id)', bytes(JSON.stringify({ ...impression(), auction_id: undefined, impression_id: 'imp-1' })), 'json_not_impression'],
    ['json_not_impression (marked type)', json({ type: 'click' }), 'json_not_impression'],
    ['json_not_impression (marked type, other case)', json({ type: 'Conversion' }), 'json_not_impression'],
    ['json_not_impression (marked event_type)', json({ event_type: 'bid_request' }), 'json_not_impression'],
    ['json_not_impression (a bid request as JSON)', json({ bid_id: 'b-1', won: true }), 'json_not_impression'],
    ['invalid_utf8 (a lone surrogate escape in JSON)', bytes(JSON.stringify(impression()).replace('"event_id":"', '"event_id":"\\ud800')), 'invalid_utf8'],
    ['csv_syntax (unclosed quote)', bytes(`click,"e-1,${T0}`), 'csv_syntax'],
    ['csv_syntax (two rows)', bytes(`click,${CSV_COMMON},imp-1,1\nclick,${CSV_COMMON},imp-1,1`), 'csv_syntax'],
    ['csv_column_count', bytes(`click,${CSV_COMMON},imp-1`), 'csv_column_count'],
    ['csv_unknown_type', bytes(`view,${CSV_COMMON},imp-1,1`), 'csv_unknown_type'],
    ['avro_unknown_fingerprint', Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.alloc(8), goodAvro.subarray(10)]), 'avro_unknown_fingerprint'],
    ['avro_decode (truncated body)', goodAvro.subarray(0, 20), 'avro_decode'],
    ['avro_decode (trailing bytes)', Buffer.concat([goodAvro, Buffer.from([0])]), 'avro_decode'],
    ['avro_decode (header only, short)', Buffer.from([0xc3, 0x01, 1, 2]), 'avro_decode'],
    ['empty_record', bytes(''), 'empty_record'],
    ['empty_record (whitespace)', bytes(' \r\n'), 'empty_record'],
    ['missing_field (JSON key absent)', withoutKey('campaign_id'), 'missing_field:campaign_id'],
    ['missing_field (JSON null)', json({ user_id: null }), 'missing_field:user_id'],
    ['missing_field (empty id in JSON)', json({ event_id: '' }), 'missing_field:event_id'],
    ['missing_field (empty id in CSV)', bytes(`click,${CSV_COMMON},,1`), 'missing_field:impression_id'],
    ['missing_field (empty number in CSV)', bytes(`click,${CSV_COMMON},imp-1,`), 'missing_field:cost_micros'],
    ['missing_field (empty id in Avro)', avroOf(bidRequest({ auction_id: '' })), 'missing_field:auction_id'],
    ['wrong_type (JSON string for a number)', json({ cost_micros: '1500' }), 'wrong_type:cost_micros'],
    ['wrong_type (JSON fraction)', json({ cost_micros: 1.5 }), 'wrong_type:cost_micros'],
    ['wrong_type (JSON unsafe integer)', bytes(JSON.stringify(impression()).replace('"cost_micros":1500', '"cost_micros":9007199254740993')), 'wrong_type:cost_micros'],
    ['wrong_type (JSON number for a string)', json({ country: 1 }), 'wrong_type:country'],
    ['wrong_type (JSON non-string nullable)', json({ auction_id: 7 }), 'wrong_type:auction_id'],
    ['wrong_type (CSV fraction)', bytes(`click,${CSV_COMMON},imp-1,2.5`), 'wrong_type:cost_micros'],
    ['wrong_type (CSV text for a time)', bytes(`click,e-1,yesterday,c-7,ad-3,pub-2,site-9,banner_top,US,mobile,u-42,imp-1,1`), 'wrong_type:event_time'],
    ['negative_money (JSON)', json({ cost_micros: -1 }), 'negative_money:cost_micros'],
    ['negative_money (CSV)', bytes(`conversion,${CSV_COMMON},clk-1,imp-1,purchase,-5`), 'negative_money:revenue_micros'],
    ['negative_money (Avro)', avroOf(bidRequest({ floor_micros: -1 })), 'negative_money:floor_micros'],
    ['event_time_in_future', json({ event_time: T0 + 5 * 60_000 + 1 }), 'event_time_in_future'],
  ];
  it.each(cases)('%s', (_name, data, expected) => {
    const result = decodeRecord(data, ctx);
    expect(reason(result)).toBe(expected);
    if (!result.ok) expect(result.rejection.detail.length).toBeGreaterThan(0);
  });

  it('accepts event_time exactly at the skew limit, and honours a custom limit', () => {
    expect(reason(decodeRecord(json({ event_time: T0 + 5 * 60_000 }), ctx))).toBe('ok');
    expect(reason(decodeRecord(json({ event_time: T0 + 1001 }), { arrivalTime: T0, maxFutureSkewMs: 1000 }))).toBe('event_time_in_future');
  });

  it('honours maxFutureSkewMs 0 (no skew allowed, not the 5-minute default) in JSON, CSV and Avro', () => {
    const noSkew = { arrivalTime: T0, maxFutureSkewMs: 0 };
    const ahead = T0 + 60_000;
    const csvAhead = bytes(`click,e-1,${ahead},c-7,ad-3,pub-2,site-9,banner_top,US,mobile,u-42,imp-1,1`);
    const avroAhead = encodeEvent({ type: 'bid_request', body: bidRequest({ event_time: ahead }) });
    // A minute ahead of its arrival: inside the default 5 minutes, outside a skew of 0.
    for (const data of [json({ event_time: ahead }), csvAhead, avroAhead]) {
      expect(reason(decodeRecord(data, ctx))).toBe('ok');
      expect(reason(decodeRecord(data, noSkew))).toBe('event_time_in_future');
    }
    // Exactly at its arrival is not in the future.
    expect(reason(decodeRecord(json({ event_time: T0 }), noSkew))).toBe('ok');
  });
});

describe('schema evolution', () => {
  const v0Type = avro.Type.forSchema(bidRequestV0Schema);
  const v0Record = {
    ...bidRequest(),
    deal_id: 'deal-9',
    floor_currency: 'EUR',
    floor_micros: 2_000_000_000, // an int in v0, a long now
  };

  it('decodes a record written with the v0 writer schema under the current reader', () => {
    const data = encodeSingleObject(v0Type, v0Record);
    expect(decodeRecord(data, ctx)).toEqual({
      ok: true,
      event: { type: 'bid_request', body: bidRequest({ floor_micros: 2_000_000_000 }) },
    });
  });

  it('rejects the v0 record when its writer schema is not registered', () => {
    const data = encodeSingleObject(v0Type, v0Record);
    const onlyCurrent = new SchemaRegistry();
    onlyCurrent.register('bid_request', avroSchemas.bid_request);
    expect(reason(decodeRecord(data, { ...ctx, registry: onlyCurrent }))).toBe('avro_unknown_fingerprint');
  });

  it('refuses to register a writer the reader cannot resolve', () => {
    const incompatible = { ...(avroSchemas.bid_request as object), fields: [{ name: 'won', type: 'string' }] } as avro.Schema;
    expect(() => new SchemaRegistry().register('bid_request', incompatible)).toThrow();
  });
});

describe('records a real producer fleet sends that once went wrong', () => {
  it('rejects a field nested thousands deep with a short reason, instead of overflowing the stack', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const result = decodeRecord(bytes(JSON.stringify(impression()).replace(/"event_id":"[^"]*"/, `"event_id":${deep}`)), ctx);
    expect(result).toEqual({ ok: false, rejection: { reason: 'wrong_type:event_id', detail: 'impression.event_id must be a string, got an array of 1' } });
  });

  it('keeps the detail short whatever the size of the bad value', () => {
    const result = decodeRecord(bytes(`click,${CSV_COMMON.replace('c-7', 'x'.repeat(300))},imp-1,25`), ctx);
    expect(reason(result)).toBe('field_too_long:campaign_id');
    expect(result.ok ? '' : result.rejection.detail.length).toBeLessThan(150);
    const huge = decodeRecord(bytes(`click,${CSV_COMMON},imp-1,${'9'.repeat(900_000)}`), ctx);
    expect(reason(huge)).toBe('wrong_type:cost_micros');
    expect(huge.ok ? '' : huge.rejection.detail.length).toBeLessThan(150);
  });

  it('says a CSV record of two lines is two rows, an empty line first too', () => {
    for (const text of [`\nclick,${CSV_COMMON},imp-1,1`, `click,${CSV_COMMON},imp-1,1\r\nclick,${CSV_COMMON},imp-1,1`]) {
      const result = decodeRecord(bytes(text), ctx);
      expect(reason(result)).toBe('csv_syntax');
      expect(result.ok ? '' : result.rejection.detail).toMatch(/^expected one CSV row, got 2 \(a record holds one event/);
    }
  });

  it('keeps a CSV syntax error short too: csv-parse quotes the whole cell it stopped in', () => {
    // A stray quote after 900,000 characters of a cell: not RFC 4180, the cell is not quoted.
    const result = decodeRecord(bytes(`click,${CSV_COMMON.replace('ad-3', `${'y'.repeat(900_000)}"z`)},imp-1,25`), ctx);
    expect(reason(result)).toBe('csv_syntax');
    const detail = result.ok ? '' : result.rejection.detail;
    expect(detail).toMatch(/^Invalid Opening Quote: a quote is found on field 4 at line 1/);
    expect(detail.length).toBeLessThanOrEqual(200);
  });

  it('measures a string in UTF-8 bytes, as the VARCHAR(256) of the warehouse does', () => {
    const withCampaign = (campaign_id: string) => reason(decodeRecord(bytes(JSON.stringify(impression({ campaign_id }))), ctx));
    expect(withCampaign('é'.repeat(128))).toBe('ok'); // 256 bytes
    expect(withCampaign('é'.repeat(129))).toBe('field_too_long:campaign_id'); // 258 bytes in 129 characters
    expect(withCampaign('x'.repeat(256))).toBe('ok');
    expect(withCampaign('x'.repeat(257))).toBe('field_too_long:campaign_id');
  });

  it('reads JSON and CSV after a UTF-8 byte order mark as without it', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const json = encodeEvent({ type: 'impression', body: impression() });
    const csv = encodeEvent({ type: 'click', body: click() });
    expect(decodeRecord(Buffer.concat([bom, json]), ctx)).toEqual(decodeRecord(json, ctx));
    expect(decodeRecord(Buffer.concat([bom, csv]), ctx)).toEqual(decodeRecord(csv, ctx));
    expect(reason(decodeRecord(bom, ctx))).toBe('empty_record');
  });

  it('rejects text that is not UTF-8 rather than storing U+FFFD in its ids', () => {
    const [head, tail] = JSON.stringify(impression()).split('c-7');
    const latin1 = Buffer.concat([bytes(head), Buffer.from([0x63, 0xe9]), bytes(tail)]); // "cé" in Latin-1
    expect(reason(decodeRecord(latin1, ctx))).toBe('invalid_utf8');
    expect(reason(decodeRecord(bytes(JSON.stringify(impression({ campaign_id: 'cé' }))), ctx))).toBe('ok');
  });

  it('says a whole KPL aggregate that reached the decoder is one nested in another, not one cut short', () => {
    // Only a sub-record of an aggregate reaches the decoder whole with the magic: the KCL, like
    // us, opens one level. Its detail said it was too short to be an aggregate, at 200+ bytes.
    const nested = aggregateOne([{ partitionKey: 'c-7', data: encodeEvent({ type: 'impression', body: impression() }) }]).data;
    const result = decodeRecord(nested, ctx);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rejection.reason).toBe('invalid_utf8');
    expect(result.rejection.detail).not.toContain('too short');
    expect(result.rejection.detail).toBe(
      `a KPL aggregate of ${nested.length} bytes inside a KPL aggregate: aggregates are opened one level deep, as the KCL opens them; aggregate the user records themselves`,
    );
  });

  it('says what a record that is no wire format looks like: a whole Avro container, a cut-off KPL aggregate, an Avro body without its header, base64 of an event', async () => {
    const detail = (data: Uint8Array) => {
      const result = decodeRecord(data, ctx);
      return result.ok ? 'ok' : `${result.rejection.reason} | ${result.rejection.detail}`;
    };
    const bid = encodeEvent({ type: 'bid_request', body: bidRequest() });
    const containerBytes: Buffer[] = [];
    const encoder = new avro.streams.BlockEncoder(avroTypes.bid_request);
    encoder.on('data', (chunk: Buffer) => containerBytes.push(chunk));
    encoder.end(bidRequest());
    await once(encoder, 'end');
    const container = Buffer.concat(containerBytes);
    expect(detail(container)).toBe(`invalid_utf8 | an Avro object container file of ${container.length} bytes (it starts "Obj\\x01"), not one event: put each bid request as a single-object record (0xC3 0x01, the schema's fingerprint, the body), as adstream produce does with a container file`);
    const shortAggregate = Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), Buffer.alloc(16, 0xd4)]);
    expect(detail(shortAggregate)).toBe('invalid_utf8 | a record of 20 bytes that starts with the KPL aggregate magic but is too short to be an aggregate (the magic, a body and a 16-byte MD5, as the KCL reads one), and is not UTF-8 text either');
    const bareBody = bid.subarray(10);
    expect(isUtf8(bareBody)).toBe(false);
    expect(detail(bareBody)).toBe(`invalid_utf8 | a record of ${bareBody.length} bytes that is neither UTF-8 text (a JSON impression, a CSV click or conversion) nor a single-object Avro record (which starts 0xC3 0x01)`);
    const hint = 'the record is base64 of an event: the AWS CLI v1 puts --data as it is given, so give it the event itself, or its bytes with fileb://';
    for (const event of [encodeEvent({ type: 'impression', body: impression() }), encodeEvent({ type: 'click', body: click() }), bid]) {
      expect(detail(Buffer.from(Buffer.from(event).toString('base64')))).toMatch(new RegExp(`^csv_unknown_type \\| first column must be click or conversion, got ".*"; ${hint.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
    }
    // As GNU base64 wraps it, at 76 characters a line: a multi-line record, a CSV syntax error.
    const wrapped = Buffer.from(Buffer.from(encodeEvent({ type: 'impression', body: impression() })).toString('base64').replace(/(.{76})/g, '$1\n'));
    expect(detail(wrapped)).toMatch(/^csv_syntax \| .*; the record is base64 of an event: /);
    // Words that merely are base64-shaped get no hint ("exchange" is base64 of "{" and more).
    expect(detail(bytes('viewview'))).toBe('csv_unknown_type | first column must be click or conversion, got "viewview"');
    expect(detail(bytes('exchange'))).toBe('csv_unknown_type | first column must be click or conversion, got "exchange"');
    // A first cell that looks like click but is not says what is not: invisible characters as \u escapes.
    const clickRow = encodeEvent({ type: 'click', body: click() }).toString('utf8').slice('click'.length);
    expect(detail(bytes(`\u200Bclick${clickRow}`))).toBe('csv_unknown_type | first column must be click or conversion, got "\\u200Bclick"');
    expect(detail(bytes(`click\u00A0${clickRow}`))).toBe('csv_unknown_type | first column must be click or conversion, got "click\\u00A0"');
    expect(detail(bytes(`\u2060click${clickRow}`))).toBe('csv_unknown_type | first column must be click or conversion, got "\\u2060click"');
    expect(detail(bytes(`Click${clickRow}`))).toBe('csv_unknown_type | first column must be click or conversion, got "Click"');
    // So does a cell of the wrong type: a spreadsheet's no-break space after an amount is not a space to strip.
    const withCost = (cost: string) => bytes(`${encodeEvent({ type: 'click', body: click() }).toString('utf8').replace(/,250000$/, '')},${cost}`);
    expect(detail(withCost('250000'))).toBe('ok');
    expect(detail(withCost('5\u00A0'))).toBe('wrong_type:cost_micros | click.cost_micros must be a safe integer, got "5\\u00A0"');
    expect(detail(withCost('\uFEFF5'))).toBe('wrong_type:cost_micros | click.cost_micros must be a safe integer, got "\\uFEFF5"');
    // A long value is cut at 57 characters of its quoted form, never inside a character: 55 ones and three emoji
    // quoted are 63 UTF-16 units, the 57th the first half of the first emoji.
    const cut = detail(withCost(`${'1'.repeat(55)}\u{1F600}\u{1F600}\u{1F600}`));
    expect(cut).toBe(`wrong_type:cost_micros | click.cost_micros must be a safe integer, got "${'1'.repeat(55)}...`);
    expect(cut.isWellFormed()).toBe(true);
    // A click in Windows-1252 is still called a CSV record, with the byte that is not UTF-8.
    expect(detail(Buffer.concat([bytes('click,caf'), Buffer.from([0xe9]), bytes(',x')]))).toBe('invalid_utf8 | a CSV record of 12 bytes that is not valid UTF-8 (byte 0xe9 at offset 9; another encoding, such as Windows-1252?)');
    // A CSV line quoted whole (jq without -r) stays a CSV line, its detail showing the quotes.
    expect(detail(bytes(`"${encodeEvent({ type: 'click', body: click() }).toString('utf8')}"`))).toMatch(/^csv_unknown_type \| first column must be click or conversion, got "click,/);
  });

  it('reads an Avro long of ±(2^53 − 1) exactly, as JSON and CSV do, and names the field of one beyond (avsc refused both with "potential precision loss")', () => {
    // A writer whose longs are BigInts, so the test can put any 64-bit value in a body.
    const bigLong = avro.types.LongType.__with({
      fromBuffer: (buffer: Buffer) => buffer.readBigInt64LE(),
      toBuffer: (value: bigint) => {
        const buffer = Buffer.alloc(8);
        buffer.writeBigInt64LE(value);
        return buffer;
      },
      fromJSON: (value: unknown) => BigInt(value as number),
      toJSON: (value: bigint) => Number(value),
      isValid: (value: unknown) => typeof value === 'bigint',
      compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
    });
    const writer = avro.Type.forSchema(avroSchemas.bid_request, { registry: { long: bigLong } });
    const withFloor = (floor: bigint) => {
      const body = bidRequest();
      // The writer's plain longs take BigInts (event_time, a timestamp-millis long, stays avsc's own).
      const bigFields = new Set((writer as avro.types.RecordType).fields.filter((f) => f.type.typeName === 'abstract:long').map((f) => f.name));
      const longs = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, bigFields.has(k) && typeof v === 'number' ? BigInt(v) : v]));
      return encodeSingleObject(writer, { ...longs, floor_micros: floor }, schemaFingerprint(avroTypes.bid_request));
    };
    const most = decodeRecord(withFloor(BigInt(Number.MAX_SAFE_INTEGER)), ctx);
    expect(most).toEqual({ ok: true, event: { type: 'bid_request', body: bidRequest({ floor_micros: Number.MAX_SAFE_INTEGER }) } });
    expect(decodeRecord(withFloor(2n ** 62n), ctx)).toEqual({ ok: false, rejection: { reason: 'wrong_type:floor_micros', detail: 'bid_request.floor_micros must be a safe integer, got 4611686018427387904' } });
    // The common path is avsc's own, unchanged: 2^53 − 2 as before.
    expect(reason(decodeRecord(withFloor(BigInt(Number.MAX_SAFE_INTEGER - 1)), ctx))).toBe('ok');
  });

  it('rejects an Avro string that is not UTF-8, and keeps one that holds U+FFFD itself', () => {
    const good = encodeEvent({ type: 'bid_request', body: bidRequest({ bid_id: 'bid-é' }) });
    // "é" is C3 A9 in UTF-8; a lone C3 followed by another byte of the same length keeps the body's framing intact.
    const at = good.indexOf(Buffer.from('bid-é'));
    const bad = Buffer.from(good);
    bad[at + 5] = 0x41; // C3 41: a lead byte without its continuation
    expect(reason(decodeRecord(bad, ctx))).toBe('invalid_utf8');
    expect(decodeRecord(bad, ctx)).toMatchObject({ rejection: { detail: expect.stringContaining('bid_id') } });
    expect(reason(decodeRecord(good, ctx))).toBe('ok');
    expect(reason(decodeRecord(encodeEvent({ type: 'bid_request', body: bidRequest({ bid_id: 'bid-\uFFFD' }) }), ctx))).toBe('ok');
  });

  it('rejects an Avro string that is not UTF-8 even when another field holds a genuine U+FFFD', () => {
    // user_id is a real U+FFFD (EF BF BD); bid_id is the single byte 0xFF, which avsc reads as U+FFFD too.
    const good = encodeEvent({ type: 'bid_request', body: bidRequest({ user_id: 'u-\uFFFD', bid_id: 'Q' }) });
    const bad = Buffer.from(good);
    bad[good.indexOf(Buffer.from('Q'))] = 0xff;
    expect(decodeRecord(bad, ctx)).toEqual({ ok: false, rejection: { reason: 'invalid_utf8', detail: 'bid_request field bid_id holds bytes that are not valid UTF-8' } });
    // Both genuine, in two fields and in an older writer's record: kept as sent.
    const twice = bidRequest({ user_id: 'u-\uFFFD', bid_id: 'b-\uFFFD' });
    expect(decodeRecord(encodeEvent({ type: 'bid_request', body: twice }), ctx)).toEqual({ ok: true, event: { type: 'bid_request', body: twice } });
    const v0 = avro.Type.forSchema(bidRequestV0Schema);
    const old = encodeSingleObject(v0, { ...twice, deal_id: null, floor_currency: 'USD' });
    expect(decodeRecord(old, ctx)).toEqual({ ok: true, event: { type: 'bid_request', body: twice } });
  });

  it("rejects a bid request whose won byte is neither 0 nor 1, rather than storing it as a won auction", () => {
    // The body ends with won (one byte) and bidder_latency_ms (37, the zigzag varint 0x4a).
    const withWonByte = (record: Buffer, byte: number): Buffer => {
      const copy = Buffer.from(record);
      expect(copy.subarray(-2)).toEqual(Buffer.from([0x01, 0x4a]));
      copy[copy.length - 2] = byte;
      return copy;
    };
    const current = encodeEvent({ type: 'bid_request', body: bidRequest({ won: true, bidder_latency_ms: 37 }) });
    const v0 = encodeSingleObject(avro.Type.forSchema(bidRequestV0Schema), { ...bidRequest({ won: true, bidder_latency_ms: 37 }), deal_id: null, floor_currency: 'USD' });
    // A floor of 2^53 − 1 takes the second, exact-long reading.
    const exact = avro.Type.forSchema(avroSchemas.bid_request, { registry: { long: EXACT_LONG } });
    const body = bidRequest({ floor_micros: Number.MAX_SAFE_INTEGER, won: true, bidder_latency_ms: 37 });
    const exactLongs = encodeSingleObject(exact, { ...body, floor_micros: BigInt(body.floor_micros), bid_price_micros: BigInt(body.bid_price_micros), clearing_price_micros: BigInt(body.clearing_price_micros) }, schemaFingerprint(avroTypes.bid_request));
    for (const [name, record] of [['current', current], ['v0', v0], ['exact longs', exactLongs]] as const) {
      expect(decodeRecord(withWonByte(record, 0x00), ctx), name).toMatchObject({ ok: true, event: { body: { won: false } } });
      expect(decodeRecord(withWonByte(record, 0x01), ctx), name).toMatchObject({ ok: true, event: { body: { won: true } } });
      for (const byte of [0x02, 0xff]) {
        expect(decodeRecord(withWonByte(record, byte), ctx), `${name} ${byte}`).toEqual({
          ok: false,
          rejection: { reason: 'avro_decode', detail: `cannot decode bid_request body: a boolean is the byte 0 or 1, got 0x${byte.toString(16).padStart(2, '0')}` },
        });
      }
    }
  });

  it('says so when a bid request names a known schema with its fingerprint written big-endian', () => {
    // The current schema's fingerprint is b32f95bc55c12045 (adstream schemas); on the wire it is 45 20 c1 55 bc 95 2f b3.
    const good = encodeEvent({ type: 'bid_request', body: bidRequest() });
    expect(good.subarray(0, 10)).toEqual(Buffer.from('c3014520c155bc952fb3', 'hex'));
    const bigEndian = Buffer.concat([Buffer.from('c301b32f95bc55c12045', 'hex'), good.subarray(10)]);
    expect(decodeRecord(bigEndian, ctx)).toEqual({
      ok: false,
      rejection: {
        reason: 'avro_unknown_fingerprint',
        detail:
          'no writer schema registered for fingerprint 4520c155bc952fb3; these 8 bytes are the bid_request schema\'s fingerprint b32f95bc55c12045 written big-endian, and single-object encoding writes it little-endian (adstream schemas prints the header bytes)',
      },
    });
    // Eight bytes no schema has either way: no hint.
    const unknown = Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.from('0102030405060708', 'hex'), good.subarray(10)]);
    expect(decodeRecord(unknown, ctx)).toEqual({ ok: false, rejection: { reason: 'avro_unknown_fingerprint', detail: 'no writer schema registered for fingerprint 0807060504030201' } });
  });

  it('asks whether an event time far in the future is epoch microseconds, when read so it would be accepted', () => {
    // A second before T0 (2024-05-01T12:00:00Z), in microseconds: 1714564799000000.
    const micros = (T0 - 1000) * 1000;
    const expected = {
      ok: false,
      rejection: {
        reason: 'event_time_in_future',
        detail: 'event_time 1714564799000000 is 1712850234200000 ms after arrival 1714564800000; epoch microseconds instead of milliseconds? (2024-05-01T11:59:59.000Z read so)',
      },
    };
    expect(decodeRecord(bytes(JSON.stringify(impression({ event_time: micros }))), ctx)).toEqual(expected);
    expect(decodeRecord(encodeEvent({ type: 'click', body: click({ event_time: micros }) }), ctx)).toEqual(expected);
    // Too far ahead in microseconds as well (year 2255): no guess.
    expect(decodeRecord(bytes(JSON.stringify(impression({ event_time: 9_000_000_000_000_000 }))), ctx)).toEqual({
      ok: false,
      rejection: { reason: 'event_time_in_future', detail: 'event_time 9000000000000000 is 8998285435200000 ms after arrival 1714564800000' },
    });
  });

  it('rejects an event time after year 9999, which has no yyyy-MM-dd partition, even within the skew of its arrival', () => {
    const lastMs = Date.UTC(9999, 11, 31, 23, 59, 59, 999); // 253402300799999
    const arrival = { arrivalTime: Date.UTC(9999, 11, 31, 23, 59, 0) };
    expect(decodeRecord(bytes(JSON.stringify(impression({ event_time: lastMs }))), arrival)).toMatchObject({ ok: true });
    const expected = {
      ok: false,
      rejection: { reason: 'event_time_in_future', detail: 'event_time 253402300800000 is after 9999-12-31T23:59:59.999Z (253402300799999), which has no date the lake can partition by' },
    };
    expect(decodeRecord(bytes(JSON.stringify(impression({ event_time: lastMs + 1 }))), arrival)).toEqual(expected);
    expect(decodeRecord(encodeEvent({ type: 'click', body: click({ event_time: lastMs + 1 }) }), arrival)).toEqual(expected);
  });

  it('rejects event times before 2000, such as epoch seconds, which the lake cannot date sensibly', () => {
    for (const eventTime of [Math.floor(T0 / 1000), -62_198_755_200_000, -9_007_199_254_740_991]) {
      expect(reason(decodeRecord(bytes(JSON.stringify(impression({ event_time: eventTime }))), ctx)), String(eventTime)).toBe('event_time_too_old');
    }
    expect(reason(decodeRecord(bytes(JSON.stringify(impression({ event_time: Date.UTC(2000, 0, 1) }))), { arrivalTime: T0 }))).toBe('ok');
  });
});
