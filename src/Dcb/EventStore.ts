/**
 * The `EventStore` service: one log of tagged events, read by query and
 * appended to under an append condition.
 *
 * An append may carry several conditions (`conditions`, one per read a
 * decision made, each after its own position); a read takes an exclusive
 * window (`after`, `before`) and a direction (`backwards`), so a log pages
 * forwards with `after` and backwards with `before`.
 *
 * Every backend implements the same contract (checked by the conformance
 * suite in `test/conformance`): {@link layerMemory} here, and the
 * FoundationDB layer in `fairway/Fdb`. Programs depend on the service only, so
 * a test swaps the backend by providing another layer.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { AppendCondition, Event, EventStore, Query } from "fairway/Dcb"
 *
 * const program = Effect.gen(function* () {
 *   const store = yield* EventStore.EventStore
 *   const query = Query.fromItems([{ tags: ["username:alice"] }])
 *   // claim a username: fails with AppendConditionFailed if it was ever claimed
 *   yield* store.append([Event.make("UsernameClaimed", ["username:alice"])], {
 *     condition: AppendCondition.make(query)
 *   })
 *   return yield* Stream.runCollect(store.read(query))
 * }).pipe(Effect.provide(EventStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type * as AppendCondition from "./AppendCondition.ts"
import type * as Event from "./Event.ts"
import * as Fingerprint from "./internal/fingerprint.ts"
import * as MemoryStore from "./internal/memoryStore.ts"
import * as SyncRead from "./internal/syncRead.ts"
import * as Query from "./Query.ts"
import * as SequencePosition from "./SequencePosition.ts"

// -----------------------------------------------------------------------------
// Options
// -----------------------------------------------------------------------------

/**
 * Options of {@link EventStoreShape.append}.
 *
 * @category models
 * @since 0.1.0
 */
export interface AppendOptions {
  /** Fail, writing nothing, if an event matching this condition exists. */
  readonly condition?: AppendCondition.AppendCondition | undefined
  /**
   * Several conditions, one per read a decision made (each with its own query
   * and its own `after`): the append fails, writing nothing, if any of them
   * fails. With `condition` too, `condition` counts as the first (index 0).
   * At most {@link limits}`.maxConditionsPerAppend`.
   */
  readonly conditions?: ReadonlyArray<AppendCondition.AppendCondition> | undefined
  /**
   * Makes the append idempotent: appending again with the same id returns the
   * first append's position and writes nothing.
   */
  readonly appendId?: string | undefined
}

/**
 * Options of {@link EventStoreShape.read}.
 *
 * @category models
 * @since 0.1.0
 */
export interface ReadOptions {
  /** Only events strictly after this position (exclusive, like the append condition's). */
  readonly after?: SequencePosition.SequencePosition | undefined
  /**
   * Only events strictly before this position (exclusive). With `after`, the
   * read is the window between the two. With `backwards: true` and `limit`:
   * the `limit` events just before `before`, newest first (a page back).
   */
  readonly before?: SequencePosition.SequencePosition | undefined
  /** At most this many events (a positive integer). */
  readonly limit?: number | undefined
  /** Newest first. */
  readonly backwards?: boolean | undefined
}

/**
 * Options of {@link EventStoreShape.subscribe}.
 *
 * @category models
 * @since 0.1.0
 */
export interface SubscribeOptions {
  /** Start strictly after this position (absent: from the first event). */
  readonly after?: SequencePosition.SequencePosition | undefined
}

// -----------------------------------------------------------------------------
// Errors
// -----------------------------------------------------------------------------

/**
 * An append condition failed: an event matching its `query` exists after its
 * `after`. Nothing was written. Re-read and decide again.
 *
 * `conditionIndex` says which condition failed (its index among the append's
 * conditions, `condition` first; 0 for an append with one condition) and
 * `conflictingPosition` the first event that made it fail. When several
 * conditions fail, the one with the lowest index is reported.
 *
 * @category errors
 * @since 0.1.0
 */
export class AppendConditionFailed extends Schema.TaggedError<AppendConditionFailed>()("AppendConditionFailed", {
  query: Query.QuerySchema,
  after: Schema.optionalKey(SequencePosition.SequencePosition),
  conflictingPosition: SequencePosition.SequencePosition,
  conditionIndex: Schema.Int
}) {
  override get message(): string {
    return `append condition ${this.conditionIndex} failed: event at position ${this.conflictingPosition} matches ` +
      `the condition's query` + (this.after === undefined ? "" : ` after position ${this.after}`)
  }
}

