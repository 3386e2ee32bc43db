/**
 * Runs async work one call at a time, in call order, each after the one before has settled,
 * fulfilled or rejected (a failure is its caller's, not the next caller's). For resources that
 * must not be used by two calls at once: a DuckDB connection (one statement at a time), a file
 * read from an offset and appended to, a lease item written with its counter.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every call made so far has settled; never rejects. */
  async settled(): Promise<void> {
    await this.tail;
  }
}
