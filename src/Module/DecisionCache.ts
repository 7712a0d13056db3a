/**
 * An incremental, memory-bounded cache of folded decision models for
 * `Command.run`: a decision re-reads only what is new since the last decision
 * of the same command on the same query.
 *
 * Without it, every run of a command reads its whole boundary and folds it
 * from the start: on a hot boundary the cost of a command grows with the
 * boundary's history. With {@link layer} in context, `Command.run` keeps, per
 * command and query (and per event store), the folded state and the position
 * of the last event folded into it. The next run on the same query reads only
 * the events after that position (one index seek when nothing is new), folds
 * them onto the cached state, and appends under
 * `{ failIfEventsMatch: query, after: <last position> }` exactly as a full read
 * would have. At most `maxEntries` states are kept, least recently used
 * first out.
 *
 * **Correct under concurrent appends, on every backend.** An append that
 * matches the query after the cached position is read by the next run and
 * folded in (the entry is extended); a run whose append condition fails
 * re-reads from its cached point and sees the conflicting events. Reading on
 * from a position relies only on what the append condition already relies
 * on: positions are assigned in commit order, and a read sees every event
 * committed before it. Concurrent runs never lose an update: an entry is only
 * replaced by one folded further.
 *
 * **The contract** (why the cache is opt-in): a command's decision model must
 * be determined by its query — the input picks the tags and types the model
 * reads, and nothing else (the usual shape: `model: ({ courseId }) =>
 * subscriptions(courseId)`). A model whose fold also depends on other input
 * fields (say, `evolve` comparing events with `input.studentId` while the
 * query does not name the student) must not run under the cache. States must
 * be immutable (`evolve` returns a new state, as everywhere in Fairway): a
 * cached state is shared by later runs. Runs with an idempotency key read as
 * without the cache (their replay check is one more query item, unique per
 * key).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { EventStore } from "fairway/Dcb"
 * import { DecisionCache } from "fairway/Module"
 *
 * const AppLayer = Layer.mergeAll(EventStore.layerMemory, DecisionCache.layer({ maxEntries: 10_000 }))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as DecisionModel from "../Dcb/DecisionModel.ts"
import type * as Event from "../Dcb/Event.ts"
import type * as EventStore from "../Dcb/EventStore.ts"
import * as ModelCache from "./internal/modelCache.ts"

/**
 * Counters of a {@link DecisionCache}: reads served from a cached state, reads
 * that folded from the start, and the entries held for one store.
 *
 * @category models
 * @since 0.1.0
 */
export interface Stats {
  readonly hits: number
  readonly misses: number
}

/**
 * The decision model cache: `Command.run` reads through it when it is in
 * context.
 *
 * @category services
 * @since 0.1.0
 */
export class DecisionCache extends Context.Service<DecisionCache, {
  readonly maxEntries: number
  /**
   * Reads `model` for `owner` (a command) from `store`: from the cached state
   * of (owner, the model's query) on, or from the start; keeps the result.
   */
  readonly read: <State>(
    store: EventStore.EventStoreShape,
    owner: object,
    model: DecisionModel.DecisionModel<State>
  ) => Effect.Effect<DecisionModel.ReadResult<State>, Event.EventDecodeError | EventStore.ReadError>
  readonly stats: Effect.Effect<Stats>
  /** The entries held for one store. */
  readonly size: (store: EventStore.EventStoreShape) => number
}>()("fairway/Module/DecisionCache") {}

/**
 * Makes a {@link DecisionCache} holding at most `maxEntries` (a positive
 * integer) folded states per store.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: { readonly maxEntries: number }): Effect.Effect<DecisionCache["Service"]> =>
  Effect.suspend(() => {
    const { maxEntries } = options
    if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) {
      return Effect.die(new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`))
    }
    const cache = new ModelCache.ModelCache(maxEntries)
    // one key namespace per owner: a dense id per owner object
    const owners = new WeakMap<object, number>()
    let nextOwner = 0
    const ownerId = (owner: object): number => {
      let id = owners.get(owner)
      if (id === undefined) {
        id = nextOwner++
        owners.set(owner, id)
      }
      return id
    }
    const read = <State>(
      store: EventStore.EventStoreShape,
      owner: object,
      model: DecisionModel.DecisionModel<State>
    ): Effect.Effect<DecisionModel.ReadResult<State>, Event.EventDecodeError | EventStore.ReadError> =>
      Effect.suspend(() => {
        // a dependent model's later queries depend on its state: it is read whole, and not cached
        if (DecisionModel.isDependent(model)) return DecisionModel.readAfter(store, model, model.initial, undefined)
        const key = `${ownerId(owner)}:${ModelCache.queryKey(model.query)}`
        const entry = cache.get(store, key)
        const folded = entry === undefined
          ? DecisionModel.readAfter(store, model, model.initial, undefined)
          : DecisionModel.readAfter(store, model, entry.state as State, entry.position)
        return Effect.map(folded, (result) => {
          cache.set(store, key, { state: result.state, position: result.position })
          return result
        })
      })
    return Effect.succeed(DecisionCache.of({
      maxEntries,
      read,
      stats: Effect.sync(() => ({ hits: cache.hits, misses: cache.misses })),
      size: (store) => cache.size(store)
    }))
  })

/**
 * The {@link DecisionCache} layer: provide it next to the event store and
 * `Command.run` reads decision models incrementally (see the module
 * documentation for the contract). At most `maxEntries` states per store
 * (default 10,000).
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: { readonly maxEntries?: number | undefined }): Layer.Layer<DecisionCache> =>
  Layer.effect(DecisionCache, make({ maxEntries: options?.maxEntries ?? 10_000 }))
