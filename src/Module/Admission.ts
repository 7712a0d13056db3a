/**
 * Admission control per consistency boundary: commands whose decision
 * queries overlap run one after another in this process instead of racing,
 * and a boundary with too many commands waiting fails fast with
 * {@link BoundaryOverloaded} naming that boundary, while other boundaries go on.
 *
 * Under optimistic concurrency, commands on one hot boundary (say 64
 * writers on `account:shared`) read the same events, decide, and all but one
 * fail their append condition; each retry re-reads and races again, burning
 * CPU (on FoundationDB, transaction conflicts) that unrelated commands wait
 * behind, and some give up with `CommandConflict`. With {@link layer}
 * provided next to the event store, `Command.run` first takes the
 * boundary's place in line: commands on one boundary are serialised (each
 * reads after the previous one appended, so its append condition holds and
 * no retry is needed), commands on disjoint boundaries run in parallel.
 *
 * **Boundaries.** A command's boundary is its decision model's query, taken
 * coarsely as a set of keys: every tag of every query item (`tag:<tag>`);
 * for an item without tags, its types (`type:<type>`); for `Query.all()`,
 * the single key `*`. Two commands queue behind each other when their key
 * sets share a key; a command with several keys takes them in sorted order
 * (no deadlock). The keys approximate the overlap both ways, and neither
 * costs correctness: two items with the same tag but different types share a
 * line without overlapping (some parallelism lost), and two queries with no
 * key in common (`course:c1`, `student:s7`) both match an event tagged with
 * both (such commands race as without admission; the append condition
 * decides, and the loser retries).
 *
 * **Fail-fast.** At most `maxWaiting` commands wait per key; one more fails
 * at once with {@link BoundaryOverloaded} (`boundary`: the key, `retryAfterSeconds`:
 * the expected wait, from the key's recent service times), having read and
 * written nothing. Over HTTP (`fairway/Http`) it is a 503 with `Retry-After`.
 * A full key rejects only commands that need it. With `Command.layerLimiter`
 * too, a run takes its limiter slot first, then its place in line (a run
 * waiting in line holds its slot: size `maxInFlight` for the waiting too).
 *
 * **Across processes** the append condition still decides. The queue only
 * orders the commands of one process; two processes (or a command whose
 * events land in a boundary it did not read) may still race, and then the
 * loser's append condition fails and `Command.run` retries it as without
 * admission. So admission never weakens consistency: it removes the
 * in-process share of the conflicts, and with N processes on one hot
 * boundary at most N commands race at a time instead of every writer.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { EventStore } from "fairway/Dcb"
 * import { Admission } from "fairway/Module"
 *
 * const AppLayer = Layer.mergeAll(EventStore.layerMemory, Admission.layer({ maxWaiting: 256 }))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Semaphore from "effect/Semaphore"
import type * as Query from "../Dcb/Query.ts"

// -----------------------------------------------------------------------------
// Errors
// -----------------------------------------------------------------------------

/**
 * A command's consistency boundary already had `maxWaiting` commands waiting
 * in this process. Nothing was read or written; retry after
 * `retryAfterSeconds` (over HTTP: 503 with `Retry-After`).
 *
 * @category errors
 * @since 0.1.0
 */
export class BoundaryOverloaded extends Schema.TaggedError<BoundaryOverloaded>()("BoundaryOverloaded", {
  command: Schema.String,
  /** The boundary key that was full, e.g. `tag:account:42`. */
  boundary: Schema.String,
  maxWaiting: Schema.Number,
  retryAfterSeconds: Schema.Number
}) {
  override get message(): string {
    return `command ${this.command} rejected: ${this.maxWaiting} commands already waiting on boundary ${this.boundary}`
  }
}

// -----------------------------------------------------------------------------
// Boundaries
// -----------------------------------------------------------------------------

/**
 * The admission keys of a query (sorted, without duplicates): `tag:<tag>` for
 * every tag of every item, `type:<type>` for the types of an item without
 * tags, `*` for `Query.all()`. Two queries share a line when their keys meet.
 *
 * @category boundaries
 * @since 0.1.0
 */
export const keysOf = (query: Query.Query): ReadonlyArray<string> => {
  if (query._tag === "All") return ["*"]
  const items = query.items
  if (items.length === 1) {
    const tags = items[0].tags
    // the common case: one item with one tag
    if (tags !== undefined && tags.length === 1) return [`tag:${tags[0]!}`]
  }
  const keys = new Set<string>()
  for (const item of items) {
    if (item.tags !== undefined && item.tags.length > 0) {
      for (const tag of item.tags) keys.add(`tag:${tag}`)
    } else if (item.types !== undefined) {
      for (const type of item.types) keys.add(`type:${type}`)
    }
  }
  return Array.from(keys).sort()
}

// -----------------------------------------------------------------------------
// Service
// -----------------------------------------------------------------------------

