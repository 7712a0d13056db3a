/**
 * Views: persistent read models, one state per key, kept up to date from the
 * event log.
 *
 * A view is a query, the typed events it understands, an initial state, an
 * `evolve` function, and a `key` function that says which state(s) an event
 * changes (for example the course it is tagged with). Running a view
 * ({@link run}, {@link layer}) catches up from its checkpoint, then follows
 * new appends. Each batch of events is applied by one
 * {@link ViewStore.ViewStoreShape.commit}: the states it changes and the
 * checkpoint are written together, with a compare-and-set on the
 * checkpoint, so every event is applied exactly once even with several
 * processes running the same view.
 *
 * **A view never stops because of one event.** Whatever one event causes —
 * `evolve` or `key` throwing, the event or a stored state not decoding, a
 * key or a state the store refuses (invalid, over the limits, a commit too
 * large) — the event is tried again on the view's `retry` Schedule, up to
 * `maxAttempts` times, then **parked**: its dead letter (position, type,
 * attempts, error) is written in the same atomic step that moves the
 * checkpoint past it, and the view goes on. {@link status} counts the parked
 * events, {@link deadLetters} lists them, {@link retryDeadLetter} applies one
 * again, and `fairway dead-letters` lists them from the command line. Only a
 * storage outage (or a superseded or invalid definition) ends a run.
 *
 * **Lists.** A view keeps one state per key, and may keep many small states:
 * a list read model keys each entry for the order it is listed in (e.g.
 * `tag:<tag>:<inverted time>:<id>`, each part free of the `:` separator,
 * e.g. URI-encoded, or the prefix `tag:rust:` would also select the tag
 * `rust:async`), removes one by returning
 * {@link remove} from `evolve`, and is read a page at a time with
 * {@link list} (`prefix`, `after`, `limit`, `backwards`), served by range
 * reads: an ordered, filterable list without an unbounded value.
 *
 * Views are disposable: bumping `version` rebuilds the view from the first
 * event into a new keyspace. Reads ({@link get}, {@link list}) are served from
 * the active version until the new one has caught up; then it becomes active
 * and the old keyspace is deleted. No migration.
 *
 * @example
 * ```ts
 * import { Effect, Option, Schema } from "effect"
 * import { Event, Query } from "fairway/Dcb"
 * import { View } from "fairway/Module"
 *
 * const CourseDefined = Event.define("CourseDefined", {
 *   payload: Schema.Struct({ courseId: Schema.String, capacity: Schema.Number }),
 *   tags: (p) => [`course:${p.courseId}`]
 * })
 * const Capacity = View.make({
 *   name: "Capacity",
 *   version: 1,
 *   query: Query.item({ types: [CourseDefined.type] }),
 *   events: [CourseDefined],
 *   initial: 0,
 *   evolve: (_, event) => event.payload.capacity,
 *   key: (event) => event.payload.courseId
 * })
 * const program = Effect.gen(function* () {
 *   yield* View.catchUp(Capacity)
 *   return yield* View.get(Capacity, "c1") // Option<number>
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as DcbEvent from "../Dcb/Event.ts"
import * as EventStore from "../Dcb/EventStore.ts"
import * as Query from "../Dcb/Query.ts"
import * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as Checkpoint from "./Checkpoint.ts"
import { awaitAppendAfter, defaultRestart, describeCause } from "./internal/follow.ts"
import * as Utf8 from "./internal/utf8.ts"
import * as ViewStore from "./ViewStore.ts"

/**
 * The type id of views.
 *
 * @category type ids
 * @since 0.1.0
 */
export const TypeId: "~fairway/Module/View" = "~fairway/Module/View"

/**
 * A view of states of type `S`.
 *
 * @category models
 * @since 0.1.0
 */
export interface View<S> {
  readonly [TypeId]: typeof TypeId
  readonly _tag: "View"
  /** The view's name: its keyspace in the store. */
  readonly name: string
  /** Its version: bump it to rebuild the view from scratch. */
  readonly version: number
  /** The events it reads. */
  readonly query: Query.Query
  /** The state of a key no event has touched yet. */
  readonly initial: S
  /** How many events one commit applies at most. */
  readonly batchSize: number
  /** Tries per event before it is parked as a dead letter (at least 1). */
  readonly maxAttempts: number
  /** The delays between tries of an event that fails. */
  readonly retry: Schedule.Schedule<unknown, unknown>
  /** Decodes a stored event and gives the keys it changes (none: the event is skipped). */
  readonly route: (
    event: DcbEvent.SequencedEvent
  ) => Effect.Effect<
    Option.Option<{ readonly keys: ReadonlyArray<string>; readonly apply: (state: S, key: string) => S | Remove }>,
    DcbEvent.EventDecodeError
  >
  /** Encodes a state for storage. */
  readonly encodeState: (state: S) => Uint8Array
  /** Decodes a stored state. */
  readonly decodeState: (bytes: Uint8Array) => Exit.Exit<S, unknown>
}

/**
 * Any view.
 *
 * @category models
 * @since 0.1.0
 */
export type Any = View<any>

