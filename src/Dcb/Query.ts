/**
 * Queries: which events a read, a decision or an append condition is about.
 *
 * A query is either {@link all} (every event) or a non-empty list of
 * {@link QueryItem}s. An event matches an item when its type is one of the
 * item's `types` (if given) AND its tags contain every one of the item's
 * `tags` (if given); it matches a query when it matches at least one item.
 * An item with neither types nor tags is invalid: use {@link all} instead
 * ({@link validate} reports it as an {@link InvalidQuery} error).
 *
 * @example
 * ```ts
 * import { Query } from "fairway/Dcb"
 *
 * const q = Query.fromItems([
 *   { types: ["CourseDefined", "CourseCapacityChanged"], tags: ["course:c1"] },
 *   { tags: ["student:s7"] }
 * ])
 * Query.matches(q, { type: "CourseDefined", tags: ["course:c1"] }) // true
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Schema from "effect/Schema"

/**
 * One item of a query: event types (OR'ed) and tags (AND'ed).
 *
 * @category models
 * @since 0.1.0
 */
export interface QueryItem {
  readonly types?: ReadonlyArray<string> | undefined
  readonly tags?: ReadonlyArray<string> | undefined
}

/**
 * The query that matches every event.
 *
 * @category models
 * @since 0.1.0
 */
export interface All {
  readonly _tag: "All"
}

/**
 * A query made of items, OR'ed.
 *
 * @category models
 * @since 0.1.0
 */
export interface Items {
  readonly _tag: "Items"
  readonly items: readonly [QueryItem, ...Array<QueryItem>]
}

/**
 * A query: {@link All} or {@link Items}.
 *
 * @category models
 * @since 0.1.0
 */
export type Query = All | Items

/**
 * The part of an event a query looks at.
 *
 * @category models
 * @since 0.1.0
 */
export interface Matchable {
  readonly type: string
  readonly tags: ReadonlyArray<string>
}

/**
 * Schema of a query item (for JSON and HTTP).
 *
 * @category schemas
 * @since 0.1.0
 */
export const QueryItemSchema = Schema.Struct({
  types: Schema.optional(Schema.Array(Schema.String)),
  tags: Schema.optional(Schema.Array(Schema.String))
})

/**
 * Schema of a query (for JSON and HTTP): `{ _tag: "All" }` or
 * `{ _tag: "Items", items: [...] }`.
 *
 * @category schemas
 * @since 0.1.0
 */
export const QuerySchema = Schema.Union([
  Schema.TaggedStruct("All", {}),
  Schema.TaggedStruct("Items", { items: Schema.NonEmptyArray(QueryItemSchema) })
])

/**
 * An invalid query: an item with neither types nor tags, or with an empty
 * type or tag.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidQuery extends Schema.TaggedError<InvalidQuery>()("InvalidQuery", {
  reason: Schema.String,
  itemIndex: Schema.optionalKey(Schema.Number)
}) {
  override get message(): string {
    return this.itemIndex === undefined ? this.reason : `query item ${this.itemIndex}: ${this.reason}`
  }
}

const ALL: All = { _tag: "All" }

/**
 * The query that matches every event.
 *
 * @category constructors
 * @since 0.1.0
 */
export const all = (): Query => ALL

/**
 * A query from its items (OR'ed). An empty list gives a query that is
 * reported invalid by {@link validate}, like an item with neither types nor tags.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromItems = (items: ReadonlyArray<QueryItem>): Query =>
  ({ _tag: "Items", items: items.slice() as unknown as Items["items"] })

/**
 * A query of one item.
 *
 * @category constructors
 * @since 0.1.0
 */
export const item = (item: QueryItem): Query => fromItems([item])

/**
 * `true` for the query that matches every event.
 *
 * @category guards
 * @since 0.1.0
 */
export const isAll = (query: Query): query is All => query._tag === "All"

/**
 * Whether an event matches one item: its type is one of `types` (if given)
 * and its tags contain all of `tags` (if given).
 *
 * @category predicates
 * @since 0.1.0
 */