/**
 * Counters of an {@link Admission} service since it was made: commands
 * admitted, commands that had to wait behind another on their boundary, and
 * commands rejected with {@link BoundaryOverloaded}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Stats {
  readonly admitted: number
  readonly queued: number
  readonly rejected: number
}

/**
 * The admission service: `Command.run` uses it when it is in context.
 *
 * @category services
 * @since 0.1.0
 */
export class Admission extends Context.Service<Admission, {
  readonly maxWaiting: number
  /**
   * Runs `effect` once every earlier command of this process on an
   * overlapping boundary is done, or fails at once with {@link BoundaryOverloaded}
   * when one of the boundary's keys has `maxWaiting` commands waiting.
   */
  readonly run: <A, E, R>(
    command: string,
    boundary: Query.Query,
    effect: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | BoundaryOverloaded, R>
  readonly stats: Effect.Effect<Stats>
}>()("fairway/Module/Admission") {}

/** One key's line: a lock, how many commands hold or wait for it, and its recent service time. */
interface Line {
  readonly lock: Semaphore.Semaphore
  /** Commands admitted on this key and not done (the holder and the waiting). */
  pending: number
  /** Exponentially weighted mean of the time a command holds the key, in ms. */
  serviceMs: number
}

/**
 * Makes an {@link Admission} service: at most `maxWaiting` (a non-negative
 * integer) commands waiting per boundary key.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: { readonly maxWaiting: number }): Effect.Effect<Admission["Service"]> =>
  Effect.suspend(() => {
    const { maxWaiting } = options
    if (!Number.isSafeInteger(maxWaiting) || maxWaiting < 0) {
      return Effect.die(new RangeError(`maxWaiting must be a non-negative integer, got ${maxWaiting}`))
    }
    // only keys with commands pending are kept: memory is bounded by the commands in flight
    const lines = new Map<string, Line>()
    let admitted = 0
    let queued = 0
    let rejected = 0

    const hold = <A, E, R>(line: Line, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      line.lock.withPermit(Effect.suspend(() => {
        const t0 = performance.now()
        return Effect.ensuring(
          effect,
          Effect.sync(() => {
            line.serviceMs = line.serviceMs * 0.8 + (performance.now() - t0) * 0.2
          })
        )
      }))

    const run = <A, E, R>(
      command: string,
      boundary: Query.Query,
      effect: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | BoundaryOverloaded, R> =>
      // uninterruptible from counting the run in to registering its release: no count is left behind
      Effect.uninterruptibleMask((restore) => Effect.suspend((): Effect.Effect<A, E | BoundaryOverloaded, R> => {
        const keys = keysOf(boundary)
        const taken: Array<Line> = []
        for (const key of keys) {
          const line = lines.get(key)
          // `pending - 1` wait behind the holder
          if (line !== undefined && line.pending > maxWaiting) {
            rejected++
            const retryAfterSeconds = Math.max(1, Math.ceil((line.pending * line.serviceMs) / 1000))
            return Effect.fail(new BoundaryOverloaded({ command, boundary: key, maxWaiting, retryAfterSeconds }))
          }
        }
        let waits = false
        for (const key of keys) {
          let line = lines.get(key)
          if (line === undefined) {
            line = { lock: Semaphore.makeUnsafe(1), pending: 0, serviceMs: 0 }
            lines.set(key, line)
          }
          if (line.pending > 0) waits = true
          line.pending++
          taken.push(line)
        }
        admitted++
        if (waits) queued++
        const release = Effect.sync(() => {
          for (let i = 0; i < keys.length; i++) {
            const line = taken[i]!
            if (--line.pending === 0) lines.delete(keys[i]!)
          }
        })
        // keys in sorted order: no two commands wait for each other
        let guarded = effect
        for (let i = taken.length - 1; i >= 0; i--) guarded = hold(taken[i]!, guarded)
        return Effect.ensuring(restore(guarded), release)
      }))

    return Effect.succeed(Admission.of({
      maxWaiting,
      run,
      stats: Effect.sync(() => ({ admitted, queued, rejected }))
    }))
  })

/**
 * The {@link Admission} layer: provide it next to the event store and every
 * `Command.run` queues per boundary, with at most `maxWaiting` commands
 * waiting per boundary key (default 1,024).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { EventStore } from "fairway/Dcb"
 * import { Admission, Command } from "fairway/Module"
 *
 * // per-boundary lines, and a global cap on the commands in flight
 * const AppLayer = Layer.mergeAll(
 *   EventStore.layerMemory,
 *   Admission.layer({ maxWaiting: 64 }),
 *   Command.layerLimiter({ maxInFlight: 1024 })
 * )
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: { readonly maxWaiting?: number | undefined }): Layer.Layer<Admission> =>
  Layer.effect(Admission, make({ maxWaiting: options?.maxWaiting ?? 1024 }))
