// Serialises client operations that depend on the stub's sticky state (Hg/Hc thread,
// PhyMemMode): two overlapping reads for different vCPUs must not interleave their H packets.
export class Lock {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }
}
