/**
 * The size FoundationDB counts against its 10,000,000-byte transaction limit
 * (`transaction_too_large`, 2101), computed the way the client computes it at
 * commit, so that the simulator and our own pre-commit budgets agree with a
 * cluster.
 *
 * In the C client (`fdbclient/NativeAPI.actor.cpp`, `Transaction::commitMutations`)
 * the size checked against `TRANSACTION_SIZE_LIMIT` (1e7, `ClientKnobs.cpp`) is
 * `getSize()`: the `expectedSize()` of three vectors of the commit request —
 * the mutations, the read conflict ranges and the write conflict ranges.
 * A `VectorRef<T>` of non-trivial `T` counts `sizeof(T)` per element plus each
 * element's own `expectedSize()` (`flow/Arena.h`):
 *
 * - a mutation (`MutationRef`: a 1-byte type and two `StringRef`s of 12 bytes,
 *   packed to 4) counts {@link mutationOverhead} = 28 bytes plus its two
 *   parameters: key and value for a set, begin and end for a clear (a single
 *   key clear is the range `[key, key + 0x00)`), the key **with its 4-byte
 *   offset suffix** for a versionstamped key, the value with its 4-byte offset
 *   for a versionstamped value;
 * - a conflict range (`KeyRangeRef`: two `StringRef`s) counts
 *   {@link rangeOverhead} = 24 bytes plus its begin and end.
 *
 * The read-your-writes layer that every binding uses first coalesces what the
 * transaction did: one mutation per key for repeated sets (the last one),
 * merged clears, and merged (overlapping or adjacent) read and write conflict
 * ranges. A set, a clear and a versionstamped value each add the write
 * conflict range of their key; a versionstamped key adds none on the client
 * (its final key is only known at the commit proxy, which adds it there). A
 * non-snapshot read adds its read conflict range. Values read are not counted.
 *
 * @since 0.1.0
 */

/**
 * `sizeof(MutationRef)` on a 64-bit client.
 *
 * @category constants
 * @since 0.1.0
 */
export const mutationOverhead = 28

/**
 * `sizeof(KeyRangeRef)` on a 64-bit client.
 *
 * @category constants
 * @since 0.1.0
 */
export const rangeOverhead = 24

/**
 * Bytes of the 4-byte little-endian offset that versionstamped keys and values
 * carry to the commit (API version 520 and later).
 *
 * @category constants
 * @since 0.1.0
 */
export const versionstampOffsetBytes = 4

/**
 * A set of a key: its mutation and its write conflict range `[key, key + 0x00)`.
 *
 * @category sizes
 * @since 0.1.0
 */
export const set = (keyBytes: number, valueBytes: number): number =>
  mutationOverhead + keyBytes + valueBytes + range(keyBytes, keyBytes + 1)

/**
 * A clear of one key: the mutation `[key, key + 0x00)` and the same write
 * conflict range.
 *
 * @category sizes
 * @since 0.1.0
 */
export const clear = (keyBytes: number): number =>
  mutationOverhead + keyBytes + keyBytes + 1 + range(keyBytes, keyBytes + 1)

/**
 * A versionstamped key: its mutation only (key with its offset, and the
 * value); the write conflict range is added by the commit proxy, after the
 * client checked the size.
 *
 * @category sizes
 * @since 0.1.0
 */
export const versionstampedKey = (keyBytes: number, valueBytes: number): number =>
  mutationOverhead + keyBytes + versionstampOffsetBytes + valueBytes

/**
 * A versionstamped value: the mutation (key, and the value with its offset)
 * and the key's write conflict range.
 *
 * @category sizes
 * @since 0.1.0
 */
export const versionstampedValue = (keyBytes: number, valueBytes: number): number =>
  mutationOverhead + keyBytes + valueBytes + versionstampOffsetBytes + range(keyBytes, keyBytes + 1)

/**
 * A conflict range (read or write) of the given begin and end lengths.
 *
 * @category sizes
 * @since 0.1.0
 */
export const range = (beginBytes: number, endBytes: number): number => rangeOverhead + beginBytes + endBytes

/**
 * The read conflict range of a point read of a key.
 *
 * @category sizes
 * @since 0.1.0
 */
export const pointRead = (keyBytes: number): number => range(keyBytes, keyBytes + 1)

/**
 * Merges ranges (`[begin, end)` as binary strings, one char per byte) that
 * overlap or touch, as the read-your-writes layer does before commit.
 *
 * @category sizes
 * @since 0.1.0
 */
export const coalesce = (
  ranges: ReadonlyArray<readonly [string, string]>
): Array<readonly [string, string]> => {
  const sorted = ranges.filter(([b, e]) => b < e)
  // Stryker disable next-line EqualityOperator: ranges of equal begins merge alike in either order
  sorted.sort((x, y) => (x[0] < y[0] ? -1 : 1))
  const out: Array<[string, string]> = []
  for (const [b, e] of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && b <= last[1]) {
      // Stryker disable next-line EqualityOperator: on a tie the end stays the same
      if (e > last[1]) last[1] = e
    } else out.push([b, e])
  }
  return out
}

/**
 * The counted size of a list of ranges.
 *
 * @category sizes
 * @since 0.1.0
 */
export const ranges = (list: ReadonlyArray<readonly [string, string]>): number => {
  let total = 0
  for (const [b, e] of list) total += range(b.length, e.length)
  return total
}