/**
 * Checking an append condition would read more index entries than the
 * backend allows in one transaction (FoundationDB: a query item of three or
 * more tags whose tag pairs are all very common, see `docs/fdb-layout.md`).
 * Nothing was written. Narrow the condition's query, or tag the events so
 * that the item needs at most two tags. The bound is shared by the append's
 * conditions: `conditionIndex` names, among those whose checks it cut short,
 * the one whose checks had read the most keys.
 *
 * @category errors
 * @since 0.1.0
 */
export class ConditionTooBroad extends Schema.TaggedError<ConditionTooBroad>()("ConditionTooBroad", {
  conditionIndex: Schema.Int,
  reason: Schema.String
}) {
  override get message(): string {
    return `append condition ${this.conditionIndex}: ${this.reason}`
  }
}

/**
 * An event of an append is invalid (empty or over-long type, empty or
 * over-long tag, too many tags, payload too large, bad metadata). Nothing was
 * written.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidEvent extends Schema.TaggedError<InvalidEvent>()("InvalidEvent", {
  eventIndex: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return `event ${this.eventIndex}: ${this.reason}`
  }
}

/**
 * An append is invalid as a whole (no events, too many events, too many bytes,
 * an empty or over-long append id, a condition `after` that is not a
 * position). Nothing was written.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidAppend extends Schema.TaggedError<InvalidAppend>()("InvalidAppend", {
  reason: Schema.String
}) {
  override get message(): string {
    return this.reason
  }
}

/**
 * The options of a read or a subscription are invalid (a limit that is not a
 * positive integer, an `after` that is not a position).
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidReadOptions extends Schema.TaggedError<InvalidReadOptions>()("InvalidReadOptions", {
  reason: Schema.String
}) {
  override get message(): string {
    return this.reason
  }
}

/**
 * The append id was already used by an append of different events. Nothing
 * was written.
 *
 * @category errors
 * @since 0.1.0
 */
export class AppendIdReused extends Schema.TaggedError<AppendIdReused>()("AppendIdReused", {
  appendId: Schema.String,
  firstPosition: SequencePosition.SequencePosition
}) {
  override get message(): string {
    return `append id "${this.appendId}" was already used, with different events, by the append at ${this.firstPosition}`
  }
}

/**
 * The storage behind the store failed (for example FoundationDB is
 * unreachable, or a transaction kept failing). When `unknownResult` is true
 * the append may or may not have been written (retry it with the same
 * `appendId` to find out); otherwise nothing was written.
 *
 * @category errors
 * @since 0.1.0
 */
export class StorageError extends Schema.TaggedError<StorageError>()("StorageError", {
  reason: Schema.String,
  unknownResult: Schema.optionalKey(Schema.Boolean),
  cause: Schema.optionalKey(Schema.Defect())
}) {
  override get message(): string {
    return this.reason
  }
}

/**
 * What an append may fail with.
 *
 * @category errors
 * @since 0.1.0
 */
export type AppendError =
  | AppendConditionFailed
  | ConditionTooBroad
  | InvalidEvent
  | InvalidAppend
  | Query.InvalidQuery
  | AppendIdReused
  | StorageError

/**
 * What a read or a subscription may fail with.
 *
 * @category errors
 * @since 0.1.0
 */
export type ReadError = Query.InvalidQuery | InvalidReadOptions | StorageError

// -----------------------------------------------------------------------------
// Service
// -----------------------------------------------------------------------------

/**
 * The operations of an event store.
 *
 * @category models
 * @since 0.1.0
 */
