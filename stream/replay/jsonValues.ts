/**
 * The JSON values of a line or a document: one, or several with nothing but white space between
 * them, as a loop that appends `json.dump(response, f)` or `JSON.stringify(response)` to a file
 * without a line break leaves them (`{...}{...}`, or `}{` on one line between pretty-printed
 * responses). Such a capture was refused as "neither JSON Lines nor JSON documents".
 */

/** V8's word for a value followed by more text, and where the more begins. */
const MORE_AFTER_VALUE = /^Unexpected non-whitespace character after JSON at position (\d+)/;

/**
 * The whole values in order; where the text is not all whole values, JSON.parse's refusal of the
 * rest, and whether it ran out of text inside a value there, as a cut leaves it (a typo is refused
 * before the end).
 */
export interface JsonValues {
  values: unknown[];
  refused?: string;
  cut: boolean;
}

export function jsonValuesOf(text: string): JsonValues {
  const values: unknown[] = [];
  let rest = text;
  for (;;) {
    try {
      values.push(JSON.parse(rest));
      return { values, cut: false };
    } catch (error) {
      const message = (error as Error).message;
      const more = MORE_AFTER_VALUE.exec(message);
      if (more) {
        const end = Number(more[1]);
        values.push(JSON.parse(rest.slice(0, end)));
        rest = rest.slice(end);
        continue;
      }
      const at = /at position (\d+)/.exec(message);
      return { values, refused: message, cut: message.includes('end of JSON input') || (at !== null && Number(at[1]) >= rest.length) };
    }
  }
}