/**
 * What `evolve` returns to delete the state of a key: the key disappears
 * from {@link get} and {@link list} (an event touching it later starts again
 * from `initial`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Event, Query } from "fairway/Dcb"
 * import { View } from "fairway/Module"
 *
 * const ArticlePublished = Event.define("ArticlePublished", {
 *   payload: Schema.Struct({ slug: Schema.String, title: Schema.String }),
 *   tags: (p) => [`article:${p.slug}`]
 * })
 * const ArticleDeleted = Event.define("ArticleDeleted", {
 *   payload: Schema.Struct({ slug: Schema.String }),
 *   tags: (p) => [`article:${p.slug}`]
 * })
 * const Titles = View.make({
 *   name: "Titles",
 *   version: 1,
 *   query: Query.item({ types: [ArticlePublished.type, ArticleDeleted.type] }),
 *   events: [ArticlePublished, ArticleDeleted],
 *   initial: "",
 *   evolve: (title, event) => event.type === "ArticleDeleted" ? View.remove : event.payload.title,
 *   key: (event) => event.payload.slug
 * })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const remove: unique symbol = Symbol.for("fairway/Module/View/remove") as never

/**
 * The type of {@link remove}.
 *
 * @category models
 * @since 0.1.0
 */
export type Remove = typeof remove

/**
 * The state type of a view.
 *
 * @category type-level
 * @since 0.1.0
 */
export type StateOf<V> = V extends View<infer S> ? S : never

/**
 * A view definition is invalid (empty name, bad version, invalid query,
 * non-positive batch size).
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidView extends Schema.TaggedError<InvalidView>()("InvalidView", {
  view: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `view ${this.view}: ${this.reason}`
  }
}

/**
 * A stored state does not decode with the view's state schema (its schema
 * changed without a version bump, or reads hit an older active version whose
 * states have another shape while the new version is being built).
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidViewState extends Schema.TaggedError<InvalidViewState>()("InvalidViewState", {
  view: Schema.String,
  version: Schema.Number,
  key: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `view ${this.view}@${this.version}: the state of "${this.key}" does not decode: ${this.reason}`
  }
}

/**
 * What running or reading a view may fail with.
 *
 * @category errors
 * @since 0.1.0
 */
export type ViewError =
  | InvalidView
  | InvalidViewState
  | DcbEvent.EventDecodeError
  | ViewStore.CommitError
  | EventStore.ReadError

const decoder = new TextDecoder()

/**
 * Defines a view.
 *
 * - `events`: the typed event definitions it understands; only events of
 *   these types that match `query` are decoded and handed to `evolve`.
 * - `key(event)`: the key(s) of the state(s) an event changes, or `undefined`
 *   to skip it.
 * - `evolve(state, event, key)`: the next state of `key`, or {@link remove}
 *   to delete it.
 * - `schema`: the state's schema (stored as JSON through `Schema.toCodecJson`);
 *   without it, states are stored with `JSON.stringify` and must be plain JSON.
 * - `maxAttempts` (default 5) and `retry` (the delays between tries; default
 *   exponential from 50 ms, jittered): an event the view cannot apply is
 *   tried that many times, then parked (see {@link deadLetters}).
 *
 * A view may keep many small states, one per key: a list read model keys
 * each entry for the order it is listed in (e.g.
 * `tag:<tag>:<inverted time>:<id>`) and reads it with {@link list}
 * (`prefix`, `after`, `limit`, `backwards`): an ordered, filterable list
 * without an unbounded value.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = <S, const Definitions extends ReadonlyArray<DcbEvent.Any>>(options: {
  readonly name: string
  readonly version: number
  readonly query: Query.Query
  readonly events: Definitions
  readonly initial: S
  readonly evolve: (state: S, event: DcbEvent.DecodedOf<Definitions[number]>, key: string) => S | Remove
  readonly key: (event: DcbEvent.DecodedOf<Definitions[number]>) => string | ReadonlyArray<string> | undefined
  readonly schema?: Schema.Codec<S, any, never, never> | undefined
  readonly batchSize?: number | undefined
  readonly maxAttempts?: number | undefined
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
}): View<S> => {
  type D = DcbEvent.DecodedOf<Definitions[number]>
  const { evolve, key, query } = options
  const byType = new Map<string, { readonly definition: DcbEvent.Any; readonly decode: ReturnType<typeof DcbEvent.syncDecoder> }>()
  let sync = true
  for (const definition of options.events) {
    const decode = DcbEvent.syncDecoder(definition)
    if (decode === undefined) sync = false
    byType.set(definition.type, { definition, decode })
  }
  let encodeState: (state: S) => Uint8Array
  let decodeState: (bytes: Uint8Array) => Exit.Exit<S, unknown>
  if (options.schema !== undefined) {
    const json = Schema.fromJsonString(Schema.toCodecJson(options.schema as Schema.Top)) as unknown as Schema.Codec<
      S,
      string
    >
    const encode = Schema.encodeSync(json)
    const decode = Schema.decodeUnknownExit(json)
    // JSON.parse, then the state's JSON codec: what `decode` does, at a fraction of the cost
    const decodeParsed = Schema.decodeUnknownExit(
      Schema.toCodecJson(options.schema as Schema.Top) as unknown as Schema.Codec<S, unknown>
    )
    encodeState = (state) => Utf8.encode(encode(state))
    decodeState = (bytes) => {
      const text = decoder.decode(bytes)
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        return decode(text) // not JSON: the codec's own failure
      }
      return decodeParsed(parsed)
    }
  } else {
    encodeState = (state) => Utf8.encode(JSON.stringify(state))
    decodeState = (bytes) => {
      try {
        return Exit.succeed(JSON.parse(decoder.decode(bytes)) as S)
      } catch (error) {
        return Exit.fail(error)
      }
    }
  }
  const keysOf = (decoded: D): string | ReadonlyArray<string> | undefined => {
    const k = key(decoded)
    if (k === undefined || typeof k === "string") return k
    if (k.length === 0) return undefined
    return k.length === 1 ? k[0]! : [...new Set(k)]
  }
  // decode (synchronously, when every definition allows it) and route one event
  const routeNow = (event: DcbEvent.SequencedEvent): Routed | DcbEvent.EventDecodeError | undefined => {
    const entry = byType.get(event.type)
    if (entry === undefined || !Query.matches(query, event)) return undefined
    const decoded = entry.decode!(event)
    if (decoded instanceof DcbEvent.EventDecodeError) return decoded
    const keys = keysOf(decoded as D)
    return keys === undefined ? undefined : { keys, decoded }
  }
  const toRoute = (routed: Routed) => ({
    keys: typeof routed.keys === "string" ? [routed.keys] : routed.keys,
    apply: (state: S, stateKey: string) => evolve(state, routed.decoded as D, stateKey)
  })
  const view: Internal<S> = {
    [TypeId]: TypeId,
    _tag: "View",
    name: options.name,
    version: options.version,
    query,
    initial: options.initial,
    batchSize: options.batchSize ?? 100,
    maxAttempts: options.maxAttempts ?? 5,
    retry: options.retry ?? Schedule.exponential("50 millis").pipe(Schedule.jittered),
    encodeState,
    decodeState,
    route: sync
      ? (event) =>
        Effect.suspend(() => {
          const routed = routeNow(event)
          if (routed instanceof DcbEvent.EventDecodeError) return Effect.fail(routed)
          return Effect.succeed(routed === undefined ? Option.none() : Option.some(toRoute(routed)))
        })
      : (event) => {
        const entry = byType.get(event.type)
        if (entry === undefined || !Query.matches(query, event)) return Effect.succeed(Option.none())
        return Effect.map(entry.definition.decode(event), (decoded) => {
          const keys = keysOf(decoded as D)
          return keys === undefined ? Option.none() : Option.some(toRoute({ keys, decoded }))
        })
      },
    [fast]: sync
      ? {
        decode: (event) => byType.get(event.type)?.decode!(event),
        keys: keysOf as (decoded: unknown) => string | ReadonlyArray<string> | undefined,
        evolve: evolve as (state: S, decoded: unknown, key: string) => S | Remove
      }
      : undefined,
    // without a schema a state is stored with JSON.stringify: these primitives come back from JSON.parse as they were
    [reusable]: options.schema === undefined ? isJsonExact : undefined
  }
  return view
}

/** Whether `JSON.parse(JSON.stringify(u))` is `u` itself: a string, a boolean, null, a finite number other than -0. */
const isJsonExact = (u: unknown): boolean =>
  typeof u === "number"
    ? Number.isFinite(u) && !Object.is(u, -0)
    : typeof u === "string" || typeof u === "boolean" || u === null

