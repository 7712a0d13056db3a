/**
 * Decision models: the smallest state a decision needs, read in one go, with
 * the append condition that protects it.
 *
 * A projection ({@link make}) is a query, an initial state, the event
 * definitions it understands, and `evolve(state, event)`. Only the events of
 * the declared types that match the projection's query are decoded and handed
 * to `evolve`. Projections compose ({@link combine}): the combined model reads
 * once with the union of their queries, folds each projection over its own
 * events, and {@link read} returns the states together with the append
 * condition `{ failIfEventsMatch: <union query>, after: <last position read> }`.
 * Appending with that condition fails when any event that would have changed
 * one of the states was appended after the read.
 *
 * When a read depends on the state of another ("the cart, then the prices of
 * exactly its products"), compose them with {@link bind} or {@link andThen}:
 * the model reads in turn, and {@link read} returns one append condition per
 * read (`conditions`, each with that read's query and last position), which
 * the append must carry together (`EventStore.append(events, { conditions })`;
 * `Command` does).
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { DecisionModel, Event, EventStore, Query } from "fairway/Dcb"
 *
 * const StudentSubscribed = Event.define("StudentSubscribed", {
 *   payload: Schema.Struct({ studentId: Schema.String, courseId: Schema.String }),
 *   tags: (p) => [`student:${p.studentId}`, `course:${p.courseId}`]
 * })
 * const subscriptions = (courseId: string) =>
 *   DecisionModel.make({
 *     query: Query.item({ types: [StudentSubscribed.type], tags: [`course:${courseId}`] }),
 *     initial: 0,
 *     events: [StudentSubscribed],
 *     evolve: (n) => n + 1
 *   })
 * const courseLoad = (studentId: string) =>
 *   DecisionModel.make({
 *     query: Query.item({ types: [StudentSubscribed.type], tags: [`student:${studentId}`] }),
 *     initial: 0,
 *     events: [StudentSubscribed],
 *     evolve: (n) => n + 1
 *   })
 *
 * const program = Effect.gen(function* () {
 *   const { state, condition } = yield* DecisionModel.read(
 *     DecisionModel.combine({ course: subscriptions("c1"), student: courseLoad("s1") })
 *   )
 *   // state: { course: number; student: number }
 *   if (state.course < 10 && state.student < 3) {
 *     yield* EventStore.append([StudentSubscribed.make({ studentId: "s1", courseId: "c1" })], { condition })
 *   }
 * }).pipe(Effect.provide(EventStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as AppendCondition from "./AppendCondition.ts"
import * as Event from "./Event.ts"
import * as EventStore from "./EventStore.ts"
import * as SyncRead from "./internal/syncRead.ts"
import * as Query from "./Query.ts"
import type * as SequencePosition from "./SequencePosition.ts"

/**
 * Identifies a {@link DecisionModel}.
 *
 * @category type ids
 * @since 0.1.0
 */
export const TypeId: "~fairway/Dcb/DecisionModel" = "~fairway/Dcb/DecisionModel"

/**
 * Identifies a {@link DecisionModel}.
 *
 * @category type ids
 * @since 0.1.0
 */
export type TypeId = typeof TypeId

/**
 * Decoded events of one stored event, shared by the projections of a combined
 * model so that an event is decoded once per definition.
 *
 * @category models
 * @since 0.1.0
 */
export type DecodeCache = Map<Event.Any, Event.Decoded<string, unknown>>

/**
 * A decision model: a projection ({@link make}, {@link makeRaw}), several
 * combined ({@link combine}), or a **dependent** model ({@link andThen},
 * {@link bind}, {@link map}, or {@link combine} over a dependent part) whose
 * later reads are built from the state of earlier ones.
 *
 * For a model of one read, `query` is what it reads and `step` folds one
 * stored event into the state (ignoring events that are not its own). A
 * dependent model ({@link isDependent}) is read with {@link read} only: its
 * `query` is the query of its first read, and its `initial` and `step` are
 * not a fold of anything (`step` dies).
 *
 * @category models
 * @since 0.1.0
 */
export interface DecisionModel<State> {
  readonly [TypeId]: TypeId
  /**
   * What the model reads: for a combined model, the union of its parts'
   * queries; for a dependent model, what its first read reads.
   */
  readonly query: Query.Query
  /** The state before any event (a model of one read). */
  readonly initial: State
  /** Folds one stored event into the state; events the model does not handle leave it unchanged (a model of one read). */
  readonly step: (
    state: State,
    event: Event.SequencedEvent,
    cache: DecodeCache
  ) => Effect.Effect<State, Event.EventDecodeError>
}

