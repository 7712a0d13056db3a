/**
 * Boundary records: what each attempt of each command run decided on.
 *
 * For every attempt of `Command.run` (a read, a decision, an append) a
 * {@link Boundary} keeps the decision model's query, the `after` position of
 * its append condition, what it appended, and, when the append condition
 * failed, the position of the appended event that matched it. The events the
 * decision read are not copied: they are exactly the events matching the
 * query up to `after` (the log below a position never changes), which the
 * Studio reads back when it shows the record.
 *
 * {@link layer} provides the `Command.AttemptObserver` that collects them
 * (an attempt only hands its record to a buffer; it never waits for
 * storage) and writes them in batches to a bounded ring in the
 * `ViewStore` (a keyspace of its own, `fairway.studio/boundaries`), so the
 * runs of every process sharing the store appear, and the oldest records
 * are overwritten once the ring is full. See `docs/studio.md` for the cost.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Memory } from "fairway/Layer"
 * import { Command } from "fairway/Module"
 * import { Boundaries } from "fairway/Studio"
 *
 * const AppLayer = Boundaries.layer({ capacity: 1_000 }).pipe(Layer.provideMerge(Memory.layer()))
 * const program = Effect.gen(function* () {
 *   yield* Command.run(SubscribeStudent, { studentId: "s1", courseId: "c1" })
 *   const log = yield* Boundaries.BoundaryLog
 *   yield* log.flush
 *   return yield* log.list({ limit: 20 }) // newest first
 * }).pipe(Effect.provide(AppLayer))
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Semaphore from "effect/Semaphore"
import * as EventStore from "../Dcb/EventStore.ts"
import * as Query from "../Dcb/Query.ts"
import * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as Command from "../Module/Command.ts"
import * as ViewStore from "../Module/ViewStore.ts"

// -----------------------------------------------------------------------------
// Records
// -----------------------------------------------------------------------------

/**
 * An event an attempt appended (its type and tags; the payload is in the log).
 *
 * @category models
 * @since 0.1.0
 */
export const AppendedEvent = Schema.Struct({
  type: Schema.String,
  tags: Schema.Array(Schema.String)
})

/**
 * How an attempt ended: `appended` (events written), `nothing` (the decision
 * appended nothing), `replayed` (an idempotency key already used: the first
 * run's result), `conflict` (the append condition failed: a retry may
 * follow), `failed` (any other error: a rejection by the decision, invalid
 * input, storage), `interrupted`.
 *
 * @category models
 * @since 0.1.0
 */
export const Outcome = Schema.Literals(["appended", "nothing", "replayed", "conflict", "failed", "interrupted"])

/**
 * How an attempt ended (see {@link Outcome}).
 *
 * @category models
 * @since 0.1.0
 */
export type Outcome = typeof Outcome.Type

/**
 * One attempt of one command run: the consistency boundary its decision was
 * taken in, and what became of it. `sequence` numbers the records of the
 * whole store (every process); `process` and `run` group the attempts of one
 * run.
 *
 * @category models
 * @since 0.1.0
 */
export const Boundary = Schema.Struct({
  sequence: Schema.Number,
  process: Schema.String,
  run: Schema.Number,
  command: Schema.String,
  attempt: Schema.Number,
  at: Schema.Number,
  correlationId: Schema.String,
  idempotencyKey: Schema.optionalKey(Schema.String),
  causationId: Schema.optionalKey(Schema.String),
  /** The decision model's query (the append condition's `failIfEventsMatch`). */
  query: Schema.optionalKey(Query.QuerySchema),
  /** The last position the decision read (absent: it read no event). */
  after: Schema.optionalKey(SequencePosition.SequencePosition),
  /**
   * When the decision read more than once (a dependent decision model): every
   * append condition the append carried, in order (`query` and `after` above
   * are the first read's).
   */
  conditions: Schema.optionalKey(Schema.Array(Schema.Struct({
    query: Query.QuerySchema,
    after: Schema.optionalKey(SequencePosition.SequencePosition)
  }))),
  outcome: Outcome,
  /** The position of the last appended event (or of the replayed run's). */
  position: Schema.optionalKey(SequencePosition.SequencePosition),
  /** The appended events (at most {@link maxAppendedKept}); `appendedCount` counts them all. */
  appended: Schema.Array(AppendedEvent),
  appendedCount: Schema.Number,
  /** On a conflict: the first appended event that matched the condition. */
  conflictingPosition: Schema.optionalKey(SequencePosition.SequencePosition),
  /** On a conflict: which of the append's conditions failed (0: the first). */
  conflictingCondition: Schema.optionalKey(Schema.Number),
  /** On a failure: the error's tag and message. */
  error: Schema.optionalKey(Schema.String)
})