/** An event routed to the keys of the states it changes. */
interface Routed {
  readonly keys: string | ReadonlyArray<string>
  readonly decoded: unknown
}

// What `make` adds for the catch-up loop: synchronous routing (when every
// definition decodes synchronously), with no Effect per event.
const fast: unique symbol = Symbol("fairway/Module/View/fast")

// What `make` adds for the catch-up cache (see `StateCache`): which states
// decode from their encoding as the very same value.
const reusable: unique symbol = Symbol("fairway/Module/View/reusable")

interface Internal<S> extends View<S> {
  readonly [fast]?: {
    /** Decodes an event read with the view's query (`undefined`: not one of its types). */
    readonly decode: (event: DcbEvent.SequencedEvent) => unknown | DcbEvent.EventDecodeError | undefined
    /** The keys of a decoded event (`undefined`: none, the event is skipped). */
    readonly keys: (decoded: unknown) => string | ReadonlyArray<string> | undefined
    readonly evolve: (state: S, decoded: unknown, key: string) => S | Remove
  } | undefined
  readonly [reusable]?: ((state: unknown) => boolean) | undefined
}

/**
 * Whether a value is a view.
 *
 * @category guards
 * @since 0.1.0
 */
export const isView = (u: unknown): u is Any =>
  typeof u === "object" && u !== null && (u as Record<string, unknown>)[TypeId] === TypeId

/**
 * Checks a view's definition.
 *
 * @category validation
 * @since 0.1.0
 */
export const validate = (view: Any): Effect.Effect<void, InvalidView> => {
  const invalid = (reason: string) => Effect.fail(new InvalidView({ view: String(view.name), reason }))
  const keyError = ViewStore.validate(view.name, view.version)
  if (keyError !== undefined) return invalid(keyError.reason)
  const queryError = Query.invalidReason(view.query)
  if (queryError !== undefined) return invalid(queryError.message)
  if (!Number.isSafeInteger(view.batchSize) || view.batchSize <= 0) return invalid("the batch size must be a positive integer")
  if (!Number.isSafeInteger(view.maxAttempts) || view.maxAttempts < 1) return invalid("maxAttempts must be a positive integer")
  return Effect.void
}

// -----------------------------------------------------------------------------
// Projection
// -----------------------------------------------------------------------------

/**
 * The metrics of running views, with a `view` attribute: `lag` (head minus
 * checkpoint in position units, when a round starts and when it ends),
 * `eventsApplied` and `eventsParked` (dead letters).
 *
 * @category metrics
 * @since 0.1.0
 */
export const metrics = {
  lag: Metric.gauge("fairway_view_lag", { description: "head minus checkpoint, in position units", bigint: true }),
  eventsApplied: Metric.counter("fairway_view_events_applied", { description: "events applied to view states" }),
  eventsParked: Metric.counter("fairway_view_events_parked", { description: "events parked as dead letters" })
}

