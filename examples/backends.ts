/**
 * The event store backends every example test runs on. Each test file is a
 * function of a `Layer<EventStore>`; to run the examples on another backend
 * (the FoundationDB layer over the simulator), add one line to
 * {@link backends}.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { EventStore } from "fairway/Dcb"
import * as Simulated from "fairway/Layer/Simulated"

/**
 * A named backend: `layer()` builds a fresh, empty store.
 *
 * @category models
 * @since 0.1.0
 */
export interface Backend {
  readonly name: string
  readonly layer: () => Layer.Layer<EventStore.EventStore, unknown>
}

/**
 * The backends the example tests run on.
 *
 * @category backends
 * @since 0.1.0
 */
export const backends: ReadonlyArray<Backend> = [
  { name: "memory", layer: () => EventStore.layerMemory },
  { name: "FoundationDB simulator", layer: () => Simulated.layer({ seed: 1 }) },
  { name: "FoundationDB simulator, faults on", layer: () => Simulated.layer({ seed: 7, faults: true }) }
]

/**
 * Wraps a store so that concurrent callers really interleave: every read and
 * every append first yields to the other fibers. On the in-memory store a
 * command otherwise reads, decides and appends in one uninterrupted run of
 * the scheduler, and concurrent commands would never see each other's
 * writes between their read and their append. The store itself is untouched:
 * same data, same conditions, only the scheduling changes.
 *
 * @category backends
 * @since 0.1.0
 */
export const contended = <E>(layer: Layer.Layer<EventStore.EventStore, E>): Layer.Layer<EventStore.EventStore, E> =>
  Layer.effect(
    EventStore.EventStore,
    Effect.map(EventStore.EventStore, (store) =>
      EventStore.EventStore.of({
        ...store,
        read: (query, options) => Stream.concat(Stream.fromEffectDrain(Effect.yieldNow), store.read(query, options)),
        append: (events, options) => Effect.andThen(Effect.yieldNow, store.append(events, options))
      }))
  ).pipe(Layer.provide(layer))