/**
 * One boundary record.
 *
 * @category models
 * @since 0.1.0
 */
export type Boundary = typeof Boundary.Type

/**
 * The most appended events a record keeps (the rest are counted).
 *
 * @category limits
 * @since 0.1.0
 */
export const maxAppendedKept = 20

/**
 * The most query items a record keeps; a larger query is kept as its first
 * items and `error` notes the truncation.
 *
 * @category limits
 * @since 0.1.0
 */
export const maxQueryItemsKept = 64

const maxErrorLength = 500

/** Makes the record of one attempt (without its sequence). */
const toBoundary = (process: string, attempt: Command.Attempt, at: number): Omit<Boundary, "sequence"> => {
  const base: {
    -readonly [K in keyof Omit<Boundary, "sequence">]: Omit<Boundary, "sequence">[K]
  } = {
    process,
    run: attempt.run,
    command: attempt.command,
    attempt: attempt.attempt,
    at,
    correlationId: attempt.correlationId,
    outcome: "failed",
    appended: [],
    appendedCount: 0
  }
  if (attempt.idempotencyKey !== undefined) base.idempotencyKey = attempt.idempotencyKey
  if (attempt.causationId !== undefined) base.causationId = attempt.causationId
  const condition = attempt.condition
  let truncated = false
  if (condition !== undefined) {
    const query = condition.failIfEventsMatch
    if (query._tag === "Items" && query.items.length > maxQueryItemsKept) {
      truncated = true
      base.query = Query.fromItems(query.items.slice(0, maxQueryItemsKept))
    } else base.query = query
    if (condition.after !== undefined) base.after = condition.after
  }
  const conditions = attempt.conditions
  if (conditions !== undefined && conditions.length > 1) {
    base.conditions = conditions.slice(0, maxQueryItemsKept).map((c) => ({
      query: c.failIfEventsMatch,
      ...(c.after !== undefined ? { after: c.after } : {})
    }))
  }
  const exit = attempt.exit
  if (Exit.isSuccess(exit)) {
    const result = exit.value
    base.outcome = result.replayed ? "replayed" : result.events.length === 0 ? "nothing" : "appended"
    if (result.position !== undefined) base.position = result.position
    base.appended = result.events.slice(0, maxAppendedKept).map((e) => ({ type: e.type, tags: e.tags }))
    base.appendedCount = result.events.length
  } else {
    const error = Cause.findErrorOption(exit.cause)
    if (Option.isSome(error) && error.value instanceof EventStore.AppendConditionFailed) {
      base.outcome = "conflict"
      base.conflictingPosition = error.value.conflictingPosition
      base.conflictingCondition = error.value.conditionIndex
    } else if (Option.isNone(error) && Cause.hasInterruptsOnly(exit.cause)) {
      base.outcome = "interrupted"
    } else {
      const e = Option.isSome(error) ? error.value : Cause.squash(exit.cause)
      base.error = describe(e).slice(0, maxErrorLength)
    }
  }
  if (truncated) base.error = `${base.error === undefined ? "" : `${base.error}; `}query truncated to ${maxQueryItemsKept} items`
  return base
}

const describe = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    const tag = (error as { _tag?: unknown })._tag
    const message = (error as { message?: unknown }).message
    const name = typeof tag === "string" ? tag : error instanceof Error ? error.name : "Error"
    return typeof message === "string" && message.length > 0 ? `${name}: ${message}` : name
  }
  return String(error)
}

// -----------------------------------------------------------------------------
// Service
// -----------------------------------------------------------------------------

/**
 * Options of {@link BoundaryLogShape.list}.
 *
 * @category models
 * @since 0.1.0
 */
export interface ListOptions {
  /** At most this many records (default 100). */
  readonly limit?: number | undefined
  /** Only records of this command. */
  readonly command?: string | undefined
  /** Only records of runs that had a conflict (every attempt of such a run). */
  readonly conflicted?: boolean | undefined
}

/**
 * The operations of the boundary log.
 *
 * @category models
 * @since 0.1.0
 */