/**
 * What one catch-up round did.
 *
 * @category models
 * @since 0.1.0
 */
export interface CatchUp {
  /** The log's head when the round started: every event up to it is applied. */
  readonly head: Option.Option<SequencePosition.SequencePosition>
  /** The checkpoint after the round. */
  readonly checkpoint: Option.Option<SequencePosition.SequencePosition>
  /** How many events the round applied to states. */
  readonly applied: number
  /** How many events the round parked as dead letters (see {@link deadLetters}). */
  readonly parked: number
}

class InvalidStateDefect {
  readonly error: InvalidViewState
  constructor(error: InvalidViewState) {
    this.error = error
  }
}

const applyBatch = <S>(
  view: View<S>,
  version: number,
  expected: Option.Option<SequencePosition.SequencePosition>,
  batch: ReadonlyArray<DcbEvent.SequencedEvent>,
  cache: StateCache | undefined
): Effect.Effect<{ readonly checkpoint: SequencePosition.SequencePosition; readonly applied: number }, ViewError, ViewStore.ViewStore> =>
  Effect.flatMap(ViewStore.ViewStore, (views) => {
    const checkpoint = batch[batch.length - 1]!.position
    const f = (view as Internal<S>)[fast]
    if (f === undefined) {
      return Effect.flatMap(
        Effect.forEach(batch, (event) => view.route(event)),
        (routes) => {
          const routed: Array<{ readonly keys: ReadonlyArray<string>; readonly apply: (state: S, key: string) => S | Remove }> = []
          for (const route of routes) if (Option.isSome(route)) routed.push(route.value)
          const keys = new Set<string>()
          for (const r of routed) for (const key of r.keys) keys.add(key)
          return commitStates(views, view, version, expected, checkpoint, [...keys], routed.length, cache, (stateOf, set) => {
            for (const r of routed) for (const key of r.keys) set(key, r.apply(stateOf(key), key))
          })
        }
      )
    }
    // the routed events, as two arrays (no object per event): their keys and their decoded form
    const routedKeys: Array<string | ReadonlyArray<string>> = []
    const routedEvents: Array<unknown> = []
    const keys = new Set<string>()
    for (let i = 0; i < batch.length; i++) {
      const decoded = f.decode(batch[i]!)
      if (decoded === undefined) continue
      if (decoded instanceof DcbEvent.EventDecodeError) return Effect.fail(decoded)
      const k = f.keys(decoded)
      if (k === undefined) continue
      routedKeys.push(k)
      routedEvents.push(decoded)
      if (typeof k === "string") keys.add(k)
      else for (const key of k) keys.add(key)
    }
    const evolve = f.evolve
    return commitStates(views, view, version, expected, checkpoint, [...keys], routedKeys.length, cache, (stateOf, set) => {
      for (let i = 0; i < routedKeys.length; i++) {
        const k = routedKeys[i]!
        const decoded = routedEvents[i]
        if (typeof k === "string") set(k, evolve(stateOf(k), decoded, k))
        else for (const key of k) set(key, evolve(stateOf(key), decoded, key))
      }
    })
  })

const commitStates = <S>(
  views: ViewStore.ViewStoreShape,
  view: View<S>,
  version: number,
  expected: Option.Option<SequencePosition.SequencePosition>,
  checkpoint: SequencePosition.SequencePosition,
  keys: ReadonlyArray<string>,
  applied: number,
  cache: StateCache | undefined,
  apply: Apply<S>
) =>
  views.commit(view.name, version, { expected, checkpoint, keys, update: stateUpdate(view, version, apply, cache) }).pipe(
    Effect.catchDefect((defect) => defect instanceof InvalidStateDefect ? Effect.fail(defect.error) : Effect.die(defect)),
    Effect.as({ checkpoint, applied })
  )

/** Applies events to the states they change, given how to read and set a state. */
type Apply<S> = (stateOf: (key: string) => S, set: (key: string, state: S | Remove) => void) => void

/**
 * The states a round of catch-up encoded, by key, each with the very bytes
 * it was encoded to: when the store gives those same bytes back (the memory
 * store keeps what it was given), the state is not decoded again. Only
 * states that decoding their encoding gives back unchanged are kept (see
 * `reusable`), so a hit is exactly what decoding would give; bytes another
 * writer stored, or a commit that failed, are other objects: decoded.
 * Bounded: at most {@link maxCachedStates} keys.
 */
type StateCache = Map<string, { bytes: Uint8Array; state: unknown }>

const maxCachedStates = 10_000

/** What a commit's update knows of one key: its state so far, and the state as stored (when it was decoded). */
interface Slot<S> {
  state: S | Remove
  readonly stored: S | typeof unread
  readonly cached: { bytes: Uint8Array; state: unknown } | undefined
}

/** No stored state was read for the key (it has none: the batch started from `initial`). */
const unread: unique symbol = Symbol("fairway/Module/View/unread")