/**
 * The state of a decision model.
 *
 * @category type-level
 * @since 0.1.0
 */
export type StateOf<M> = M extends DecisionModel<infer S> ? S : never

/**
 * What {@link read} returns: the state, the append conditions that protect a
 * decision taken on it, and the position of the last event read (`undefined`
 * when none matched).
 *
 * - `conditions`: one per read the model made, each with that read's query
 *   and the last position that read saw. Append with `{ conditions }`: exact
 *   for every model (no lost conflict, no false one from reading at
 *   different times).
 * - `condition`: one condition. For a model of one read it is that read's
 *   (the same as `conditions[0]`). For a dependent model it is the union of
 *   every read's query after the head as of the first read: never a lost
 *   conflict, but an event matching any of the queries that lands while the
 *   reads run fails it (a retry) — prefer `conditions`.
 *
 * @category models
 * @since 0.1.0
 */
export interface ReadResult<State> {
  readonly state: State
  readonly condition: AppendCondition.AppendCondition
  readonly conditions: ReadonlyArray<AppendCondition.AppendCondition>
  readonly position: SequencePosition.SequencePosition | undefined
}

/**
 * Whether a value is a {@link DecisionModel}.
 *
 * @category guards
 * @since 0.1.0
 */
export const isDecisionModel = (u: unknown): u is DecisionModel<unknown> =>
  typeof u === "object" && u !== null && (u as Record<string, unknown>)[TypeId] === TypeId

// -----------------------------------------------------------------------------
// Plans: the reads of a model, each built from the state of the previous ones
// -----------------------------------------------------------------------------

// A model's plan: done with a state, or one read (of a model of one read) and what follows from its state.
type Plan<State> =
  | { readonly _tag: "Done"; readonly state: State }
  | { readonly _tag: "Read"; readonly model: DecisionModel<any>; readonly next: (state: any) => Plan<State> }

const planned: unique symbol = Symbol("fairway/Dcb/DecisionModel/plan")

interface Dependent<State> extends DecisionModel<State> {
  readonly [planned]: () => Plan<State>
}

/**
 * Whether a model is dependent: made by {@link andThen}, {@link bind},
 * {@link map}, or {@link combine} over such a model, it is read with
 * {@link read} only (no event-by-event fold), each later read's query built
 * from the state of the earlier ones. (`map` of a model of one read is
 * dependent too, and reads once.)
 *
 * @category guards
 * @since 0.1.0
 */
export const isDependent = (model: DecisionModel<any>): boolean => planned in model

const done = <State>(state: State): Plan<State> => ({ _tag: "Done", state })

const planOf = <State>(model: DecisionModel<State>): Plan<State> =>
  planned in model ? (model as Dependent<State>)[planned]() : { _tag: "Read", model, next: done }

const flatMapPlan = <A, B>(plan: Plan<A>, f: (a: A) => Plan<B>): Plan<B> =>
  plan._tag === "Done" ? f(plan.state) : { _tag: "Read", model: plan.model, next: (s) => flatMapPlan(plan.next(s), f) }

const dependentStep = (): never => {
  throw new Error("a dependent decision model is read with DecisionModel.read; it has no event-by-event fold")
}

const dependent = <State>(query: Query.Query, plan: () => Plan<State>): DecisionModel<State> => {
  const model: Dependent<State> = {
    [TypeId]: TypeId,
    query,
    initial: undefined as State,
    step: () => Effect.sync(dependentStep),
    [planned]: plan
  }
  return model
}

/**
 * A dependent model: read `self`, then the model `f` builds from its state;
 * the state is the second model's. Each read contributes its own append
 * condition ({@link ReadResult}`.conditions`), so the append is exact however
 * far apart the reads are. {@link bind} keeps the states of both.
 *
 * @example
 * ```ts
 * import { DecisionModel } from "fairway/Dcb"
 *
 * // the user's team, then that team's quota
 * const quota = (userId: string) => DecisionModel.andThen(teamOf(userId), (teamId) => teamQuota(teamId))
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const andThen: {
  <A, B>(f: (state: A) => DecisionModel<B>): (self: DecisionModel<A>) => DecisionModel<B>
  <A, B>(self: DecisionModel<A>, f: (state: A) => DecisionModel<B>): DecisionModel<B>
} = dual(2, <A, B>(self: DecisionModel<A>, f: (state: A) => DecisionModel<B>): DecisionModel<B> =>
  dependent(self.query, () => flatMapPlan(planOf(self), (a) => planOf(f(a)))))

/**
 * A model whose state is `f` of another's (same reads, same conditions).
 *
 * @category combinators
 * @since 0.1.0
 */