export interface BoundaryLogShape {
  /** The ring's size: the most records kept. */
  readonly capacity: number
  /** The stored records, newest first. */
  readonly list: (options?: ListOptions) => Effect.Effect<ReadonlyArray<Boundary>, EventStore.StorageError>
  /** Every stored attempt of the run that wrote the record `sequence`, in attempt order. */
  readonly run: (sequence: number) => Effect.Effect<ReadonlyArray<Boundary>, EventStore.StorageError>
  /** Writes the records buffered in this process now. */
  readonly flush: Effect.Effect<void, EventStore.StorageError>
  /**
   * Records dropped in this process: the buffer was full (storage slower than the commands), the store
   * refused their batch, or its write's outcome was unknown. Records whose write failed otherwise (the
   * store unavailable or busy) are written by a later flush.
   */
  readonly dropped: Effect.Effect<number>
}

/**
 * The boundary log service.
 *
 * @category services
 * @since 0.1.0
 */
export class BoundaryLog extends Context.Service<BoundaryLog, BoundaryLogShape>()("fairway/Studio/BoundaryLog") {}

/**
 * Options of {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** How many records the ring keeps, for the whole store (default 1,000). */
  readonly capacity?: number | undefined
  /** How often buffered records are written (default 200 ms). */
  readonly flushEvery?: Duration.Input | undefined
  /** The most records buffered in this process before new ones are dropped (default 1,000). */
  readonly maxPending?: number | undefined
}

/**
 * The view-store keyspace of the ring.
 *
 * @category constants
 * @since 0.1.0
 */
export const keyspace = "fairway.studio/boundaries"

const version = 0
const batchSize = 100
const encoder = new TextEncoder()
const decoder = new TextDecoder()
const encodeBoundary = Schema.encodeSync(Schema.fromJsonString(Boundary))
const decodeBoundary = Schema.decodeUnknownExit(Schema.fromJsonString(Boundary))

/**
 * The most bytes one stored record takes: a larger one keeps only its
 * query's first item (and first condition) and no appended events (their
 * count stays); when even that is too large, no query at all.
 *
 * @category limits
 * @since 0.1.0
 */
export const maxRecordBytes = 16_384

const encodeBounded = (record: Boundary): Uint8Array => {
  const bytes = encoder.encode(encodeBoundary(record))
  if (bytes.byteLength <= maxRecordBytes) return bytes
  const query = record.query
  const smaller: Boundary = {
    ...record,
    appended: [],
    ...(record.conditions !== undefined ? { conditions: record.conditions.slice(0, 1) } : {}),
    ...(query !== undefined && query._tag === "Items" ? { query: Query.fromItems(query.items.slice(0, 1)) } : {}),
    error: `${record.error === undefined ? "" : `${record.error.slice(0, 200)}; `}record over ${maxRecordBytes} bytes: query cut to its first item, appended events not kept`
  }
  const cut = encoder.encode(encodeBoundary(smaller))
  if (cut.byteLength <= maxRecordBytes) return cut
  // even one query item is too large: keep neither the query nor the conditions (their positions stay in `after`)
  const { conditions: _conditions, ...bare } = smaller
  return encoder.encode(encodeBoundary({ ...bare, query: Query.all(), error: `record over ${maxRecordBytes} bytes: query not kept` }))
}

// The ring's checkpoint holds the number of records ever written (high bits)
// and a random nonce (low 32 bits): two processes that wrote the same number
// of records never store the same checkpoint, so the view store's "already
// applied" shortcut cannot swallow a concurrent writer's batch.
const countOf = (checkpoint: Option.Option<bigint>): number => Option.isNone(checkpoint) ? 0 : Number(checkpoint.value >> 32n)
const checkpointOf = (count: number): SequencePosition.SequencePosition =>
  SequencePosition.make((BigInt(count) << 32n) | BigInt(Math.floor(Math.random() * 0x1_0000_0000)))
const slotKey = (slot: number) => slot.toString().padStart(9, "0")