/** The store update applying `apply` to the stored states (decoded, then encoded again). */
const stateUpdate = <S>(
  view: View<S>,
  version: number,
  apply: Apply<S>,
  cache?: StateCache | undefined
): ViewStore.ViewCommit["update"] =>
  (current) => {
    const slots = new Map<string, Slot<S>>()
    const reuse = cache === undefined ? undefined : (view as Internal<S>)[reusable]
    // the slot of the key last read: `set` follows `stateOf` of the same key
    let lastKey: string | undefined
    let last: Slot<S> | undefined
    const slotOf = (key: string): Slot<S> => {
      if (key === lastKey) return last!
      let slot = slots.get(key)
      if (slot === undefined) {
        const bytes = current.get(key)
        if (bytes === undefined) slot = { state: view.initial, stored: unread, cached: undefined }
        else {
          const hit = reuse === undefined ? undefined : cache!.get(key)
          if (hit !== undefined && hit.bytes === bytes) slot = { state: hit.state as S, stored: hit.state as S, cached: hit }
          else {
            const exit = view.decodeState(bytes)
            if (Exit.isFailure(exit)) {
              throw new InvalidStateDefect(
                new InvalidViewState({ view: view.name, version, key, reason: Cause.pretty(exit.cause) })
              )
            }
            slot = { state: exit.value, stored: exit.value, cached: hit }
          }
        }
        slots.set(key, slot)
      }
      lastKey = key
      last = slot
      return slot
    }
    apply(
      (key) => {
        const state = slotOf(key).state
        return state === remove ? view.initial : state
      },
      (key, state) => {
        slotOf(key).state = state
      }
    )
    const out = new Map<string, Uint8Array | null>()
    slots.forEach((slot, key) => {
      const state = slot.state
      if (state === remove) {
        if (current.has(key)) out.set(key, null)
        return
      }
      // the state as stored: not written again (a primitive only: an object may have been changed in place by `evolve`)
      if ((state === null || typeof state !== "object") && slot.stored !== unread && Object.is(slot.stored, state)) return
      const bytes = view.encodeState(state)
      out.set(key, bytes)
      if (reuse !== undefined && reuse(state)) {
        const entry = slot.cached
        if (entry !== undefined) {
          entry.bytes = bytes
          entry.state = state
        } else if (cache!.size < maxCachedStates) cache!.set(key, { bytes, state })
      }
    })
    return out
  }

const round = <S>(view: View<S>, version: number) =>
  Effect.gen(function* () {
    const store = yield* EventStore.EventStore
    const views = yield* ViewStore.ViewStore
    const head = yield* store.head
    let checkpoint = yield* views.checkpoint(view.name, version)
    let applied = 0
    let parked = 0
    const attributes = { view: view.name, version: String(version) }
    yield* Metric.update(Metric.withAttributes(metrics.lag, attributes), Checkpoint.lag(head, checkpoint))
    const cache: StateCache = new Map()
    const applyOne = (event: DcbEvent.SequencedEvent) =>
      Effect.suspend(() =>
        Effect.map(applyOrPark(view, version, checkpoint, event, cache), (result) => {
          checkpoint = Option.some(result.checkpoint)
          applied += result.applied
          parked += result.parked
        })
      )
    yield* store.read(view.query, Option.isSome(checkpoint) ? { after: checkpoint.value } : undefined).pipe(
      Stream.grouped(view.batchSize),
      Stream.runForEach((batch) =>
        batch.length === 1
          ? applyOne(batch[0]!)
          : applyBatch(view, version, checkpoint, batch, cache).pipe(
            Effect.map((result) => {
              checkpoint = Option.some(result.checkpoint)
              applied += result.applied
            }),
            // one of the events cannot be applied, or the batch is too slow for one transaction (FoundationDB's
            // 5-second window): apply them one by one, parking the ones that keep failing
            Effect.catchCause((cause) =>
              causedByEvents(cause) || tooSlowForOneTransaction(cause)
                ? Effect.forEach(batch, applyOne, { discard: true })
                : Effect.failCause(cause)
            )
          )
      )
    )
    // events that do not match the query still move the checkpoint up to the head, so lag reaches zero
    if (Option.isSome(head) && (Option.isNone(checkpoint) || checkpoint.value < head.value)) {
      yield* views.commit(view.name, version, {
        expected: checkpoint,
        checkpoint: head.value,
        keys: [],
        update: () => new Map()
      })
      checkpoint = head
    }
    yield* Metric.update(Metric.withAttributes(metrics.lag, attributes), Checkpoint.lag(head, checkpoint))
    yield* Metric.update(Metric.withAttributes(metrics.eventsApplied, attributes), applied)
    if (parked > 0) yield* Metric.update(Metric.withAttributes(metrics.eventsParked, attributes), parked)
    return { head, checkpoint, applied, parked } satisfies CatchUp
  })

/** An event-caused failure, as a typed failure (so the retry schedule sees it). */
class Poisoned {
  readonly cause: Cause.Cause<unknown>
  constructor(cause: Cause.Cause<unknown>) {
    this.cause = cause
  }
}

/**
 * The errors an event causes (it does not decode, its key or state is
 * refused, a stored state it touches does not decode): retried on the view's
 * Schedule, then parked. Storage outages, moved checkpoints and superseded
 * versions are not the event's fault.
 */
const eventCausedTags: ReadonlySet<string> = new Set([
  "EventDecodeError",
  "InvalidViewKey",
  "InvalidViewState",
  "ViewStateTooLarge"
])

/** FoundationDB's transaction_too_large, key_too_large and value_too_large: a commit the store refuses as too large. */
const tooLargeCodes: ReadonlySet<number> = new Set([2101, 2102, 2103])

/** The FoundationDB error code behind a `StorageError` (with `definite`: only when nothing was written), if any. */
const storageCode = (error: unknown, definite = false): number | undefined => {
  const e = error as { readonly _tag?: unknown; readonly cause?: unknown; readonly unknownResult?: unknown } | null
  if (typeof e !== "object" || e === null || e._tag !== "StorageError" || (definite && e.unknownResult === true)) {
    return undefined
  }
  const code = (e.cause as { readonly code?: unknown } | undefined)?.code
  return typeof code === "number" ? code : undefined
}

