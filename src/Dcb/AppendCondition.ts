/**
 * Append conditions: the consistency boundary of one decision.
 *
 * "Fail if any event matching `failIfEventsMatch` was appended after
 * position `after`" (or at all, when `after` is absent). A command that read
 * the events matching a query up to position P appends with
 * `{ failIfEventsMatch: query, after: P }`: the append fails, writing nothing,
 * when a concurrent writer added an event its decision did not see.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Query from "./Query.ts"
import * as SequencePosition from "./SequencePosition.ts"

/**
 * An append condition.
 *
 * @category models
 * @since 0.1.0
 */
export interface AppendCondition {
  readonly failIfEventsMatch: Query.Query
  readonly after?: SequencePosition.SequencePosition | undefined
}

/**
 * Makes an append condition.
 *
 * @example
 * ```ts
 * import { AppendCondition, Query } from "fairway/Dcb"
 *
 * // no event tagged username:alice may exist at all
 * AppendCondition.make(Query.fromItems([{ tags: ["username:alice"] }]))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  failIfEventsMatch: Query.Query,
  after?: SequencePosition.SequencePosition | undefined
): AppendCondition => (after === undefined ? { failIfEventsMatch } : { failIfEventsMatch, after })

/**
 * Schema of an append condition (for JSON and HTTP).
 *
 * @category schemas
 * @since 0.1.0
 */
export const AppendConditionSchema = Schema.Struct({
  failIfEventsMatch: Query.QuerySchema,
  after: Schema.optionalKey(SequencePosition.SequencePosition)
})
