/**
 * What a record that is none of the wire formats probably is, for the rejection's detail: the
 * reason code stays the format's (the DLQ groups by it), but "a CSV record that is not UTF-8" sent
 * a producer who had put a whole Avro container, or base64 text, looking in the wrong place.
 */
import { KPL_MAGIC, hasKplMagic } from '../kpl/aggregatedRecordFormat.ts';

const AVRO_CONTAINER_MAGIC = Buffer.from('Obj\x01', 'latin1');
const BASE64_TEXT = /^[A-Za-z0-9+/]{8,}={0,2}$/;
/** How an event starts on the wire: a JSON impression (by its first key), a CSV click or conversion, a single-object bid request. */
const EVENT_STARTS = [Buffer.from('{"'), Buffer.from('click,'), Buffer.from('conversion,'), Buffer.from([0xc3, 0x01])];
const CSV_EVENT_STARTS = [Buffer.from('click,'), Buffer.from('conversion,')];

const startsWith = (buf: Buffer, prefix: Uint8Array): boolean => buf.length >= prefix.length && buf.subarray(0, prefix.length).equals(prefix);

/** The detail for a record that is not UTF-8 text and no other format either. */
export function notTextDetail(buf: Buffer): string {
  if (CSV_EVENT_STARTS.some((start) => startsWith(buf, start))) {
    // A click or conversion in another encoding (Windows-1252 from a spreadsheet, say).
    const at = buf.findIndex((byte) => byte > 0x7f);
    return `a CSV record of ${buf.length} bytes that is not valid UTF-8 (byte 0x${buf[at].toString(16)} at offset ${at}; another encoding, such as Windows-1252?)`;
  }
  if (startsWith(buf, AVRO_CONTAINER_MAGIC)) {
    return `an Avro object container file of ${buf.length} bytes (it starts "Obj\\x01"), not one event: put each bid request as a single-object record (0xC3 0x01, the schema's fingerprint, the body), as adstream produce does with a container file`;
  }
  // An aggregate long enough to open came out of one: only its sub-records reach the decoder whole.
  if (hasKplMagic(buf)) {
    return `a KPL aggregate of ${buf.length} bytes inside a KPL aggregate: aggregates are opened one level deep, as the KCL opens them; aggregate the user records themselves`;
  }
  if (startsWith(buf, KPL_MAGIC)) {
    return `a record of ${buf.length} bytes that starts with the KPL aggregate magic but is too short to be an aggregate (the magic, a body and a 16-byte MD5, as the KCL reads one), and is not UTF-8 text either`;
  }
  return `a record of ${buf.length} bytes that is neither UTF-8 text (a JSON impression, a CSV click or conversion) nor a single-object Avro record (which starts 0xC3 0x01)`;
}

/**
 * A hint when the record's text is base64 of an event: the AWS CLI v1 puts `--data` as it is
 * given, so `--data "$(base64 event.json)"` stores the base64 text itself, wrapped at 76
 * characters by GNU base64.
 */
export function base64Hint(buf: Buffer): string | undefined {
  const text = buf.toString('latin1').replace(/\s+/g, '');
  if (text.length % 4 !== 0 || !BASE64_TEXT.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  if (!EVENT_STARTS.some((start) => startsWith(decoded, start))) return undefined;
  return 'the record is base64 of an event: the AWS CLI v1 puts --data as it is given, so give it the event itself, or its bytes with fileb://';
}
