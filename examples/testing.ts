/**
 * Helpers shared by the example programs and tests: run effects
 * concurrently and sort the outcomes, read decoded events, provide a store
 * built from a backend's layer.
 *
 * @since 0.1.0
 */
import { Effect, type Layer, Result, Stream } from "effect"
import { EventStore, Query } from "fairway/Dcb"
import type * as Event from "fairway/Dcb/Event"
import { contended } from "./backends.ts"

/**
 * Runs the effects all at once; collects every outcome.
 *
 * @category testing
 * @since 0.1.0
 */
export const concurrently = <Eff extends Effect.Effect<any, any, any>>(
  effects: Iterable<Eff>
): Effect.Effect<
  Array<Result.Result<Effect.Success<Eff>, Effect.Error<Eff>>>,
  never,
  Effect.Services<Eff>
> => Effect.forEach(effects, (effect) => Effect.result(effect), { concurrency: "unbounded" })

/**
 * The successes of {@link concurrently}.
 *
 * @category testing
 * @since 0.1.0
 */
export const successes = <A, E>(results: ReadonlyArray<Result.Result<A, E>>): Array<A> =>
  results.flatMap((r) => (Result.isSuccess(r) ? [r.success] : []))

/**
 * The tags of the failures of {@link concurrently}, deduplicated.
 *
 * @category testing
 * @since 0.1.0
 */
export const failureTags = <A, E extends { readonly _tag: string }>(
  results: ReadonlyArray<Result.Result<A, E>>
): Set<string> => new Set(results.flatMap((r) => (Result.isFailure(r) ? [r.failure._tag] : [])))

/**
 * Provides a fresh store from `makeLayer`, wrapped with `contended` so that
 * concurrent callers interleave.
 *
 * @category testing
 * @since 0.1.0
 */
export const onStore = <LE>(makeLayer: () => Layer.Layer<EventStore.EventStore, LE>) =>
<A, E>(effect: Effect.Effect<A, E, EventStore.EventStore>): Effect.Effect<A, E | LE> =>
  Effect.provide(effect, contended(makeLayer()))

/**
 * The decoded events of a definition, in position order.
 *
 * @category testing
 * @since 0.1.0
 */
export const decodedEvents = <D extends Event.Any>(definition: D, tags?: ReadonlyArray<string>) =>
  EventStore.read(Query.item(tags === undefined ? { types: [definition.type] } : { types: [definition.type], tags })).pipe(
    Stream.mapEffect((event) => definition.decode(event) as Effect.Effect<Event.DecodedOf<D>, Event.EventDecodeError>),
    Stream.runCollect
  )
