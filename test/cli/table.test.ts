/** The query table: four decimal places, but a small value that is not 0 is not printed as 0. */
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../stream/cli/table.ts';

describe('formatTable', () => {
  it('prints fractions to four places, and tiny ones (a p-value, a share of 0.002 %) with four significant digits rather than 0.0000', () => {
    const lines = formatTable([{ share: 0.5, tiny: 0.00002, p: 3e-9, n: 7 }]).split('\n');
    expect(lines[0].split(/ +/)).toEqual(['share', 'tiny', 'p', 'n']);
    expect(lines[2].split(/ +/)).toEqual(['0.5000', '0.00002000', '3.000e-9', '7']);
  });
});
