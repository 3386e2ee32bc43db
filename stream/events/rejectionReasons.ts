/**
 * The closed set of rejection reason classes. A reason code is its class, optionally followed by
 * `:<field>` (`missing_field:campaign_id`), so the codes are an open set but their classes are
 * not: the DLQ is partitioned by class (`_rejected/reason_class=<class>/...`) and Athena's enum
 * projection lists exactly these values, so a class missing here would be invisible to Athena.
 * `Rejection.reason` is typed from this list, so a decoder cannot emit a code outside it.
 */

export const REJECTION_REASON_CLASSES = [
  'empty_record', // wire.ts
  'json_syntax', // codecs/json.ts
  'json_not_object',
  'json_not_impression',
  'csv_syntax', // codecs/csv.ts
  'csv_unknown_type',
  'csv_column_count',
  'avro_decode', // codecs/avro.ts
  'avro_unknown_fingerprint',
  'missing_field', // validate.ts, with `:<field>`
  'wrong_type',
  'negative_money',
  'event_time_in_future',
  'event_time_too_old',
  'field_too_long', // with `:<field>`
  'invalid_utf8', // wire.ts, codecs/avro.ts
  'compressed_record',
  'undecodable', // wire.ts: the decoder itself failed on the record
  'kpl_checksum_mismatch', // kpl/userRecords.ts
  'kpl_malformed',
  'kpl_outside_shard',
] as const;

export type ReasonClass = (typeof REJECTION_REASON_CLASSES)[number];

/** The classes whose codes name the offending field. */
type FieldReasonClass = 'missing_field' | 'wrong_type' | 'negative_money' | 'field_too_long';

/** A reason code as decoders emit it. */
export type RejectionReason = Exclude<ReasonClass, FieldReasonClass> | `${FieldReasonClass}:${string}`;

const classes: ReadonlySet<string> = new Set(REJECTION_REASON_CLASSES);

/**
 * The class of a reason code: the part before any `:`. Throws on a code outside the closed set:
 * the types rule that out, so meeting one is a programming error, not bad input.
 */
export function reasonClass(reason: string): ReasonClass {
  const colon = reason.indexOf(':');
  const head = colon === -1 ? reason : reason.slice(0, colon);
  if (!classes.has(head)) throw new RangeError(`rejection reason ${JSON.stringify(reason)} is not in REJECTION_REASON_CLASSES`);
  return head as ReasonClass;
}