/**
 * Records the boundary of every command attempt run with this layer in
 * context (it provides `Command.AttemptObserver`), and reads them back
 * ({@link BoundaryLog}). Records are buffered and written every
 * `flushEvery` in one view-store commit per batch of up to 100; the buffer
 * is flushed when the layer is released.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  options?: Options
): Layer.Layer<BoundaryLog | Command.AttemptObserver, never, ViewStore.ViewStore> =>
  Layer.effectContext(Effect.gen(function* () {
    const views = yield* ViewStore.ViewStore
    const capacity = options?.capacity ?? 1_000
    const maxPending = options?.maxPending ?? 1_000
    if (!Number.isSafeInteger(capacity) || capacity <= 0) {
      return yield* Effect.die(new RangeError(`capacity must be a positive integer, got ${capacity}`))
    }
    const process = crypto.randomUUID()
    let pending: Array<Omit<Boundary, "sequence">> = []
    let dropped = 0

    const writeBatch = (batch: ReadonlyArray<Omit<Boundary, "sequence">>) =>
      Effect.gen(function* () {
        const stored = yield* views.checkpoint(keyspace, version)
        const start = countOf(stored)
        const slots = new Map<string, Uint8Array>()
        batch.forEach((record, i) => {
          const sequence = start + i + 1
          slots.set(slotKey(sequence % capacity), encodeBounded({ ...record, sequence }))
        })
        yield* views.commit(keyspace, version, {
          expected: stored,
          checkpoint: checkpointOf(start + batch.length),
          keys: [...slots.keys()],
          update: () => slots
        })
      }).pipe(
        // another process wrote a batch in between: take the next free sequence numbers
        Effect.retry({ while: (e) => e._tag === "CheckpointMoved", times: 100 })
      )

    const flush: Effect.Effect<void, EventStore.StorageError> = Effect.suspend(() => {
      if (pending.length === 0) return Effect.void
      const all = pending
      pending = []
      let written = 0
      const rest = (): Effect.Effect<void, ViewStore.CommitError> => {
        if (written >= all.length) return Effect.void
        const batch = all.slice(written, written + batchSize)
        return Effect.flatMap(writeBatch(batch), () => {
          written += batch.length
          return rest()
        })
      }
      return rest().pipe(
        Effect.tapError((error) =>
          Effect.sync(() => {
            // the records not written go back to the front of the buffer for the next flush (the store
            // was unavailable, or busy), except the failed batch when the store refused it (it would
            // refuse it again) or its outcome is unknown (it may be stored: writing it again would store
            // it twice): that batch is counted as dropped, like the records the full buffer cannot take
            const again = error._tag === "CheckpointMoved" || (error._tag === "StorageError" && error.unknownResult !== true)
            const lost = again ? 0 : Math.min(batchSize, all.length - written)
            const kept = [...all.slice(written + lost), ...pending]
            dropped += lost + Math.max(0, kept.length - maxPending)
            pending = kept.slice(0, maxPending)
          })),
        Effect.mapError((e) =>
          e._tag === "StorageError" ? e : new EventStore.StorageError({ reason: `boundary records not written: ${e.message}` }))
      )
    })
    // one flush at a time (the background loop, an explicit flush, the release)
    const lock = yield* Semaphore.make(1)
    const flushLocked = lock.withPermit(flush)

    const every = Duration.fromInputUnsafe(options?.flushEvery ?? Duration.millis(200))
    yield* Effect.forkScoped(
      Effect.forever(Effect.andThen(Effect.sleep(every), Effect.ignore(
        flushLocked.pipe(Effect.tapError((e) => Effect.logWarning("boundary records not written", e.message)))
      )))
    )
    yield* Effect.addFinalizer(() => Effect.ignore(flushLocked))

    const observer = Command.AttemptObserver.of({
      observe: (attempt) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          if (pending.length >= maxPending) dropped++
          else pending.push(toBoundary(process, attempt, now))
        })
    })

    const readAll = Effect.map(
      views.list(keyspace, version),
      (entries) => {
        const out: Array<Boundary> = []
        for (const [, bytes] of entries) {
          const exit = decodeBoundary(decoder.decode(bytes))
          if (Exit.isSuccess(exit)) out.push(exit.value)
        }
        return out.sort((a, b) => b.sequence - a.sequence)
      }
    ).pipe(Effect.catchTag("InvalidViewKey", (e) => Effect.fail(new EventStore.StorageError({ reason: e.message }))))

    const runKey = (b: Boundary) => `${b.process}/${b.run}`
    const log = BoundaryLog.of({
      capacity,
      list: (listOptions) =>
        Effect.map(readAll, (all) => {
          const limit = listOptions?.limit ?? 100
          let records = listOptions?.command === undefined ? all : all.filter((b) => b.command === listOptions.command)
          if (listOptions?.conflicted === true) {
            const conflicted = new Set(records.filter((b) => b.outcome === "conflict").map(runKey))
            records = records.filter((b) => conflicted.has(runKey(b)))
          }
          return records.slice(0, limit)
        }),
      run: (sequence) =>
        Effect.map(readAll, (all) => {
          const record = all.find((b) => b.sequence === sequence)
          if (record === undefined) return []
          const key = runKey(record)
          return all.filter((b) => runKey(b) === key).sort((a, b) => a.attempt - b.attempt)
        }),
      flush: flushLocked,
      dropped: Effect.sync(() => dropped)
    })
    return Context.make(BoundaryLog, log).pipe(Context.add(Command.AttemptObserver, observer))
  }))
