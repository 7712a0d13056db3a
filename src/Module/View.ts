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
import type * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as Checkpoint from "./Checkpoint.ts"
import { awaitAppendAfter, defaultRestart } from "./internal/follow.ts"
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
  /** Decodes a stored event and gives the keys it changes (none: the event is skipped). */
  readonly route: (
    event: DcbEvent.SequencedEvent
  ) => Effect.Effect<Option.Option<{ readonly keys: ReadonlyArray<string>; readonly apply: (state: S, key: string) => S }>, DcbEvent.EventDecodeError>
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

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Defines a view.
 *
 * - `events`: the typed event definitions it understands; only events of
 *   these types that match `query` are decoded and handed to `evolve`.
 * - `key(event)`: the key(s) of the state(s) an event changes, or `undefined`
 *   to skip it.
 * - `evolve(state, event, key)`: the next state of `key`.
 * - `schema`: the state's schema (stored as JSON through `Schema.toCodecJson`);
 *   without it, states are stored with `JSON.stringify` and must be plain JSON.
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
  readonly evolve: (state: S, event: DcbEvent.DecodedOf<Definitions[number]>, key: string) => S
  readonly key: (event: DcbEvent.DecodedOf<Definitions[number]>) => string | ReadonlyArray<string> | undefined
  readonly schema?: Schema.Codec<S, any, never, never> | undefined
  readonly batchSize?: number | undefined
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
    encodeState = (state) => encoder.encode(encode(state))
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
    encodeState = (state) => encoder.encode(JSON.stringify(state))
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
  // decode (synchronously when every definition allows it) and route one event
  // `matched`: the event was read with the view's query, so it matches it
  const routeNow = (event: DcbEvent.SequencedEvent, matched: boolean): Routed | DcbEvent.EventDecodeError | undefined => {
    const entry = byType.get(event.type)
    if (entry === undefined || (!matched && !Query.matches(query, event))) return undefined
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
    encodeState,
    decodeState,
    route: sync
      ? (event) =>
        Effect.suspend(() => {
          const routed = routeNow(event, false)
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
        route: routeNow,
        evolve: evolve as (state: S, decoded: unknown, key: string) => S
      }
      : undefined
  }
  return view
}

/** An event routed to the keys of the states it changes. */
interface Routed {
  readonly keys: string | ReadonlyArray<string>
  readonly decoded: unknown
}

// What `make` adds for the catch-up loop: synchronous routing (when every
// definition decodes synchronously), with no Effect per event.
const fast: unique symbol = Symbol("fairway/Module/View/fast")

interface Internal<S> extends View<S> {
  readonly [fast]?: {
    readonly route: (event: DcbEvent.SequencedEvent, matched: boolean) => Routed | DcbEvent.EventDecodeError | undefined
    readonly evolve: (state: S, decoded: unknown, key: string) => S
  } | undefined
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
  return Effect.void
}

// -----------------------------------------------------------------------------
// Projection
// -----------------------------------------------------------------------------

/**
 * The metrics of running views, with a `view` attribute: `lag` (head minus
 * checkpoint in position units, when a round starts and when it ends) and
 * `eventsApplied`.
 *
 * @category metrics
 * @since 0.1.0
 */