export const map: {
  <A, B>(f: (state: A) => B): (self: DecisionModel<A>) => DecisionModel<B>
  <A, B>(self: DecisionModel<A>, f: (state: A) => B): DecisionModel<B>
} = dual(2, <A, B>(self: DecisionModel<A>, f: (state: A) => B): DecisionModel<B> =>
  dependent(self.query, () => flatMapPlan(planOf(self), (a) => done(f(a)))))

/**
 * Adds a field to a model whose state is a record: after reading `self`,
 * reads the model `f` builds from its state, and puts that model's state
 * under `name`. Each read contributes its own append condition.
 *
 * @example
 * ```ts
 * import { DecisionModel } from "fairway/Dcb"
 *
 * // read the order, then the prices of exactly the products on it
 * const model = DecisionModel.bind(
 *   DecisionModel.combine({ order: order("o1") }),
 *   "prices",
 *   ({ order }) => prices(order.productIds)
 * )
 * // DecisionModel<{ readonly order: Order; readonly prices: Prices }>
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const bind: {
  <N extends string, A extends object, B>(
    name: Exclude<N, keyof A>,
    f: (state: A) => DecisionModel<B>
  ): (self: DecisionModel<A>) => DecisionModel<{ readonly [K in keyof A | N]: K extends keyof A ? A[K] : B }>
  <A extends object, N extends string, B>(
    self: DecisionModel<A>,
    name: Exclude<N, keyof A>,
    f: (state: A) => DecisionModel<B>
  ): DecisionModel<{ readonly [K in keyof A | N]: K extends keyof A ? A[K] : B }>
} = dual(3, <A extends object, N extends string, B>(
  self: DecisionModel<A>,
  name: N,
  f: (state: A) => DecisionModel<B>
): DecisionModel<any> =>
  dependent(self.query, () =>
    flatMapPlan(planOf(self), (a) => flatMapPlan(planOf(f(a)), (b) => done({ ...a, [name]: b })))))

// The synchronous fold of the models made here (absent on a model whose
// definitions cannot decode synchronously, or built by hand): the next state,
// or a `DecodeFailure` thrown. `read` folds with it over the store's chunks,
// with no Effect per event; `step` is derived from it.
const fold: unique symbol = Symbol("fairway/Dcb/DecisionModel/fold")

// `matched`: the event is known to match the model's query (read with it), so the check is skipped
type Fold<State> = (
  state: State,
  event: Event.SequencedEvent,
  cache: DecodeCache | undefined,
  matched: boolean
) => State

interface Folding<State> extends DecisionModel<State> {
  readonly [fold]?: {
    readonly run: Fold<State>
    /** Whether the fold decodes (then a combined model shares a decode cache per event). */
    readonly decodes: boolean
  } | undefined
}

class DecodeFailure {
  readonly error: Event.EventDecodeError
  constructor(error: Event.EventDecodeError) {
    this.error = error
  }
}

const stepOf = <State>(f: Fold<State>): DecisionModel<State>["step"] => (state, event, cache) =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(f(state, event, cache, false))
    } catch (e) {
      if (e instanceof DecodeFailure) return Effect.fail(e.error)
      throw e
    }
  })

/** A model with a synchronous fold: `step` is derived from it. */
const folding = <State>(query: Query.Query, initial: State, f: Fold<State>, decodes: boolean): Folding<State> => ({
  [TypeId]: TypeId,
  query,
  initial,
  step: stepOf(f),
  // Stryker disable next-line ObjectLiteral: equivalent: without the fold, read and combine use `step`, which gives the same states
  [fold]: { run: f, decodes }
})

