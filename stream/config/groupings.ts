/** The configured window groupings (`windowGroupings`), for the live worker and replay alike. */
import { parseGroupings, type Dimension } from '../pipeline/dimensions.ts';
import { ConfigError } from './load.ts';

export function windowGroupingsOf(text: string): Dimension[][] {
  try {
    return parseGroupings(text);
  } catch (error) {
    throw new ConfigError(`windowGroupings (ADSTREAM_WINDOW_GROUPINGS) "${text}" is not valid: ${(error as Error).message}.`);
  }
}
