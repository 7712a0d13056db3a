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
import * as Stream from "effect/Stream"
import * as AppendCondition from "./AppendCondition.ts"
import type * as Event from "./Event.ts"
import * as EventStore from "./EventStore.ts"
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
 * A decision model: a projection ({@link make}, {@link makeRaw}) or several
 * combined ({@link combine}). `query` is what it reads; `step` folds one
 * stored event into the state (ignoring events that are not its own).
 *
 * @category models
 * @since 0.1.0
 */
export interface DecisionModel<State> {
  readonly [TypeId]: TypeId
  /** What the model reads: for a combined model, the union of its parts' queries. */
  readonly query: Query.Query
  /** The state before any event. */
  readonly initial: State
  /** Folds one stored event into the state; events the model does not handle leave it unchanged. */
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
 * What {@link read} returns: the state, the append condition that protects a
 * decision taken on it, and the position of the last event read (`undefined`
 * when none matched).
 *
 * @category models
 * @since 0.1.0
 */
export interface ReadResult<State> {
  readonly state: State
  readonly condition: AppendCondition.AppendCondition
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
  const byType = new Map<string, Event.Any>()
  for (const definition of options.events) byType.set(definition.type, definition)
  const { evolve, query } = options
  return {
    [TypeId]: TypeId,
    query,
    initial: options.initial,
    step: (state, event, cache) => {
      const definition = byType.get(event.type)
      if (definition === undefined || !Query.matches(query, event)) return Effect.succeed(state)
      const cached = cache.get(definition)
      if (cached !== undefined) return Effect.succeed(evolve(state, cached as Event.DecodedOf<Definitions[number]>))
      return Effect.map(definition.decode(event), (decoded) => {
        cache.set(definition, decoded)
        return evolve(state, decoded as Event.DecodedOf<Definitions[number]>)
      })
    }
  }
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
  return {
    [TypeId]: TypeId,
    query,
    initial: options.initial,
    step: (state, event) => Effect.succeed(Query.matches(query, event) ? evolve(state, event) : state)
  }
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
  const initial: Record<string, unknown> = {}
  for (const key of keys) initial[key] = models[key]!.initial
  return {
    [TypeId]: TypeId,
    query: Query.unionAll(keys.map((key) => models[key]!.query)),
    initial: initial as State,
    step: (state, event, cache) =>
      Effect.suspend(() => {
        const next: Record<string, unknown> = { ...state }
        return Effect.as(
          Effect.forEach(keys, (key) =>
            Effect.map(models[key]!.step(next[key], event, cache), (s) => {
              next[key] = s
            }), { discard: true }),
          next as State
        )
      })
  }
}

/**
 * Reads a decision model from the {@link EventStore.EventStore} in context:
 * one read with the model's query, every event folded in position order.
 * Succeeds with the state and the append condition
 * `{ failIfEventsMatch: model.query, after: <last position read> }` (no
 * `after` when nothing matched: then any matching event makes the append fail).
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
  Effect.gen(function* () {
    const store = yield* EventStore.EventStore
    let position: SequencePosition.SequencePosition | undefined
    const state = yield* Stream.runFoldEffect(
      store.read(model.query),
      () => model.initial,
      (state, event: Event.SequencedEvent) => {
        position = event.position
        return model.step(state, event, new Map())
      }
    )
    return { state, condition: AppendCondition.make(model.query, position), position }
  }).pipe(Effect.withSpan("DecisionModel.read"))