const isEventCaused = (error: unknown): boolean => {
  if (typeof error !== "object" || error === null) return false
  const tag = (error as { readonly _tag?: unknown })._tag
  if (typeof tag !== "string") return false
  if (eventCausedTags.has(tag) || tag.endsWith("TooLarge")) return true
  const code = storageCode(error)
  return code !== undefined && tooLargeCodes.has(code)
}

/**
 * FoundationDB's transaction_too_old (1007) and transaction_timed_out (1031):
 * a batch whose reads and folds outlast one transaction. Split into single
 * events, not the events' fault (one event that still does not fit fails the
 * round, as an outage does).
 */
const tooSlowCodes: ReadonlySet<number> = new Set([1007, 1031])

const tooSlowForOneTransaction = (cause: Cause.Cause<unknown>): boolean =>
  cause.reasons.length > 0 &&
  cause.reasons.every((reason) => {
    const code = Cause.isFailReason(reason) ? storageCode(reason.error, true) : undefined
    return code !== undefined && tooSlowCodes.has(code)
  })

/** Whether a failed apply is the events' fault: every failure is event-caused, or a defect (a throwing `evolve` or `key`). */
const causedByEvents = (cause: Cause.Cause<unknown>): boolean =>
  cause.reasons.length > 0 &&
  cause.reasons.every((reason) => Cause.isDieReason(reason) || (Cause.isFailReason(reason) && isEventCaused(reason.error)))

/** Applies one event with the view's retries; parks it (moving the checkpoint past it) when it still fails. */
const applyOrPark = <S>(
  view: View<S>,
  version: number,
  expected: Option.Option<SequencePosition.SequencePosition>,
  event: DcbEvent.SequencedEvent,
  cache: StateCache
) =>
  Effect.gen(function* () {
    let attempts = 0
    const once = Effect.suspend(() => {
      attempts++
      return applyBatch(view, version, expected, [event], cache)
    }).pipe(
      Effect.catchCause((cause): Effect.Effect<never, Poisoned | ViewError> =>
        causedByEvents(cause) ? Effect.fail(new Poisoned(cause)) : Effect.failCause(cause)
      )
    )
    const result = yield* Effect.result(
      once.pipe(Effect.retry({
        schedule: view.retry,
        times: view.maxAttempts - 1,
        while: (e) => e instanceof Poisoned
      }))
    )
    if (result._tag === "Success") return { ...result.success, parked: 0 }
    const failure = result.failure
    if (!(failure instanceof Poisoned)) return yield* Effect.fail(failure)
    const views = yield* ViewStore.ViewStore
    const letter: ViewStore.DeadLetter = {
      view: view.name,
      position: event.position,
      eventType: event.type,
      attempts,
      error: describeCause(failure.cause),
      failedAt: yield* Clock.currentTimeMillis
    }
    yield* views.commit(view.name, version, {
      expected,
      checkpoint: event.position,
      keys: [],
      update: () => new Map(),
      deadLetters: [letter]
    })
    yield* Effect.logWarning(`view ${view.name}: event ${event.position} failed ${attempts} times, parked`, letter.error)
    return { checkpoint: event.position, applied: 0, parked: 1 }
  })

const roundRetrying = <S>(view: View<S>, version: number) =>
  // another process moved the checkpoint: resume from where it got to
  round(view, version).pipe(Effect.retry({ while: (e) => e._tag === "CheckpointMoved", times: 1000 }))

/**
 * Brings a view's own version up to the current head of the log and, when
 * it is not yet the active version, activates it (deleting older versions).
 * Safe to call while the view also runs elsewhere.
 *
 * @category running
 * @since 0.1.0
 */
export const catchUp = <S>(
  view: View<S>
): Effect.Effect<CatchUp, ViewError, EventStore.EventStore | ViewStore.ViewStore> =>
  Effect.gen(function* () {
    yield* validate(view)
    const result = yield* roundRetrying(view, view.version)
    yield* activateIfBehind(view)
    return result
  })

const activateIfBehind = (view: Any) =>
  Effect.gen(function* () {
    const views = yield* ViewStore.ViewStore
    const active = yield* views.activeVersion(view.name)
    if (Option.isSome(active) && active.value > view.version) {
      return yield* Effect.fail(
        new ViewStore.ViewSuperseded({ view: view.name, version: view.version, activeVersion: active.value })
      )
    }
    if (Option.isNone(active) || active.value < view.version) {
      yield* views.activate(view.name, view.version)
      if (Option.isSome(active)) {
        yield* Effect.logInfo(`view ${view.name}: version ${view.version} caught up, replaced version ${active.value}`)
      }
    }
  })

/**
 * Runs a view forever: catches up, activates its version once caught up,
 * then applies each new append, parking the events it cannot apply (see the
 * module documentation). Fails on an invalid or superseded view or a storage
 * failure; use {@link layer} for a supervised run.
 *
 * @category running
 * @since 0.1.0
 */
export const run = <S>(
  view: View<S>
): Effect.Effect<never, ViewError, EventStore.EventStore | ViewStore.ViewStore> =>
  Effect.gen(function* () {
    yield* validate(view)
    while (true) {
      const { head } = yield* roundRetrying(view, view.version)
      yield* activateIfBehind(view)
      yield* awaitAppendAfter(head)
    }
  }).pipe(Effect.withSpan("View.run", { attributes: { view: view.name, version: view.version } })) as Effect.Effect<
    never,
    ViewError,
    EventStore.EventStore | ViewStore.ViewStore
  >

