/**
 * The FoundationDB tuple encoding (the subset Fairway uses), byte-compatible
 * with the tuple layer of the official bindings: byte order of packed tuples
 * is the order of the tuples, so a tuple prefix is a key range.
 *
 * Supported elements: `null`, byte strings (`Uint8Array`), unicode strings,
 * integers (`number` safe integers or `bigint`, up to 8 bytes of magnitude),
 * booleans and 12-byte {@link Versionstamp}s (10 bytes of commit version,
 * 2 bytes of user version). Keys are plain `Uint8Array`s.
 *
 * @example
 * ```ts
 * import { Tuple } from "fairway/Fdb"
 *
 * const key = Tuple.pack(["fairway", "events", "t", "CourseDefined"])
 * const [begin, end] = Tuple.range(key) // every key extending that tuple
 * ```
 *
 * @since 0.1.0
 */

/**
 * A 12-byte versionstamp as a tuple element.
 *
 * @category models
 * @since 0.1.0
 */
export interface Versionstamp {
  readonly _tag: "Versionstamp"
  readonly bytes: Uint8Array
}

/**
 * An element of a tuple.
 *
 * @category models
 * @since 0.1.0
 */
export type TupleItem = null | Uint8Array | string | number | bigint | boolean | Versionstamp

/**
 * Makes a versionstamp element from its 12 bytes.
 *
 * @category constructors
 * @since 0.1.0
 */
export const versionstamp = (bytes: Uint8Array): Versionstamp => {
  if (bytes.length !== 12) throw new RangeError(`a versionstamp has 12 bytes, got ${bytes.length}`)
  return { _tag: "Versionstamp", bytes }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder("utf-8", { fatal: true })

/** Type codes of the tuple layer. */
const NULL = 0x00
const BYTES = 0x01
const STRING = 0x02
const INT_ZERO = 0x14
const FALSE = 0x26
const TRUE = 0x27
const VERSIONSTAMP = 0x33

/**
 * The type code that starts a packed versionstamp element (`0x33`). A key
 * range over `prefix + 0x33 … prefix + 0x34` holds exactly the keys that are
 * `prefix` followed by one versionstamp.
 *
 * @category codes
 * @since 0.1.0
 */
export const versionstampCode = VERSIONSTAMP

class Writer {
  buf = new Uint8Array(64)
  len = 0
  ensure(n: number) {
    if (this.len + n <= this.buf.length) return
    // Stryker disable next-line ArithmeticOperator: equivalent: the loop below doubles until the bytes fit
    let size = this.buf.length * 2
    // Stryker disable next-line all: equivalent: every write asks for at most 12 bytes and the buffer starts at 64, so one doubling always fits
    while (size < this.len + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
  }
  byte(b: number) {
    this.ensure(1)
    this.buf[this.len++] = b
  }
  bytes(b: Uint8Array) {
    this.ensure(b.length)
    this.buf.set(b, this.len)
    this.len += b.length
  }
  escaped(b: Uint8Array) {
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!
      this.byte(c)
      if (c === 0) this.byte(0xff)
    }
    this.byte(0)
  }
  result() {
    return this.buf.slice(0, this.len)
  }
}

const MAX_INT = (1n << 64n) - 1n

const packItem = (w: Writer, item: TupleItem): void => {
  if (item === null) return w.byte(NULL)
  if (item instanceof Uint8Array) {
    w.byte(BYTES)
    return w.escaped(item)
  }
  switch (typeof item) {
    case "string":
      w.byte(STRING)
      return w.escaped(encoder.encode(item))
    case "boolean":
      return w.byte(item ? TRUE : FALSE)
    case "number":
    case "bigint": {
      if (typeof item === "number" && !Number.isSafeInteger(item)) {
        throw new RangeError(`tuple integers must be safe integers, got ${item}`)
      }
      let n = BigInt(item)
      if (n === 0n) return w.byte(INT_ZERO)
      const negative = n < 0n
      if (negative) n = -n
      if (n > MAX_INT) throw new RangeError("tuple integers are limited to 8 bytes of magnitude")
      const bytes: Array<number> = []
      for (let m = n; m > 0n; m >>= 8n) bytes.unshift(Number(m & 0xffn))
      if (negative) {
        w.byte(INT_ZERO - bytes.length)
        for (const b of bytes) w.byte(~b & 0xff)
      } else {
        w.byte(INT_ZERO + bytes.length)
        for (const b of bytes) w.byte(b)
      }
      return
    }
    default: {
      if (item._tag === "Versionstamp") {
        w.byte(VERSIONSTAMP)
        return w.bytes(item.bytes)
      }
      throw new TypeError(`unsupported tuple element: ${String(item)}`)
    }
  }
}

/**
 * Packs a tuple into key bytes.
 *
 * @category encoding
 * @since 0.1.0
 */
export const pack = (items: ReadonlyArray<TupleItem>): Uint8Array => {
  const w = new Writer()
  for (const item of items) packItem(w, item)
  return w.result()
}

const readEscaped = (key: Uint8Array, start: number): [Uint8Array, number] => {
  const out: Array<number> = []
  let i = start
  for (;;) {
    if (i >= key.length) throw new RangeError("unterminated tuple element")
    const c = key[i]!
    if (c === 0) {
      if (key[i + 1] === 0xff) {
        out.push(0)
        i += 2
        continue
      }
      return [Uint8Array.from(out), i + 1]
    }
    out.push(c)
    i++
  }
}

/**
 * Unpacks key bytes into a tuple. Integers come back as `number` when safe,
 * as `bigint` otherwise.
 *
 * @throws RangeError on bytes that are not a packed tuple.
 * @category encoding
 * @since 0.1.0
 */
export const unpack = (key: Uint8Array): Array<TupleItem> => {
  const items: Array<TupleItem> = []
  let i = 0
  while (i < key.length) {
    const code = key[i++]!
    if (code === NULL) items.push(null)
    else if (code === BYTES) {
      const [b, next] = readEscaped(key, i)
      items.push(b)
      i = next
    } else if (code === STRING) {
      const [b, next] = readEscaped(key, i)
      items.push(decoder.decode(b))
      i = next
    } else if (code === FALSE || code === TRUE) items.push(code === TRUE)
    else if (code === VERSIONSTAMP) {
      if (i + 12 > key.length) throw new RangeError("truncated versionstamp")
      items.push(versionstamp(key.slice(i, i + 12)))
      i += 12
    } else if (code >= INT_ZERO - 8 && code <= INT_ZERO + 8) {
      const n = Math.abs(code - INT_ZERO)
      if (i + n > key.length) throw new RangeError("truncated integer")
      let v = 0n
      for (let j = 0; j < n; j++) {
        const b = key[i + j]!
        v = (v << 8n) | BigInt(code < INT_ZERO ? ~b & 0xff : b)
      }
      i += n
      if (code < INT_ZERO) v = -v
      items.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v)
    } else throw new RangeError(`unsupported tuple type code 0x${code.toString(16)}`)
  }
  return items
}