export interface EventStoreShape {
  /**
   * Appends events atomically (all or none) and succeeds with the position of
   * the last one. With conditions (`condition`, `conditions`), fails with
   * {@link AppendConditionFailed} when an event matching one's query exists
   * after that condition's `after` (on FoundationDB, with
   * {@link ConditionTooBroad} when checking them would read past its bound).
   */
  readonly append: (
    events: ReadonlyArray<Event.NewEvent>,
    options?: AppendOptions
  ) => Effect.Effect<SequencePosition.SequencePosition, AppendError>
  /** The events matching a query, ascending by position unless `backwards`. */
  readonly read: (query: Query.Query, options?: ReadOptions) => Stream.Stream<Event.SequencedEvent, ReadError>
  /**
   * The events matching a query: first those already stored (after `after`),
   * then each new one as it is appended, with no gap and no duplicate. Never
   * ends on its own.
   */
  readonly subscribe: (query: Query.Query, options?: SubscribeOptions) => Stream.Stream<Event.SequencedEvent, ReadError>
  /** The position of the last event in the store, if any. */
  readonly head: Effect.Effect<Option.Option<SequencePosition.SequencePosition>, StorageError>
}

/**
 * The event store service.
 *
 * @category services
 * @since 0.1.0
 */
export class EventStore extends Context.Service<EventStore, EventStoreShape>()("fairway/EventStore") {}

/**
 * Appends events through the {@link EventStore} in context.
 *
 * @category accessors
 * @since 0.1.0
 */
export const append = (
  events: ReadonlyArray<Event.NewEvent>,
  options?: AppendOptions
): Effect.Effect<SequencePosition.SequencePosition, AppendError, EventStore> =>
  Effect.flatMap(EventStore, (store) => store.append(events, options))

/**
 * Reads events through the {@link EventStore} in context.
 *
 * @category accessors
 * @since 0.1.0
 */
export const read = (
  query: Query.Query,
  options?: ReadOptions
): Stream.Stream<Event.SequencedEvent, ReadError, EventStore> =>
  Stream.unwrap(Effect.map(EventStore, (store) => store.read(query, options)))

/**
 * Subscribes through the {@link EventStore} in context.
 *
 * @category accessors
 * @since 0.1.0
 */
export const subscribe = (
  query: Query.Query,
  options?: SubscribeOptions
): Stream.Stream<Event.SequencedEvent, ReadError, EventStore> =>
  Stream.unwrap(Effect.map(EventStore, (store) => store.subscribe(query, options)))

/**
 * The last position of the {@link EventStore} in context.
 *
 * @category accessors
 * @since 0.1.0
 */
export const head: Effect.Effect<Option.Option<SequencePosition.SequencePosition>, StorageError, EventStore> = Effect
  .flatMap(EventStore, (store) => store.head)

// -----------------------------------------------------------------------------
// Limits and validation (shared by every backend)
// -----------------------------------------------------------------------------

/**
 * The limits every backend enforces, so that an append valid on one backend is
 * valid on all.
 *
 * @category limits
 * @since 0.1.0
 */
export const limits = {
  /** Longest event type, in UTF-16 code units. */
  maxTypeLength: 256,
  /** Longest tag, in UTF-16 code units. */
  maxTagLength: 256,
  /** Most tags on one event. */
  maxTagsPerEvent: 16,
  /** Largest payload of one event, in bytes. */
  maxDataBytes: 90_000,
  /** Most metadata bytes (keys and values, UTF-16 code units) of one event. */
  maxMetadataLength: 4_096,
  /** Most events in one append. */
  maxEventsPerAppend: 10_000,
  /** Most payload bytes in one append. */
  maxAppendBytes: 8_000_000,
  /** Longest append id. */
  maxAppendIdLength: 256,
  /** Most append conditions on one append (`condition` and `conditions` together). */
  maxConditionsPerAppend: 64
} as const

/**
 * Checks an append's events and options against the {@link limits} (and the
 * condition's query and position). Every backend runs it before writing
 * anything.
 *
 * @category validation
 * @since 0.1.0
 */
