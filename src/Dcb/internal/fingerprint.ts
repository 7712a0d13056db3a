/**
 * A 64-bit content fingerprint: two independent 32-bit FNV-1a style lanes,
 * rendered as 16 hex digits. Not cryptographic: it tells a retried request or
 * append from a different one, and shortens long keys.
 *
 * @internal
 */

/** @internal */
export class Fingerprint {
  private h1 = 0x811c9dc5
  private h2 = 0x9747b28c

  /** Feeds one byte. */
  byte(b: number): this {
    this.h1 = Math.imul(this.h1 ^ b, 0x01000193)
    this.h2 = Math.imul(this.h2 ^ b, 0x5bd1e995) ^ (this.h2 >>> 15)
    return this
  }

  /** Feeds bytes, then their length (so adjacent fields cannot run into each other). */
  bytes(data: Uint8Array): this {
    for (let i = 0; i < data.length; i++) this.byte(data[i]!)
    return this.length(data.length)
  }

  /** Feeds a string's UTF-16 code units, then its length. */
  text(s: string): this {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      this.byte(c & 0xff)
      this.byte(c >>> 8)
    }
    return this.length(s.length)
  }

  /** Feeds a non-negative integer (as a field separator and a length). */
  length(n: number): this {
    this.byte(0xff)
    do {
      this.byte(n & 0x7f)
      n = Math.floor(n / 128)
    } while (n > 0)
    return this
  }

  /** The 16 hex digits. */
  digest(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, "0") + (this.h2 >>> 0).toString(16).padStart(8, "0")
  }
}

/** The fingerprint of one string. @internal */
export const ofText = (s: string): string => new Fingerprint().text(s).digest()