/**
 * Concatenates byte strings.
 *
 * @category bytes
 * @since 0.1.0
 */
export const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/**
 * The range `[prefix + 0x00, prefix + 0xff)` of every key that extends a
 * packed tuple (as the tuple layer's `range`).
 *
 * @category ranges
 * @since 0.1.0
 */
export const range = (prefix: Uint8Array): readonly [Uint8Array, Uint8Array] => [
  concat(prefix, Uint8Array.of(0x00)),
  concat(prefix, Uint8Array.of(0xff))
]

/**
 * The first key after every key that starts with `key` (FoundationDB's
 * `strinc`): drop trailing `0xff` bytes and increment the last byte.
 *
 * @throws RangeError when the key is empty or all `0xff`.
 * @category ranges
 * @since 0.1.0
 */
export const strinc = (key: Uint8Array): Uint8Array => {
  let n = key.length
  while (n > 0 && key[n - 1] === 0xff) n--
  if (n === 0) throw new RangeError("strinc: key must contain a byte other than 0xff")
  const out = key.slice(0, n)
  out[n - 1]!++
  return out
}

/**
 * The key right after `key` in byte order (`key + 0x00`).
 *
 * @category ranges
 * @since 0.1.0
 */
export const keyAfter = (key: Uint8Array): Uint8Array => concat(key, Uint8Array.of(0))

/**
 * Compares byte strings in FoundationDB's key order (unsigned, lexicographic).
 *
 * @category ranges
 * @since 0.1.0
 */
export const compare = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  return a.length - b.length
}

/**
 * Whether two byte strings are equal.
 *
 * @category ranges
 * @since 0.1.0
 */
export const equals = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && compare(a, b) === 0
