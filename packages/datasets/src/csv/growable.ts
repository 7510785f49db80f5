/** An append-only typed array that doubles its capacity: one pass over a file of unknown length. */
export class Growable<T extends Float32Array | Int32Array> {
  private data: T;
  length = 0;

  constructor(private readonly make: (capacity: number) => T) {
    this.data = make(1024);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  /** Drops the last `count` values (a row that turned out to be skipped). */
  truncate(length: number): void {
    this.length = length;
  }

  at(index: number): number {
    return this.data[index]!;
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }

  /** The values pushed so far (a view: later pushes may reallocate). */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

export const growableFloat32 = () => new Growable((n) => new Float32Array(n));
export const growableInt32 = () => new Growable((n) => new Int32Array(n));
