/**
 * Bytes received but not yet consumed, kept as the chunks they arrived in. Taking bytes never copies
 * more than the bytes taken; searching for a delimiter joins chunks only when a search needs it.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Removes and returns exactly n bytes; the caller checks `length` first. */
  take(n: number): Buffer {
    if (n > this.total) throw new RangeError(`take(${n}) with only ${this.total} bytes queued`);
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    if (first.length === n) {
      this.chunks.shift();
      this.total -= n;
      return first;
    }
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      this.total -= n;
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const want = n - filled;
      if (chunk.length <= want) {
        chunk.copy(out, filled);
        filled += chunk.length;
        this.chunks.shift();
      } else {
        chunk.copy(out, filled, 0, want);
        this.chunks[0] = chunk.subarray(want);
        filled += want;
      }
    }
    this.total -= n;
    return out;
  }

  /** Removes everything queued. */
  takeAll(): Buffer {
    return this.take(this.total);
  }

  /** Position of the first occurrence of `needle`, or -1. */
  indexOf(needle: Buffer): number {
    if (this.chunks.length > 1) {
      const joined = Buffer.concat(this.chunks, this.total);
      this.chunks = [joined];
    }
    return this.chunks[0]?.indexOf(needle) ?? -1;
  }

  /** Everything queued, as one Buffer, without consuming it (chunks are joined once). */
  peekAll(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.total)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** The byte at position i (0 ≤ i < length). */
  byteAt(i: number): number {
    let offset = i;
    for (const chunk of this.chunks) {
      if (offset < chunk.length) return chunk[offset]!;
      offset -= chunk.length;
    }
    throw new RangeError(`byteAt(${i}) with only ${this.total} bytes queued`);
  }

  /** Reads a big-endian unsigned 32-bit integer at the front without consuming it. */
  peekUInt32BE(): number {
    return ((this.byteAt(0) << 24) >>> 0) + (this.byteAt(1) << 16) + (this.byteAt(2) << 8) + this.byteAt(3);
  }
}