export const validateAppend = (
  events: ReadonlyArray<Event.NewEvent>,
  options?: AppendOptions
): InvalidEvent | InvalidAppend | Query.InvalidQuery | undefined => {
  if (!Array.isArray(events) || events.length === 0) {
    return new InvalidAppend({ reason: "an append needs at least one event" })
  }
  if (events.length > limits.maxEventsPerAppend) {
    return new InvalidAppend({
      reason: `an append holds at most ${limits.maxEventsPerAppend} events, got ${events.length}`
    })
  }
  let bytes = 0
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!
    const reason = invalidEventReason(event)
    if (reason !== undefined) return new InvalidEvent({ eventIndex: i, reason })
    bytes += event.data.byteLength
  }
  if (bytes > limits.maxAppendBytes) {
    return new InvalidAppend({ reason: `an append holds at most ${limits.maxAppendBytes} payload bytes, got ${bytes}` })
  }
  const appendId = options?.appendId
  if (appendId !== undefined && (typeof appendId !== "string" || appendId.length === 0)) {
    return new InvalidAppend({ reason: "an append id must be a non-empty string" })
  }
  if (appendId !== undefined && appendId.length > limits.maxAppendIdLength) {
    return new InvalidAppend({ reason: `an append id is at most ${limits.maxAppendIdLength} characters` })
  }
  if (appendId !== undefined && !isWellFormed(appendId)) {
    return new InvalidAppend({ reason: "an append id is not well-formed UTF-16 (a lone surrogate)" })
  }
  if (options?.condition !== undefined) {
    const error = invalidCondition(options.condition)
    if (error !== undefined) return error
  }
  const conditions = options?.conditions
  if (conditions !== undefined) {
    if (!Array.isArray(conditions)) return new InvalidAppend({ reason: "conditions must be an array of append conditions" })
    const count = conditions.length + (options?.condition !== undefined ? 1 : 0)
    if (count > limits.maxConditionsPerAppend) {
      return new InvalidAppend({
        reason: `an append has at most ${limits.maxConditionsPerAppend} conditions, got ${count}`
      })
    }
    for (const condition of conditions) {
      const error = invalidCondition(condition)
      if (error !== undefined) return error
    }
  }
  return undefined
}

/** Why a condition is invalid (a bad query, an `after` that is not a position), or `undefined`. */
const invalidCondition = (condition: AppendCondition.AppendCondition): InvalidAppend | Query.InvalidQuery | undefined => {
  if (condition === null || typeof condition !== "object") {
    return new InvalidAppend({ reason: "an append condition must be an object" })
  }
  const error = Query.invalidReason(condition.failIfEventsMatch) ?? illFormedQuery(condition.failIfEventsMatch)
  if (error !== undefined) return error
  if (!isPositionOrUndefined(condition.after)) {
    return new InvalidAppend({ reason: `the condition's after must be a sequence position, got ${String(condition.after)}` })
  }
  return undefined
}

/**
 * The conditions of an append, in order: `condition` first, then each of
 * `conditions` (the indexes {@link AppendConditionFailed} reports).
 *
 * @category validation
 * @since 0.1.0
 */
export const conditionsOf = (options?: AppendOptions): ReadonlyArray<AppendCondition.AppendCondition> => {
  const one = options?.condition
  const many = options?.conditions
  if (many === undefined || many.length === 0) return one === undefined ? [] : [one]
  return one === undefined ? many : [one, ...many]
}

/**
 * Whether a string is well-formed UTF-16 (no lone surrogate). Ill-formed
 * strings cannot be stored as UTF-8 (FoundationDB keys): they would turn into
 * U+FFFD and collide with other strings, so every backend rejects them, in
 * event types, tags, append ids and queries as in view and automation keys.
 *
 * @category validation
 * @since 0.1.0
 */
export const isWellFormed = (s: string): boolean => !LONE_SURROGATE.test(s)

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** A (structurally valid) query with a type or tag that is not well-formed UTF-16, as an `InvalidQuery`. */
const illFormedQuery = (query: Query.Query): Query.InvalidQuery | undefined => {
  if (query._tag === "All") return undefined
  for (let i = 0; i < query.items.length; i++) {
    const item = query.items[i]!
    if (!allWellFormed(item.types) || !allWellFormed(item.tags)) {
      return new Query.InvalidQuery({ reason: "a type or tag of a query item is not well-formed UTF-16 (a lone surrogate)", itemIndex: i })
    }
  }
  return undefined
}

/** Whether every string of a list (if any) is well-formed UTF-16 (no allocation: reads validate every query). */
const allWellFormed = (strings: ReadonlyArray<string> | undefined): boolean => {
  if (strings === undefined) return true
  // Stryker disable next-line EqualityOperator: equivalent: strings[strings.length] is undefined, which tests well-formed as "undefined"
  for (let i = 0; i < strings.length; i++) {
    if (!isWellFormed(strings[i]!)) return false
  }
  return true
}