/**
 * Options of {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface LayerOptions {
  /** How to wait between restarts after a failure or a defect (default: exponential from 100 ms, capped at 10 s). */
  readonly restart?: Schedule.Schedule<unknown, unknown> | undefined
}

/**
 * Runs a view in the background for as long as the layer's scope is open.
 * An event it cannot apply is retried, then parked (it never blocks the
 * view); a storage failure or a defect outside of applying an event
 * restarts it from its checkpoint after a backoff (logged); an invalid or
 * superseded definition stops it with an error log.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = <S>(
  view: View<S>,
  options?: LayerOptions
): Layer.Layer<never, never, EventStore.EventStore | ViewStore.ViewStore> =>
  Layer.effectDiscard(Effect.forkScoped(supervised(view, options)))

/**
 * {@link run}, restarted after failures and defects (see {@link layer}).
 *
 * @category running
 * @since 0.1.0
 */
export const supervised = <S>(
  view: View<S>,
  options?: LayerOptions
): Effect.Effect<void, never, EventStore.EventStore | ViewStore.ViewStore> =>
  run(view).pipe(
    Effect.sandbox,
    Effect.tapError((cause) =>
      restartable(cause) ? Effect.logWarning(`view ${view.name} stopped, restarting`, Cause.pretty(cause)) : Effect.void
    ),
    Effect.retry({ schedule: options?.restart ?? defaultRestart, while: restartable }),
    Effect.catch((cause) => Effect.logError(`view ${view.name} stopped`, Cause.pretty(cause)))
  )

/** Whether a run that ended with this cause is restarted: not when interrupted, nor on a definition error. */
const restartable = (cause: Cause.Cause<ViewError>): boolean => {
  const error = Cause.findErrorOption(cause)
  if (Option.isNone(error)) return !Cause.hasInterruptsOnly(cause)
  const tag = error.value._tag
  return tag !== "InvalidView" && tag !== "ViewSuperseded" && tag !== "InvalidViewKey" && tag !== "InvalidQuery"
}

// -----------------------------------------------------------------------------
// Reads
// -----------------------------------------------------------------------------

const readVersion = (view: Any) =>
  Effect.flatMap(ViewStore.ViewStore, (views) => views.activeVersion(view.name))

const decodeAt = <S>(view: View<S>, version: number, key: string, bytes: Uint8Array) => {
  const exit = view.decodeState(bytes)
  return Exit.isSuccess(exit)
    ? Effect.succeed(exit.value)
    : Effect.fail(new InvalidViewState({ view: view.name, version, key, reason: Cause.pretty(exit.cause) }))
}

/**
 * The state of one key, from the active version (none until a version of the
 * view has caught up once, or when no event touched the key).
 *
 * @category reads
 * @since 0.1.0
 */
export const get = <S>(
  view: View<S>,
  key: string
): Effect.Effect<Option.Option<S>, InvalidViewState | EventStore.StorageError, ViewStore.ViewStore> =>
  Effect.gen(function* () {
    const views = yield* ViewStore.ViewStore
    const version = yield* readVersion(view)
    if (Option.isNone(version)) return Option.none()
    const bytes = yield* views.get(view.name, version.value, key)
    if (Option.isNone(bytes)) return Option.none()
    return Option.some(yield* decodeAt(view, version.value, key, bytes.value))
  })

/**
 * Options of {@link list}: `prefix` (only keys starting with it), `after`
 * (only keys strictly after it in the direction of the read: the last key of
 * the previous page), `limit` (a positive integer), `backwards` (descending
 * key order).
 *
 * @category models
 * @since 0.1.0
 */
export type ListOptions = ViewStore.ListOptions

/**
 * The states of the active version in key order (the order of the keys'
 * code points, on every backend), served by range reads: `prefix` selects a
 * sub-list, `backwards` reads it from the end, `limit` bounds a page and
 * `after` (the last key of the previous page) continues it. Paging is exact
 * under concurrent writes: a page starts strictly after the cursor, so no
 * state is listed twice and none that exists throughout is skipped.
 *
 * Invalid options (a limit that is not a positive integer, a prefix or
 * cursor with a lone surrogate) fail with
 * `InvalidViewKey`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { View } from "fairway/Module"
 *
 * // a list view keyed `tag:<tag, URI-encoded: no ":" inside>:<inverted time>:<slug>`: newest first, 20 a page
 * const page = (tag: string, after?: string) =>
 *   View.list(ArticlesByTag, { prefix: `tag:${encodeURIComponent(tag)}:`, after, limit: 20 })
 * ```
 *
 * @category reads
 * @since 0.1.0
 */
export const list = <S>(
  view: View<S>,
  options?: ListOptions
): Effect.Effect<
  ReadonlyArray<{ readonly key: string; readonly state: S }>,
  InvalidViewState | ViewStore.InvalidViewKey | EventStore.StorageError,
  ViewStore.ViewStore
> =>
  Effect.gen(function* () {
    const views = yield* ViewStore.ViewStore
    const version = yield* readVersion(view)
    if (Option.isNone(version)) return []
    const entries = yield* views.list(view.name, version.value, options)
    const out: Array<{ readonly key: string; readonly state: S }> = []
    for (const [key, bytes] of entries) out.push({ key, state: yield* decodeAt(view, version.value, key, bytes) })
    return out
  })

/**
 * Where a view stands.
 *
 * @category models
 * @since 0.1.0
 */
