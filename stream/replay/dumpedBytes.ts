/**
 * A record's Data as a capture script's JSON serializer leaves bytes it was not told to turn into
 * base64: the AWS SDK for JavaScript v3 gives Data as a Uint8Array, which JSON.stringify writes
 * as an object of indices (`{"0":123,"1":34,...}`), a Node Buffer as `{"type":"Buffer","data":
 * [...]}`; boto3 gives bytes, which `json.dumps(response, default=str)` (the usual way past its
 * datetimes) writes as Python's literal (`"b'{\"type\": ...\\x00'"`). Each holds every byte, and
 * none can be mistaken for base64 or for another, so the capture is read as it is rather than
 * refused for want of a conversion script.
 */

const isByte = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255;

/** `[123, 34, ...]`: the byte values in order, as Array.from(data) or a Buffer's JSON holds them. */
function fromByteArray(values: readonly unknown[]): Uint8Array | undefined {
  return values.every(isByte) ? Uint8Array.from(values) : undefined;
}

/**
 * `{"0":123,"1":34,...}`: JSON.stringify of a Uint8Array, every index from 0 and nothing else.
 * Not `{}`: an empty Uint8Array writes it, but so does an ArrayBuffer of any length, its bytes lost.
 */
function fromIndexedObject(fields: Record<string, unknown>): Uint8Array | undefined {
  const keys = Object.keys(fields);
  if (keys.length === 0) return undefined;
  const bytes = new Uint8Array(keys.length);
  for (let i = 0; i < keys.length; i += 1) {
    const value = fields[String(i)];
    if (!isByte(value)) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

const PYTHON_ESCAPES: Record<string, number> = { '\\': 0x5c, "'": 0x27, '"': 0x22, n: 0x0a, r: 0x0d, t: 0x09 };
const HEX_BYTE = /^[0-9a-f]{2}$/i;

/**
 * `b'...'` or `b"..."`, Python's repr of bytes: printable ASCII as itself, and every other byte
 * as one of the escapes repr writes (\\ \' \" \n \r \t \xhh). Anything else is not such a literal.
 */
function fromPythonBytesLiteral(text: string): Uint8Array | undefined {
  const quote = text[1];
  if (text[0] !== 'b' || (quote !== "'" && quote !== '"') || text.length < 3 || text[text.length - 1] !== quote) return undefined;
  const bytes: number[] = [];
  for (let i = 2; i < text.length - 1; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || text[i] === quote) return undefined;
    if (text[i] !== '\\') {
      bytes.push(code);
      continue;
    }
    const escape = text[(i += 1)];
    if (escape === 'x' && HEX_BYTE.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (escape in PYTHON_ESCAPES) bytes.push(PYTHON_ESCAPES[escape]);
    else return undefined;
  }
  return Uint8Array.from(bytes);
}

/** The bytes of a Data value in one of the forms above; undefined for any other value. */
export function dumpedBytesOf(data: unknown): Uint8Array | undefined {
  if (typeof data === 'string') return data.startsWith('b') ? fromPythonBytesLiteral(data) : undefined;
  if (Array.isArray(data)) return fromByteArray(data);
  if (typeof data !== 'object' || data === null) return undefined;
  const fields = data as Record<string, unknown>;
  if (fields.type === 'Buffer' && Array.isArray(fields.data)) return fromByteArray(fields.data);
  return fromIndexedObject(fields);
}