/** Whether a value is absent or a valid position (a non-negative bigint: the brand is only a type). */
const isPositionOrUndefined = (after: unknown): boolean => after === undefined || (typeof after === "bigint" && after >= 0n)

/** The reason an event is invalid, or `undefined` (a string, so that a valid event allocates nothing). */
const invalidEventReason = (event: Event.NewEvent): string | undefined => {
  if (event === null || typeof event !== "object") return "an event must be an object"
  const { data, metadata, tags, type } = event
  if (typeof type !== "string" || type.length === 0) return "the event type is empty"
  if (type.length > limits.maxTypeLength) return `the event type is longer than ${limits.maxTypeLength} characters`
  if (!isWellFormed(type)) return "the event type is not well-formed UTF-16 (a lone surrogate)"
  if (!Array.isArray(tags)) return "the tags must be an array of strings"
  if (tags.length > limits.maxTagsPerEvent) return `an event has at most ${limits.maxTagsPerEvent} tags, got ${tags.length}`
  for (let i = 0; i < tags.length; i++) {
    const tag: unknown = tags[i]
    if (typeof tag !== "string" || tag.length === 0) return "a tag is empty"
    if (tag.length > limits.maxTagLength) return `a tag is longer than ${limits.maxTagLength} characters`
    if (!isWellFormed(tag)) return "a tag is not well-formed UTF-16 (a lone surrogate)"
  }
  if (!(data instanceof Uint8Array)) return "the data must be a Uint8Array"
  if (data.byteLength > limits.maxDataBytes) {
    return `the payload is larger than ${limits.maxDataBytes} bytes (${data.byteLength})`
  }
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== "object") return "the metadata must be a record of strings"
    let length = 0
    for (const key in metadata) {
      const value = metadata[key]
      if (typeof value !== "string") return `the metadata value of "${key}" is not a string`
      length += key.length + value.length
    }
    if (length > limits.maxMetadataLength) return `the metadata is longer than ${limits.maxMetadataLength} characters`
  }
  return undefined
}

/**
 * Checks a read's query and options (a positive integer limit, a valid
 * `after` position).
 *
 * @category validation
 * @since 0.1.0
 */
export const validateRead = (
  query: Query.Query,
  options?: ReadOptions
): Query.InvalidQuery | InvalidReadOptions | undefined => {
  const error = Query.invalidReason(query) ?? illFormedQuery(query)
  if (error !== undefined) return error
  const limit = options?.limit
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit <= 0)) {
    return new InvalidReadOptions({ reason: `the limit must be a positive integer, got ${limit}` })
  }
  if (!isPositionOrUndefined(options?.after)) {
    return new InvalidReadOptions({ reason: `after must be a sequence position, got ${String(options?.after)}` })
  }
  if (!isPositionOrUndefined(options?.before)) {
    return new InvalidReadOptions({ reason: `before must be a sequence position, got ${String(options?.before)}` })
  }
  return undefined
}

/**
 * A content fingerprint of an append's events (type, tags, payload,
 * metadata), used to tell a retried append (same id, same events) from a
 * reused id (same id, different events).
 *
 * @category idempotency
 * @since 0.1.0
 */
export const fingerprint = (events: ReadonlyArray<Event.NewEvent>): string => {
  const print = new Fingerprint.Fingerprint().length(events.length)
  for (const event of events) {
    print.text(event.type).length(event.tags.length)
    for (const tag of event.tags) print.text(tag)
    print.bytes(event.data)
    const metadata = event.metadata
    const keys = metadata === undefined ? [] : Object.keys(metadata).sort()
    print.length(keys.length)
    for (const key of keys) print.text(key).text(metadata![key]!)
  }
  return print.digest()
}

/**
 * Builds `subscribe` from a backend's `read`, `head` and a way to wait for the
 * head to move past a position. Each round notes the head, reads everything
 * after the last delivered event, then waits for the head to move past the
 * noted one: no gap (every round reads from the last delivered position) and
 * no duplicate (`after` is exclusive).
 *
 * @category backends
 * @since 0.1.0
 */