/**
 * A projection over typed events: the events that match `query` and whose
 * type is one of `events` are decoded through their definitions and folded
 * with `evolve`, in position order. The query may read more types than the
 * projection declares (the others are ignored), and usually depends on the
 * command's input (`course:${courseId}`).
 *
 * @example
 * ```ts
 * import { DecisionModel, Query } from "fairway/Dcb"
 * import { CourseDefined, CourseCapacityChanged } from "./events.ts"
 *
 * const capacity = (courseId: string) =>
 *   DecisionModel.make({
 *     query: Query.item({ types: [CourseDefined.type, CourseCapacityChanged.type], tags: [`course:${courseId}`] }),
 *     initial: undefined as number | undefined,
 *     events: [CourseDefined, CourseCapacityChanged],
 *     evolve: (_, event) => event.payload.capacity
 *   })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = <State, const Definitions extends ReadonlyArray<Event.Any>>(options: {
  readonly query: Query.Query
  readonly initial: State
  readonly events: Definitions
  readonly evolve: (state: State, event: Event.DecodedOf<Definitions[number]>) => State
}): DecisionModel<State> => {
  type D = Event.DecodedOf<Definitions[number]>
  const { evolve, query } = options
  const byType = new Map<string, { readonly definition: Event.Any; readonly decode: ReturnType<typeof Event.syncDecoder> }>()
  // Stryker disable next-line BooleanLiteral: equivalent: the Effect-based step gives the same states as the synchronous fold
  let sync = true
  for (const definition of options.events) {
    const decode = Event.syncDecoder(definition)
    if (decode === undefined) sync = false
    byType.set(definition.type, { definition, decode })
  }
  if (!sync) {
    return {
      [TypeId]: TypeId,
      query,
      initial: options.initial,
      step: (state, event, cache) => {
        const entry = byType.get(event.type)
        if (entry === undefined || !Query.matches(query, event)) return Effect.succeed(state)
        const cached = cache.get(entry.definition)
        if (cached !== undefined) return Effect.succeed(evolve(state, cached as D))
        return Effect.map(entry.definition.decode(event), (decoded) => {
          cache.set(entry.definition, decoded)
          return evolve(state, decoded as D)
        })
      }
    }
  }
  const f: Fold<State> = (state, event, cache, matched) => {
    const entry = byType.get(event.type)
    if (entry === undefined || (!matched && !Query.matches(query, event))) return state
    let decoded = cache?.get(entry.definition)
    if (decoded === undefined) {
      const result = entry.decode!(event)
      if (result instanceof Event.EventDecodeError) throw new DecodeFailure(result)
      decoded = result
      cache?.set(entry.definition, result)
    }
    return evolve(state, decoded as D)
  }
  // Stryker disable next-line BooleanLiteral: equivalent: `decodes` only decides whether combined parts share a decode cache
  return folding(query, options.initial, f, true)
}

/**
 * A projection over stored events as they are (no decoding): every event
 * matching `query` is folded with `evolve`. For state that does not depend on
 * payloads (counting events, noting the last position, checking that a tag
 * was ever used).
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeRaw = <State>(options: {
  readonly query: Query.Query
  readonly initial: State
  readonly evolve: (state: State, event: Event.SequencedEvent) => State
}): DecisionModel<State> => {
  const { evolve, query } = options
  const f: Fold<State> = (state, event, _, matched) =>
    matched || Query.matches(query, event) ? evolve(state, event) : state
  // Stryker disable next-line BooleanLiteral: equivalent: `decodes` only decides whether combined parts share a decode cache
  return folding(query, options.initial, f, false)
}

/**
 * Combines decision models into one: it reads once with the union of their
 * queries and folds each model over its own events; its state is a record of
 * their states. Combined models combine again.
 *
 * @example
 * ```ts
 * import { DecisionModel } from "fairway/Dcb"
 *
 * const model = DecisionModel.combine({ course: courseCapacity("c1"), student: studentLoad("s1") })
 * // DecisionModel<{ readonly course: ...; readonly student: ... }>
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const combine = <const Models extends Record<string, DecisionModel<any>>>(
  models: Models
): DecisionModel<{ readonly [K in keyof Models]: StateOf<Models[K]> }> => {
  type State = { readonly [K in keyof Models]: StateOf<Models[K]> }
  const keys = Object.keys(models)
  const parts = keys.map((key) => models[key]! as Folding<unknown>)
  if (parts.some(isDependent)) {
    // read in rounds: each round reads the current read of every part still reading, with one union query
    return dependent(Query.unionAll(parts.map((part) => part.query)), () => zipPlans(keys, parts.map(planOf))) as any
  }
  const initial: Record<string, unknown> = {}
  for (let i = 0; i < keys.length; i++) initial[keys[i]!] = parts[i]!.initial
  const query = Query.unionAll(parts.map((part) => part.query))
  // Stryker disable next-line ArrowFunction: equivalent: without folds, combine uses the parts' `step`, which gives the same states
  const folds = parts.map((part) => part[fold]?.run)
  if (folds.some((f) => f === undefined)) {
    return {
      [TypeId]: TypeId,
      query,
      initial: initial as State,
      step: (state, event, cache) =>
        Effect.suspend(() => {
          const next: Record<string, unknown> = { ...state }
          return Effect.as(
            Effect.forEach(keys, (key, i) =>
              Effect.map(parts[i]!.step(next[key], event, cache), (s) => {
                next[key] = s
              // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent: the collected results are dropped by Effect.as
              }), { discard: true }),
            next as State
          )
        })
    }
  }
  // Stryker disable next-line all: equivalent: only decides whether the parts share a decode cache (each decodes alike)
  const decodes = parts.some((part) => part[fold]?.decodes === true)
  const f: Fold<State> = (state, event, cache) => {
    // one decode cache per event, shared by the parts (only when a part decodes)
    // Stryker disable next-line all: equivalent: a shared decode cache saves decoding, the states are the same
    const shared = cache ?? (decodes ? new Map() : undefined)
    let next: Record<string, unknown> | undefined
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!
      const before = (next ?? state as Record<string, unknown>)[key]
      const after = folds[i]!(before, event, shared, false)
      if (after !== before) {
        next ??= { ...state }
        next[key] = after
      }
    }
    return next === undefined ? state : next as State
  }
  return folding(query, initial as State, f, decodes)
}

/**
 * Reads a decision model from the {@link EventStore.EventStore} in context:
 * one read with the model's query, every event folded in position order.
 * Succeeds with the state and the append condition
 * `{ failIfEventsMatch: model.query, after: <last position read> }` (no
 * `after` when nothing matched: then any matching event makes the append fail).
 * A dependent model ({@link isDependent}) reads in turn, one read per step,
 * and returns one condition per read in `conditions` (see {@link ReadResult}):
 * append with `{ conditions }`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DecisionModel, EventStore } from "fairway/Dcb"
 *
 * const program = Effect.gen(function* () {
 *   const { state, condition } = yield* DecisionModel.read(capacity("c1"))
 *   // decide on `state`, then append with `condition`
 *   yield* EventStore.append(events, { condition })
 * })
 * ```
 *
 * @category reading
 * @since 0.1.0
 */
