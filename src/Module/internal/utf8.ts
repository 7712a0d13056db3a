/**
 * UTF-8 helpers for the hot paths of views: `TextEncoder.encode` costs a few
 * hundred nanoseconds even for a short string (a call into the runtime and a
 * fresh buffer), which dominated committing small states. These give the
 * same bytes (and the same lengths) as `TextEncoder`, a lone surrogate
 * included (U+FFFD).
 *
 * @internal
 */

const encoder = new TextEncoder()

/** Strings up to this length are tried on the ASCII path first. */
const shortString = 64

/**
 * The UTF-8 bytes of a string, as `TextEncoder.encode` gives them.
 *
 * @internal
 */
export const encode = (s: string): Uint8Array => {
  // (not a string, e.g. `JSON.stringify(undefined)`: what `TextEncoder` makes of it)
  if (typeof s !== "string" || s.length > shortString) return encoder.encode(s)
  const n = s.length
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c > 0x7f) return encoder.encode(s)
    out[i] = c
  }
  return out
}

/**
 * The length of a string in UTF-8 bytes (`TextEncoder.encode(s).length`),
 * without encoding it.
 *
 * @internal
 */
export const byteLength = (s: string): number => {
  const n = s.length
  let bytes = n
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) bytes += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 2 // a surrogate pair: 4 bytes for 2 code units
        i++
      } else bytes += 2 // a lone high surrogate: U+FFFD, 3 bytes
    } else bytes += 2 // the rest of the BMP (a lone surrogate too: U+FFFD): 3 bytes
  }
  return bytes
}

/**
 * How many U+0000 characters a string holds (each a 0x00 byte in UTF-8).
 *
 * @internal
 */
export const nulCount = (s: string): number => {
  let zeros = 0
  for (let i = s.indexOf("\u0000"); i !== -1; i = s.indexOf("\u0000", i + 1)) zeros++
  return zeros
}
