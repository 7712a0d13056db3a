/**
 * What the example programs share: the store they run on, and a printer for
 * the event log.
 *
 * @since 0.1.0
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer, Stream } from "effect"
import { EventStore, Query } from "fairway/Dcb"
import { contended } from "./backends.ts"

/**
 * The store the example programs run on: the in-memory store, wrapped so that
 * concurrent commands interleave (as clients of a remote store do) and the
 * retries after a conflict show up.
 *
 * @category runtime
 * @since 0.1.0
 */
export const exampleStore: Layer.Layer<EventStore.EventStore> = contended(EventStore.layerMemory)

/**
 * Runs an example program on {@link exampleStore} as the main program.
 *
 * @category runtime
 * @since 0.1.0
 */
export const runExample = <E>(program: Effect.Effect<void, E, EventStore.EventStore>): void =>
  program.pipe(Effect.provide(exampleStore), NodeRuntime.runMain)

const decoder = new TextDecoder()

/**
 * Prints the events matching a query (every event by default): position,
 * type, payload, tags, and the command that wrote it.
 *
 * @category printing
 * @since 0.1.0
 */
export const printLog = (query: Query.Query = Query.all()) =>
  EventStore.read(query).pipe(
    Stream.runForEach((event) => {
      const by = event.metadata?.["command"]
      const tags = event.tags.filter((tag) => !tag.startsWith("fairway."))
      return Console.log(
        `  #${event.position} ${event.type} ${decoder.decode(event.data)}  [${tags.join(", ")}]` +
          (by === undefined ? "" : `  by ${by}`)
      )
    })
  )

/**
 * A one-line description of a command outcome.
 *
 * @category printing
 * @since 0.1.0
 */
export const describe = <A, E extends { readonly _tag: string; readonly message: string }, R>(
  effect: Effect.Effect<A, E, R>,
  onSuccess: (a: A) => string
): Effect.Effect<string, never, R> =>
  Effect.match(effect, {
    onSuccess,
    onFailure: (error) => `rejected, ${error._tag}: ${error.message}`
  })