export const read = <State>(
  model: DecisionModel<State>
): Effect.Effect<ReadResult<State>, Event.EventDecodeError | EventStore.ReadError, EventStore.EventStore> =>
  Effect.withSpan(Effect.flatMap(EventStore.EventStore, (store) => readModel(store, model)), "DecisionModel.read", spanOptions)

/** Combines the plans of the parts of a `combine`: one read per round, for the parts still reading. */
const zipPlans = (keys: ReadonlyArray<string>, plans: ReadonlyArray<Plan<unknown>>): Plan<Record<string, unknown>> => {
  const reading: Record<string, DecisionModel<any>> = {}
  let any = false
  for (let i = 0; i < keys.length; i++) {
    const plan = plans[i]!
    if (plan._tag === "Read") {
      reading[keys[i]!] = plan.model
      any = true
    }
  }
  if (!any) {
    const state: Record<string, unknown> = {}
    for (let i = 0; i < keys.length; i++) state[keys[i]!] = (plans[i] as { readonly state: unknown }).state
    return done(state)
  }
  return {
    _tag: "Read",
    model: combine(reading),
    next: (states: Record<string, unknown>) =>
      zipPlans(keys, plans.map((plan, i) => (plan._tag === "Read" ? plan.next(states[keys[i]!]) : plan)))
  }
}

