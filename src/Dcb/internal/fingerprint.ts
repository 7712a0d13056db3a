/**
 * A content fingerprint: SHA-256 (`node:crypto`) over length-prefixed fields,
 * rendered as 64 hex digits. It decides "same request or not" (a retried
 * append or HTTP request against a reused id or key) and shortens long keys,
 * so it must be collision-resistant: a 64-bit non-cryptographic hash can be
 * made to collide on purpose.
 *
 * @internal
 */
import { createHash, type Hash } from "node:crypto"

/** @internal */
export class Fingerprint {
  private readonly hash: Hash = createHash("sha256")

  /** Feeds bytes, then their length (so adjacent fields cannot run into each other). */
  bytes(data: Uint8Array): this {
    this.hash.update(data)
    return this.length(data.length)
  }

  /** Feeds a string (as UTF-16 code units, so lone surrogates count too), then its length. */
  text(s: string): this {
    this.hash.update(s, "utf16le")
    return this.length(s.length)
  }

  /** Feeds a non-negative integer (as a field separator and a length). */
  length(n: number): this {
    const out: Array<number> = [0xff]
    do {
      out.push(n & 0x7f)
      n = Math.floor(n / 128)
    } while (n > 0)
    this.hash.update(Uint8Array.from(out))
    return this
  }

  /** The 64 hex digits. */
  digest(): string {
    return this.hash.digest("hex")
  }
}

/** The fingerprint of one string. @internal */
export const ofText = (s: string): string => new Fingerprint().text(s).digest()

/**
 * The fingerprint of some strings: their count, then each length-prefixed
 * (so `["ab", "c"]` and `["a", "bc"]` differ). @internal
 */
export const ofFields = (...fields: ReadonlyArray<string>): string => {
  const print = new Fingerprint().length(fields.length)
  for (const field of fields) print.text(field)
  return print.digest()
}