export const makeSubscribe = (backend: {
  readonly read: EventStoreShape["read"]
  readonly head: EventStoreShape["head"]
  readonly awaitHeadAfter: (
    position: Option.Option<SequencePosition.SequencePosition>
  ) => Effect.Effect<void, StorageError>
}): EventStoreShape["subscribe"] =>
(query, options) =>
  Stream.suspend(() => {
    const error = validateRead(query, options?.after === undefined ? undefined : { after: options.after })
    if (error !== undefined) return Stream.fail(error)
    let cursor = options?.after
    const round = Stream.unwrap(Effect.map(backend.head, (head) =>
      Stream.concat(
        Stream.suspend(() => backend.read(query, cursor === undefined ? undefined : { after: cursor })).pipe(
          Stream.tap((event) => Effect.sync(() => { cursor = event.position }))
        ),
        Stream.drain(Stream.fromEffect(backend.awaitHeadAfter(head)))
      )))
    return Stream.forever(round)
  })

/**
 * The {@link AppendConditionFailed} of the condition at `index` among
 * `conditions`, failed by the event at `position`.
 *
 * @category backends
 * @since 0.1.0
 */
export const conditionFailed = (
  conditions: ReadonlyArray<AppendCondition.AppendCondition>,
  index: number,
  position: SequencePosition.SequencePosition
): AppendConditionFailed => {
  const condition = conditions[index]!
  return new AppendConditionFailed({
    query: condition.failIfEventsMatch,
    ...(condition.after !== undefined ? { after: condition.after } : {}),
    conflictingPosition: position,
    conditionIndex: index
  })
}

// -----------------------------------------------------------------------------
// Memory
// -----------------------------------------------------------------------------

/** Events materialised per chunk of a memory read. */
const memoryReadChunk = 1024

/**
 * Makes an in-memory event store. Events are indexed by type and by tag, so
 * a read touches only candidate events and its cost does not grow with
 * unrelated events; the condition check and the write happen in one
 * synchronous step, atomic under concurrent fibers.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory: Effect.Effect<EventStoreShape> = Effect.suspend(() => makeMemoryWith())

/**
 * A check a backend makes of an append beyond the core's {@link validateAppend}
 * (e.g. FoundationDB's transaction size as its client counts it): an error
 * refuses the append, nothing written.
 *
 * @category models
 * @since 0.1.0
 */
export type AppendCheck = (
  events: ReadonlyArray<Event.NewEvent>,
  options: AppendOptions | undefined
) => InvalidEvent | InvalidAppend | undefined

/**
 * Options of {@link makeMemoryWith}.
 *
 * @category models
 * @since 0.1.0
 */
export interface MemoryOptions {
  /**
   * Another backend's limits to enforce too, so that a test on memory fails
   * the way production would (`Memory.layer` in `fairway/Layer` passes
   * FoundationDB's: `EventStoreFdb.checkAppend`).
   */
  readonly checkAppend?: AppendCheck | undefined
}

