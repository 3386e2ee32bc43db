/**
 * Cutting text short without cutting a character in half: a slice that ends on the first half of
 * a surrogate pair (an emoji, say) leaves a lone surrogate, which is not UTF-8 and is stored as
 * U+FFFD in the lake.
 */

/** The first `length` UTF-16 units of `text`, one fewer where the last would be half a pair. */
export const sliceWholeCharacters = (text: string, length: number): string => {
  const last = text.charCodeAt(length - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? length - 1 : length);
};

/** `text` as it is when at most `max` units long, else cut to fit with `...` at its end. */
export const clipped = (text: string, max: number): string => (text.length > max ? `${sliceWholeCharacters(text, max - 3)}...` : text);
