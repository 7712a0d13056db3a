/**
 * Sequence positions: where an event stands in the log.
 *
 * A `SequencePosition` is a branded `bigint`, unique per event and increasing
 * in commit order. Positions may have gaps (on FoundationDB they are derived
 * from versionstamps, not from a counter), so never compute "the next
 * position": compare them. The {@link SequencePosition} schema encodes a
 * position as a decimal string, for persistence and JSON.
 *
 * @since 0.1.0
 */
import type * as Brand from "effect/Brand"
import * as Order from "effect/Order"
import * as Schema from "effect/Schema"

/**
 * A position in the event log: a `bigint` branded `"SequencePosition"`.
 *
 * @category models
 * @since 0.1.0
 */
export type SequencePosition = bigint & Brand.Brand<"SequencePosition">

/**
 * Schema of a position: decodes a decimal string (as found in JSON or in a
 * stored checkpoint) to a `SequencePosition`, and encodes it back.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { SequencePosition } from "fairway/Dcb"
 *
 * Schema.decodeUnknownSync(SequencePosition.SequencePosition)("42") // 42n
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const SequencePosition = Schema.BigIntFromString.check(Schema.isGreaterThanOrEqualToBigInt(0n)).pipe(
  Schema.brand("SequencePosition")
)

/**
 * Makes a position from a non-negative `bigint` or safe integer.
 *
 * @throws RangeError when the value is negative or not an integer.
 * @category constructors
 * @since 0.1.0
 */
export const make = (value: bigint | number): SequencePosition => {
  const n = typeof value === "number" ? (Number.isSafeInteger(value) ? BigInt(value) : NaN) : value
  if (typeof n !== "bigint" || n < 0n) throw new RangeError(`Invalid sequence position: ${String(value)}`)
  return n as SequencePosition
}

/**
 * The total order of positions (ascending).
 *
 * @category instances
 * @since 0.1.0
 */
export const Order_: Order.Order<SequencePosition> = Order.BigInt as Order.Order<SequencePosition>
export { Order_ as Order }

/**
 * The greater of two positions.
 *
 * @category combinators
 * @since 0.1.0
 */
export const max = (a: SequencePosition, b: SequencePosition): SequencePosition => (a >= b ? a : b)

/**
 * The lesser of two positions.
 *
 * @category combinators
 * @since 0.1.0
 */
export const min = (a: SequencePosition, b: SequencePosition): SequencePosition => (a <= b ? a : b)

/**
 * `true` when `position` is strictly after `after` (an absent `after` means
 * "before the first event", so every position is after it).
 *
 * @category predicates
 * @since 0.1.0
 */
export const isAfter = (position: SequencePosition, after: SequencePosition | undefined): boolean =>
  after === undefined || position > after

/**
 * Formats a position as its decimal string (the same text its schema encodes).
 *
 * @category formatting
 * @since 0.1.0
 */
export const format = (position: SequencePosition): string => position.toString()