/**
 * Makes an in-memory event store that also enforces another backend's limits
 * (see {@link MemoryOptions}).
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeMemoryWith = (memoryOptions?: MemoryOptions): Effect.Effect<EventStoreShape> => Effect.sync(() => {
  const checkAppend = memoryOptions?.checkAppend
  const state = MemoryStore.make()
  let changed = Deferred.makeUnsafe<void>()
  // Stryker disable next-line BooleanLiteral: equivalent: `awaited` only saves allocating a signal per append
  let awaited = false
  const head: EventStoreShape["head"] = Effect.sync(() => {
    const n = MemoryStore.size(state)
    return n === 0 ? Option.none() : Option.some(MemoryStore.positionOf(n - 1))
  })
  const read: EventStoreShape["read"] = (query, options) =>
    // no `Stream.suspend` (it costs as much as the rest of a short read): the pull is made when the stream runs,
    // and the snapshot is taken then; events are materialised a chunk at a time
    Stream.fromPull(Effect.suspend(() => {
      const error = validateRead(query, options)
      if (error !== undefined) return Effect.fail(error)
      // a short read of one item forwards (a decision's, usually): one chunk read at once, with no cursor
      const small = oneItemRead(state, query, options, memoryReadChunk)
      // Stryker disable next-line ConditionalExpression,BlockStatement: equivalent: without the short read the cursor reads the same events
      if (small !== undefined) {
        let done = false
        return Effect.succeed(Effect.suspend(() => {
          // Stryker disable next-line ConditionalExpression: equivalent: an empty read then emits one empty chunk, which folds to nothing
          if (done || small.length === 0) return Cause.done()
          done = true
          return Effect.succeed(small as Arr.NonEmptyReadonlyArray<Event.SequencedEvent>)
        }))
      }
      const cursor = new MemoryStore.Cursor(state, query, options)
      return Effect.succeed(Effect.suspend(() => {
        const chunk = cursor.nextChunk(memoryReadChunk)
        return Arr.isReadonlyArrayNonEmpty(chunk) ? Effect.succeed(chunk) : Cause.done()
      }))
    }))
  const append: EventStoreShape["append"] = (events, options) =>
    Effect.suspend((): Effect.Effect<SequencePosition.SequencePosition, AppendError> => {
      const error = validateAppend(events, options) ?? checkAppend?.(events, options)
      if (error !== undefined) return Effect.fail(error)
      const conditions = conditionsOf(options)
      const result = MemoryStore.append(state, events, conditions, options?.appendId, fingerprint)
      if (typeof result === "bigint") {
        if (awaited) {
          // a new signal only when someone took the current one (no allocation per append otherwise)
          const previous = changed
          changed = Deferred.makeUnsafe<void>()
          // Stryker disable next-line BooleanLiteral: equivalent: `awaited` only saves allocating a signal per append
          awaited = false
          Deferred.doneUnsafe(previous, Effect.void)
        }
        return Effect.succeed(result)
      }
      switch (result._tag) {
        case "Replayed":
          return Effect.succeed(result.position)
        case "ConditionFailed":
          return Effect.fail(conditionFailed(conditions, result.index, result.position))
        case "AppendIdReused":
          return Effect.fail(new AppendIdReused({ appendId: options!.appendId!, firstPosition: result.position }))
      }
    })
  const awaitHeadAfter = (position: Option.Option<SequencePosition.SequencePosition>) =>
    Effect.suspend(() => {
      const n = MemoryStore.size(state)
      const current = n === 0 ? -1n : MemoryStore.positionOf(n - 1)
      const seen = Option.getOrElse(position, () => -1n)
      if (current > seen) return Effect.void
      awaited = true
      return Deferred.await(changed)
    })
  const shape: EventStoreShape = { append, read, head, subscribe: makeSubscribe({ read, head, awaitHeadAfter }) }
  // decision reads fold this snapshot without a Stream (`DecisionModel.read`)
  return SyncRead.attach(shape, (query, after) => {
    // Stryker disable next-line ConditionalExpression: equivalent: `{ after: undefined }` reads like no options
    const options = after === undefined ? undefined : { after }
    const error = validateRead(query, options)
    if (error !== undefined) return error
    const oneItem = oneItemRead(state, query, options, Infinity)
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: without the one-item read the cursor reads the same events
    if (oneItem !== undefined) return oneItem
    const cursor = new MemoryStore.Cursor(state, query, options)
    const events = cursor.nextChunk(memoryReadChunk)
    for (let chunk = cursor.nextChunk(memoryReadChunk); chunk.length > 0; chunk = cursor.nextChunk(memoryReadChunk)) {
      for (const event of chunk) events.push(event)
    }
    return events
  })
})

/**
 * A forward read of a one-item query scanning at most `maxCandidates` index
 * entries, read at once (as of now), or `undefined` (then a cursor reads it).
 */
const oneItemRead = (
  state: MemoryStore.State,
  query: Query.Query,
  options: ReadOptions | undefined,
  maxCandidates: number
): ReadonlyArray<Event.SequencedEvent> | undefined =>
  // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: equivalent: declining sends the read to the cursor, which gives the same events
  query._tag === "Items" && query.items.length === 1 && options?.before === undefined &&
    options?.limit === undefined && options?.backwards !== true
    ? MemoryStore.readItemAfter(state, query.items[0], options?.after, maxCandidates)
    : undefined

/**
 * The in-memory {@link EventStore}: fast, exact, and gone when the layer is
 * released. The default for examples and unit tests.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<EventStore> = Layer.effect(EventStore, makeMemory)

/**
 * The in-memory {@link EventStore}, enforcing another backend's limits too
 * (see {@link MemoryOptions}).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerMemoryWith = (options: MemoryOptions): Layer.Layer<EventStore> =>
  Layer.effect(EventStore, makeMemoryWith(options))
