/**
 * Entries as an object whose keys are in sorted order: snapshots are JSON compared byte for byte
 * (replay equality), and a Map's order is the order things happened, which two runs may not share.
 */
export function sortedRecord<V>(entries: Iterable<[string, V]>): Record<string, V> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