export const matchesItem = (item: QueryItem, event: Matchable): boolean => {
  const types = item.types
  if (types !== undefined && types.length > 0 && !types.includes(event.type)) return false
  const tags = item.tags
  if (tags !== undefined) {
    for (let i = 0; i < tags.length; i++) {
      if (!event.tags.includes(tags[i]!)) return false
    }
  }
  return true
}

/**
 * Whether an event matches a query.
 *
 * @category predicates
 * @since 0.1.0
 */
export const matches: {
  (event: Matchable): (query: Query) => boolean
  (query: Query, event: Matchable): boolean
} = dual(2, (query: Query, event: Matchable): boolean => {
  if (query._tag === "All") return true
  const items = query.items
  for (let i = 0; i < items.length; i++) {
    if (matchesItem(items[i]!, event)) return true
  }
  return false
})

const itemKey = (item: QueryItem): string =>
  JSON.stringify([item.types ? [...item.types].sort() : null, item.tags ? [...item.tags].sort() : null])

/**
 * The union of two queries: an event matches it when it matches either.
 * Identical items are kept once.
 *
 * @category combinators
 * @since 0.1.0
 */
export const union: {
  (that: Query): (self: Query) => Query
  (self: Query, that: Query): Query
} = dual(2, (self: Query, that: Query): Query => unionAll([self, that]))

/**
 * The union of many queries. The union of none matches nothing, and is
 * reported invalid by {@link validate}.
 *
 * @category combinators
 * @since 0.1.0
 */
export const unionAll = (queries: Iterable<Query>): Query => {
  const seen = new Set<string>()
  const items: Array<QueryItem> = []
  for (const query of queries) {
    if (query._tag === "All") return ALL
    for (const item of query.items) {
      const key = itemKey(item)
      if (!seen.has(key)) {
        seen.add(key)
        items.push(item)
      }
    }
  }
  return fromItems(items)
}

const EMPTY: ReadonlyArray<string> = []

/** Whether a list holds something that is not a non-empty string (a loop: every read validates its query). */
const hasEmptyString = (list: ReadonlyArray<unknown>): boolean => {
  for (let i = 0; i < list.length; i++) {
    const s = list[i]
    if (typeof s !== "string" || s.length === 0) return true
  }
  return false
}

/**
 * The reason a query is invalid, or `undefined` when it is valid.
 *
 * @category validation
 * @since 0.1.0
 */
export const invalidReason = (query: Query): InvalidQuery | undefined => {
  // untyped callers (JSON, a condition without its query) can pass anything
  if (query === null || typeof query !== "object" || (query._tag !== "All" && !Array.isArray(query.items))) {
    return new InvalidQuery({ reason: "a query must be Query.all() or Query.fromItems(items)" })
  }
  if (query._tag === "All") return undefined
  if (query.items.length === 0) return new InvalidQuery({ reason: "a query needs at least one item (use Query.all())" })
  for (let i = 0; i < query.items.length; i++) {
    const item = query.items[i]!
    if (item === null || typeof item !== "object") return new InvalidQuery({ reason: "a query item must be an object", itemIndex: i })
    const types = item.types ?? EMPTY
    const tags = item.tags ?? EMPTY
    // (a string would pass for an array below, and match by substring in the memory store)
    if (!Array.isArray(types)) return new InvalidQuery({ reason: "the types of a query item must be an array", itemIndex: i })
    if (!Array.isArray(tags)) return new InvalidQuery({ reason: "the tags of a query item must be an array", itemIndex: i })
    if (types.length === 0 && tags.length === 0) {
      return new InvalidQuery({ reason: "a query item needs types or tags (use Query.all() to match every event)", itemIndex: i })
    }
    if (hasEmptyString(types)) return new InvalidQuery({ reason: "an event type in a query item is empty", itemIndex: i })
    if (hasEmptyString(tags)) return new InvalidQuery({ reason: "a tag in a query item is empty", itemIndex: i })
  }
  return undefined
}

/**
 * Succeeds with the query when it is valid, fails with {@link InvalidQuery}.
 *
 * @category validation
 * @since 0.1.0
 */
export const validate = (query: Query): Effect.Effect<Query, InvalidQuery> => {
  const error = invalidReason(query)
  return error === undefined ? Effect.succeed(query) : Effect.fail(error)
}