/** Reads any model: one read for a model of one read, else its reads in turn, each built from the state so far. */
const readModel = <State>(
  store: EventStore.EventStoreShape,
  model: DecisionModel<State>
): Effect.Effect<ReadResult<State>, Event.EventDecodeError | EventStore.ReadError> => {
  if (!isDependent(model)) return readFrom(store, model)
  return Effect.gen(function* () {
    // the head before the first read: the `after` of the single, merged `condition`
    const head = yield* store.head
    let plan = planOf(model)
    const conditions: Array<AppendCondition.AppendCondition> = []
    const queries: Array<Query.Query> = []
    let position: SequencePosition.SequencePosition | undefined
    while (plan._tag === "Read") {
      const result = yield* readFrom(store, plan.model)
      conditions.push(result.condition)
      queries.push(plan.model.query)
      if (result.position !== undefined && (position === undefined || result.position > position)) position = result.position
      plan = plan.next(result.state)
    }
    const condition = conditions.length === 1
      ? conditions[0]!
      : AppendCondition.make(Query.unionAll(queries), Option.getOrUndefined(head))
    return { state: plan.state, condition, conditions, position }
  })
}

const spanOptions = { captureStackTrace: false } as const

/**
 * Reads a model on from a known point: `state` is the model folded over every
 * matching event up to `position` (as a previous read returned them); only
 * the events after `position` are read and folded. Used by the decision
 * model cache (`fairway/Module/DecisionCache`).
 *
 * @internal
 */
export const readAfter = <State>(
  store: EventStore.EventStoreShape,
  model: DecisionModel<State>,
  state: State,
  position: SequencePosition.SequencePosition | undefined
): Effect.Effect<ReadResult<State>, Event.EventDecodeError | EventStore.ReadError> =>
  // a dependent model's state is no fold of one query: read it whole
  isDependent(model) ? readModel(store, model) : readFrom(store, model, state, position)

const readFrom = <State>(
  store: EventStore.EventStoreShape,
  model: DecisionModel<State>,
  initial: State = model.initial,
  after?: SequencePosition.SequencePosition | undefined
): Effect.Effect<ReadResult<State>, Event.EventDecodeError | EventStore.ReadError> => {
  const f = (model as Folding<State>)[fold]?.run
  // made only where a Stream is read (a synchronous read has no use for one)
  const events = () => after === undefined ? store.read(model.query) : store.read(model.query, { after })
  if (f === undefined) {
    return Effect.suspend(() => {
      let position: SequencePosition.SequencePosition | undefined = after
      return Effect.map(
        Stream.runFoldEffect(events(), () => initial, (state, event: Event.SequencedEvent) => {
          position = event.position
          return model.step(state, event, new Map())
        }),
        (state): ReadResult<State> => single(state, AppendCondition.make(model.query, position), position)
      )
    })
  }
  const done = (acc: Accumulator<State>): Effect.Effect<ReadResult<State>, Event.EventDecodeError | EventStore.ReadError> =>
    acc.failure !== undefined
      ? Effect.fail(acc.failure)
      : Effect.succeed(single(acc.state, AppendCondition.make(model.query, acc.position), acc.position))
  // a store holding its events in memory: fold its synchronous snapshot, no Stream
  const syncRead = SyncRead.get(store)
  if (syncRead !== undefined) {
    return Effect.suspend(() => {
      const read = syncRead(model.query, after)
      if (!Array.isArray(read)) return Effect.fail(read as EventStore.ReadError)
      const acc = new Accumulator(initial, f)
      acc.position = after
      for (let i = 0; i < read.length && acc.failure === undefined; i++) step(acc, read[i]!)
      return done(acc)
    })
  }
  return Effect.suspend(() => {
    const acc = new Accumulator(initial, f)
    acc.position = after
    return Effect.flatMap(Stream.runFold(events(), () => acc, step), done)
  })
}

const single = <State>(
  state: State,
  condition: AppendCondition.AppendCondition,
  position: SequencePosition.SequencePosition | undefined
): ReadResult<State> => ({ state, condition, conditions: [condition], position })

class Accumulator<State> {
  state: State
  readonly fold: Fold<State>
  position: SequencePosition.SequencePosition | undefined = undefined
  failure: Event.EventDecodeError | undefined = undefined
  constructor(state: State, f: Fold<State>) {
    this.state = state
    this.fold = f
  }
}

const step = (acc: Accumulator<any>, event: Event.SequencedEvent): Accumulator<any> => {
  if (acc.failure !== undefined) return acc
  try {
    // Stryker disable next-line BooleanLiteral: equivalent: `matched` only skips re-checking the query the store already applied
    acc.state = acc.fold(acc.state, event, undefined, true)
    acc.position = event.position
  } catch (e) {
    if (!(e instanceof DecodeFailure)) throw e
    acc.failure = e.error
  }
  return acc
}
