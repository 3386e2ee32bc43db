/**
 * Characters a reader cannot see or tell from a space (format characters such as U+200B and
 * U+FEFF, separators such as U+00A0) written as \u escapes: a CSV first cell of "\u200Bclick" was
 * reported as got "click", which reads as no reason at all.
 */
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/gu;
export const visible = (text: string): string => text.replace(INVISIBLE, (ch) => `\\u${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
