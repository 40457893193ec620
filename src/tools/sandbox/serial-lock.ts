/**
 * Runs asynchronous work one piece at a time, in arrival order. The sandbox stores
 * everything in memory and restores snapshots on rollback, which is only sound if no
 * other write interleaves with a unit of work.
 */
export class SerialLock {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `work` after everything queued before it has settled. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