export interface Status {
  readonly name: string
  /** The version this definition builds. */
  readonly version: number
  /** The version reads are served from. */
  readonly activeVersion: Option.Option<number>
  /** The checkpoint of this definition's version. */
  readonly checkpoint: Option.Option<SequencePosition.SequencePosition>
  /** The log's head. */
  readonly head: Option.Option<SequencePosition.SequencePosition>
  /** Head minus checkpoint, in position units (see {@link Checkpoint.lag}). */
  readonly lag: bigint
  /** Whether the checkpoint has reached the head. */
  readonly caughtUp: boolean
  /** How many events this definition's version parked (see {@link deadLetters}). */
  readonly deadLetters: number
}

/**
 * The view's version, checkpoint, the log's head and the lag between them.
 *
 * @category reads
 * @since 0.1.0
 */
export const status = (
  view: Any
): Effect.Effect<Status, EventStore.StorageError, EventStore.EventStore | ViewStore.ViewStore> =>
  Effect.gen(function* () {
    const views = yield* ViewStore.ViewStore
    const store = yield* EventStore.EventStore
    const checkpoint = yield* views.checkpoint(view.name, view.version)
    const head = yield* store.head
    const activeVersion = yield* views.activeVersion(view.name)
    const lag = Checkpoint.lag(head, checkpoint)
    const deadLetters = (yield* views.deadLetters(view.name, view.version)).length
    return { name: view.name, version: view.version, activeVersion, checkpoint, head, lag, caughtUp: lag === 0n, deadLetters }
  })

// -----------------------------------------------------------------------------
// Dead letters
// -----------------------------------------------------------------------------

/**
 * No dead letter of the view at that position.
 *
 * @category errors
 * @since 0.1.0
 */
export class ViewDeadLetterNotFound extends Schema.TaggedError<ViewDeadLetterNotFound>()("ViewDeadLetterNotFound", {
  view: Schema.String,
  position: SequencePosition.SequencePosition
}) {
  override get message(): string {
    return `view ${this.view} has no dead letter at position ${this.position}`
  }
}

/**
 * The events this definition's version parked, by position: each could not
 * be applied after the view's retries (`evolve` threw, the event or a stored
 * state did not decode, a key or a state was refused by the store), and the
 * view moved on without it. See {@link retryDeadLetter}.
 *
 * @category dead letters
 * @since 0.1.0
 */
export const deadLetters = (
  view: Any
): Effect.Effect<ReadonlyArray<ViewStore.DeadLetter>, EventStore.StorageError, ViewStore.ViewStore> =>
  Effect.flatMap(ViewStore.ViewStore, (views) => views.deadLetters(view.name, view.version))

/**
 * Applies a parked event again (once), to the states as they are now (after
 * the events that followed it), and removes its dead letter in the same
 * atomic step: `true`. When it still fails, the dead letter is kept with one
 * more attempt and the new error: `false`. Fix the cause first (deploy a
 * corrected `evolve`, or bump the version to rebuild the view). Fails with
 * {@link ViewDeadLetterNotFound} when nothing is parked at `position`: also
 * when a concurrent retry applied it, or an attempt of this one whose commit
 * FoundationDB could not confirm did (the event is applied once either way).
 *
 * @category dead letters
 * @since 0.1.0
 */
export const retryDeadLetter = <S>(
  view: View<S>,
  position: SequencePosition.SequencePosition
): Effect.Effect<
  boolean,
  ViewDeadLetterNotFound | ViewStore.ViewSuperseded | EventStore.ReadError,
  EventStore.EventStore | ViewStore.ViewStore
> =>
  Effect.gen(function* () {
    const views = yield* ViewStore.ViewStore
    const store = yield* EventStore.EventStore
    const notFound = new ViewDeadLetterNotFound({ view: view.name, position })
    const letter = (yield* views.deadLetters(view.name, view.version)).find((l) => l.position === position)
    if (letter === undefined) return yield* Effect.fail(notFound)
    // read by position alone: an event the view no longer routes (its query changed) is dropped with its letter
    const found = yield* Stream.runCollect(
      store.read(Query.all(), position === 0n ? { limit: 1 } : { after: SequencePosition.make(position - 1n), limit: 1 })
    )
    const event = found[0]
    if (event === undefined || event.position !== position) return yield* Effect.fail(notFound)
    const attempt = Effect.gen(function* () {
      const route = yield* view.route(event)
      const keys = Option.isSome(route) ? route.value.keys : []
      const update = stateUpdate(view, view.version, (stateOf, set) => {
        if (Option.isSome(route)) for (const key of keys) set(key, route.value.apply(stateOf(key), key))
      })
      return yield* views.retryDeadLetter(view.name, view.version, { position, keys, update }).pipe(
        Effect.catchDefect((defect) => defect instanceof InvalidStateDefect ? Effect.fail(defect.error) : Effect.die(defect))
      )
    })
    const exit = yield* Effect.exit(attempt)
    if (Exit.isSuccess(exit)) {
      if (!exit.value) return yield* Effect.fail(notFound) // retried concurrently
      return true
    }
    if (!causedByEvents(exit.cause)) return yield* Effect.failCause(exit.cause as Cause.Cause<never>)
    yield* views.putDeadLetter(view.version, {
      ...letter,
      attempts: letter.attempts + 1,
      error: describeCause(exit.cause),
      failedAt: yield* Clock.currentTimeMillis
    }).pipe(Effect.catchTag("InvalidViewKey", Effect.die))
    return false
  })