export const metrics = {
  lag: Metric.gauge("fairway_view_lag", { description: "head minus checkpoint, in position units", bigint: true }),
  eventsApplied: Metric.counter("fairway_view_events_applied", { description: "events applied to view states" })
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
  batch: ReadonlyArray<DcbEvent.SequencedEvent>
): Effect.Effect<{ readonly checkpoint: SequencePosition.SequencePosition; readonly applied: number }, ViewError, ViewStore.ViewStore> =>
  Effect.flatMap(ViewStore.ViewStore, (views) => {
    const checkpoint = batch[batch.length - 1]!.position
    const f = (view as Internal<S>)[fast]
    if (f === undefined) {
      return Effect.flatMap(
        Effect.forEach(batch, (event) => view.route(event)),
        (routes) => {
          const routed: Array<{ readonly keys: ReadonlyArray<string>; readonly apply: (state: S, key: string) => S }> = []
          for (const route of routes) if (Option.isSome(route)) routed.push(route.value)
          const keys = new Set<string>()
          for (const r of routed) for (const key of r.keys) keys.add(key)
          return commitStates(views, view, version, expected, checkpoint, [...keys], routed.length, (stateOf, set) => {
            for (const r of routed) for (const key of r.keys) set(key, r.apply(stateOf(key), key))
          })
        }
      )
    }
    const routed: Array<Routed> = []
    const keys = new Set<string>()
    for (let i = 0; i < batch.length; i++) {
      const r = f.route(batch[i]!, true)
      if (r === undefined) continue
      if (r instanceof DcbEvent.EventDecodeError) return Effect.fail(r)
      routed.push(r)
      if (typeof r.keys === "string") keys.add(r.keys)
      else for (const key of r.keys) keys.add(key)
    }
    const evolve = f.evolve
    return commitStates(views, view, version, expected, checkpoint, [...keys], routed.length, (stateOf, set) => {
      for (let i = 0; i < routed.length; i++) {
        const r = routed[i]!
        if (typeof r.keys === "string") set(r.keys, evolve(stateOf(r.keys), r.decoded, r.keys))
        else for (const key of r.keys) set(key, evolve(stateOf(key), r.decoded, key))
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
  apply: (stateOf: (key: string) => S, set: (key: string, state: S) => void) => void
) =>
  views.commit(view.name, version, {
    expected,
    checkpoint,
    keys,
    update: (current) => {
      const states = new Map<string, S>()
      // the states as stored, decoded: a state the batch left as it was is not encoded and written again
      const stored = new Map<string, S>()
      const stateOf = (key: string): S => {
        const known = states.get(key)
        if (known !== undefined || states.has(key)) return known as S
        const bytes = current.get(key)
        if (bytes === undefined) return view.initial
        const exit = view.decodeState(bytes)
        if (Exit.isFailure(exit)) {
          throw new InvalidStateDefect(
            new InvalidViewState({ view: view.name, version, key, reason: Cause.pretty(exit.cause) })
          )
        }
        stored.set(key, exit.value)
        return exit.value
      }
      apply(stateOf, (key, state) => states.set(key, state))
      const out = new Map<string, Uint8Array | null>()
      for (const [key, state] of states) {
        // (a primitive only: an object may have been changed in place by `evolve`)
        if ((state === null || typeof state !== "object") && stored.has(key) && Object.is(stored.get(key), state)) continue
        out.set(key, view.encodeState(state))
      }
      return out
    }
  }).pipe(
    Effect.catchDefect((defect) => defect instanceof InvalidStateDefect ? Effect.fail(defect.error) : Effect.die(defect)),
    Effect.as({ checkpoint, applied })
  )

const round = <S>(view: View<S>, version: number) =>
  Effect.gen(function* () {
    const store = yield* EventStore.EventStore
    const views = yield* ViewStore.ViewStore
    const head = yield* store.head
    let checkpoint = yield* views.checkpoint(view.name, version)
    let applied = 0
    const attributes = { view: view.name, version: String(version) }
    yield* Metric.update(Metric.withAttributes(metrics.lag, attributes), Checkpoint.lag(head, checkpoint))
    yield* store.read(view.query, Option.isSome(checkpoint) ? { after: checkpoint.value } : undefined).pipe(
      Stream.grouped(view.batchSize),
      Stream.runForEach((batch) =>
        Effect.map(applyBatch(view, version, checkpoint, batch), (result) => {
          checkpoint = Option.some(result.checkpoint)
          applied += result.applied
        })
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
    return { head, checkpoint, applied } satisfies CatchUp
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
 * then applies each new append. Fails on the first error (an invalid or
 * superseded view, a storage failure, an event or a stored state that does
 * not decode); use {@link layer} for a supervised run.
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
 * Failures and defects restart it from its checkpoint after a backoff
 * (logged), including an event or a state that does not decode, which
 * blocks the view until it is fixed; an invalid or superseded definition,
 * or an invalid state key returned by `key`, stops it with an error log.
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
 * Options of {@link list}.
 *
 * @category models
 * @since 0.1.0
 */
export interface ListOptions {
  /** Only keys strictly after this one (paging). */
  readonly after?: string | undefined
  /** At most this many states. */
  readonly limit?: number | undefined
}

/**
 * The states of the active version, in key order.
 *
 * @category reads
 * @since 0.1.0
 */
export const list = <S>(
  view: View<S>,
  options?: ListOptions
): Effect.Effect<
  ReadonlyArray<{ readonly key: string; readonly state: S }>,
  InvalidViewState | EventStore.StorageError,
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
    return { name: view.name, version: view.version, activeVersion, checkpoint, head, lag, caughtUp: lag === 0n }
  })
