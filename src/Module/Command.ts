/**
 * Commands: decode the input, read the smallest decision model the decision
 * needs, decide, and append under the append condition the read produced.
 *
 * A command is declared once ({@link make}) and run many times ({@link run}).
 * Each run:
 *
 * 1. decodes its input through the command's schema (bad input: a
 *    {@link CommandInputInvalid}, nothing read or written);
 * 2. reads the command's decision model for that input, in one read;
 * 3. calls `decide(state, input)`, which returns the events to append (none:
 *    nothing is appended) or fails with a domain error;
 * 4. appends them with `{ failIfEventsMatch: <model query>, after: <last position read> }`;
 *    when a concurrent writer got there first (`AppendConditionFailed`), it
 *    starts again from 2 after a bounded, jittered exponential backoff, and
 *    fails with {@link CommandConflict} once the retries are spent.
 *
 * Every appended event carries metadata naming the command, and the run's
 * idempotency key, correlation id and causation id ({@link metadataKeys}),
 * so the store alone answers "which command wrote this, and why". An
 * idempotency key makes a run repeatable: a second run of the same command
 * with the same key and input writes nothing and returns the first run's
 * result; keys are scoped to the command, and the same key with another
 * input fails with {@link IdempotencyKeyReused} (both decided by SHA-256
 * digests). Every run has a span
 * and updates the {@link metrics}. A {@link CommandLimiter} layer caps the
 * commands in flight, failing the excess at once with {@link Overloaded}.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { DecisionModel, EventStore, Query } from "fairway/Dcb"
 * import { Command } from "fairway/Module"
 *
 * class CourseFull extends Schema.TaggedError<CourseFull>()("CourseFull", { courseId: Schema.String }) {}
 *
 * const SubscribeStudent = Command.make({
 *   name: "SubscribeStudent",
 *   input: Schema.Struct({ studentId: Schema.String, courseId: Schema.String }),
 *   model: ({ courseId }) => courseSubscriptions(courseId),
 *   decide: (subscribed, { courseId, studentId }) =>
 *     subscribed >= 10
 *       ? Effect.fail(new CourseFull({ courseId }))
 *       : Effect.succeed([StudentSubscribed.make({ studentId, courseId })])
 * })
 *
 * const program = Command.run(SubscribeStudent, { studentId: "s1", courseId: "c1" }).pipe(
 *   Effect.provide(EventStore.layerMemory)
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Pull from "effect/Pull"
import * as References from "effect/References"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import * as Admission from "./Admission.ts"
import * as DecisionCache from "./DecisionCache.ts"
import type * as AppendCondition from "../Dcb/AppendCondition.ts"
import * as DecisionModel from "../Dcb/DecisionModel.ts"
import type * as Event from "../Dcb/Event.ts"
import * as EventStore from "../Dcb/EventStore.ts"
import * as Query from "../Dcb/Query.ts"
import * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as Digest from "./internal/digest.ts"
import * as RunSpans from "./internal/runSpans.ts"

// -----------------------------------------------------------------------------
// Models
// -----------------------------------------------------------------------------

/**
 * Identifies a {@link Command}.
 *
 * @category type ids
 * @since 0.1.0
 */
export const TypeId: "~fairway/Module/Command" = "~fairway/Module/Command"

/**
 * Identifies a {@link Command}.
 *
 * @category type ids
 * @since 0.1.0
 */
export type TypeId = typeof TypeId

/**
 * An input schema a command accepts: any schema whose decoding needs no
 * services.
 *
 * @category models
 * @since 0.1.0
 */
export type InputSchema = Schema.Top & { readonly DecodingServices: never }

/**
 * How a command retries after a conflict: at most `times` retries, the
 * first after about `base`, each next one `factor` times longer (capped at
 * `maxDelay`), every delay jittered (×0.8 to ×1.2) unless `jitter` is `false`.
 * Defaults: 8 retries, 2 ms, ×2, 100 ms, jittered.
 *
 * @category models
 * @since 0.1.0
 */
export interface RetryOptions {
  readonly times?: number | undefined
  readonly base?: Duration.Input | undefined
  readonly factor?: number | undefined
  readonly maxDelay?: Duration.Input | undefined
  readonly jitter?: boolean | undefined
}

/**
 * A command: its name, input schema, decision model (a function of the
 * input), decision, and retry schedule.
 *
 * @category models
 * @since 0.1.0
 */
export interface Command<in out Input extends InputSchema, in out State, out E, out R> {
  readonly [TypeId]: TypeId
  readonly name: string
  readonly input: Input
  readonly model: (input: Input["Type"]) => DecisionModel.DecisionModel<State>
  readonly decide: (state: State, input: Input["Type"]) => Effect.Effect<ReadonlyArray<Event.NewEvent>, E, R>
  /** The schedule of retries after `AppendConditionFailed`. */
  readonly retry: Schedule.Schedule<unknown, EventStore.AppendConditionFailed>
}

/**
 * Any command.
 *
 * @category models
 * @since 0.1.0
 */
export type Any = Command<any, any, any, any>

/**
 * Options of one run.
 *
 * @category models
 * @since 0.1.0
 */
export interface RunOptions {
  /**
   * Makes the run repeatable: a run of the same command with a key already
   * used (by a run that appended events) and the same input appends nothing
   * and returns that run's result (`replayed: true`); with a different input
   * it fails with {@link IdempotencyKeyReused}. Keys are scoped to the
   * command: another command's run with the same key is unrelated. The
   * SHA-256 digest of command and key becomes the append id and a tag on the
   * events ({@link idempotencyTag}); the key and the digest of the encoded
   * input are in their metadata.
   */
  readonly idempotencyKey?: string | undefined
  /** Groups the events of one business flow; a new UUID when absent. */
  readonly correlationId?: string | undefined
  /** What caused this run (for an automation, the triggering event's position). */
  readonly causationId?: string | undefined
}

/**
 * What a run returns: the position of the last appended event (`undefined`
 * when the decision appended nothing) and the events as appended (with the
 * command's metadata). `replayed` is `true` when the idempotency key had
 * been used: the result is the first run's, and nothing was written.
 * `attempts` counts the decisions taken (1 + retries).
 *
 * @category models
 * @since 0.1.0
 */
export interface Result {
  readonly position: SequencePosition.SequencePosition | undefined
  readonly events: ReadonlyArray<Event.NewEvent>
  readonly replayed: boolean
  readonly attempts: number
}

// -----------------------------------------------------------------------------
// Errors
// -----------------------------------------------------------------------------

/**
 * The input of a command (or its run options) did not decode. Nothing was
 * read or written.
 *
 * @category errors
 * @since 0.1.0
 */
export class CommandInputInvalid extends Schema.TaggedError<CommandInputInvalid>()("CommandInputInvalid", {
  command: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid input for command ${this.command}: ${this.reason}`
  }
}

/**
 * The idempotency key was already used for this command with a different
 * input (the digests of the encoded inputs differ). Nothing was written; the
 * first run's events are at `firstPosition`. Over HTTP: 422.
 *
 * @category errors
 * @since 0.1.0
 */
export class IdempotencyKeyReused extends Schema.TaggedError<IdempotencyKeyReused>()("IdempotencyKeyReused", {
  command: Schema.String,
  idempotencyKey: Schema.String,
  firstPosition: SequencePosition.SequencePosition
}, { httpApiStatus: 422 }) {
  override get message(): string {
    return `the idempotency key "${this.idempotencyKey}" was already used for command ${this.command} with another input`
  }
}

/**
 * Concurrent writers kept changing what the command read: every attempt's
 * append condition failed, and the retries are spent. Nothing was written.
 *
 * @category errors
 * @since 0.1.0
 */
export class CommandConflict extends Schema.TaggedError<CommandConflict>()("CommandConflict", {
  command: Schema.String,
  attempts: Schema.Number,
  conflictingPosition: SequencePosition.SequencePosition
}) {
  override get message(): string {
    return `command ${this.command} gave up after ${this.attempts} attempts: the events it read kept changing ` +
      `(last conflict at position ${this.conflictingPosition})`
  }
}

/**
 * The command limiter had no free slot: `maxInFlight` commands were already
 * running. Nothing was read or written; try again later.
 *
 * @category errors
 * @since 0.1.0
 */
export class Overloaded extends Schema.TaggedError<Overloaded>()("Overloaded", {
  command: Schema.String,
  maxInFlight: Schema.Number
}) {
  override get message(): string {
    return `command ${this.command} rejected: ${this.maxInFlight} commands already in flight`
  }
}

/**
 * What a run may fail with, besides the decision's own errors `E`.
 *
 * @category errors
 * @since 0.1.0
 */
export type RunError<E> =
  | E
  | CommandInputInvalid
  | CommandConflict
  | IdempotencyKeyReused
  | Overloaded
  | Admission.BoundaryOverloaded
  | Event.EventDecodeError
  | EventStore.ReadError
  | Exclude<EventStore.AppendError, EventStore.AppendConditionFailed>

// -----------------------------------------------------------------------------
// Observer
// -----------------------------------------------------------------------------

/**
 * One attempt of a run (a read, a decision, an append), as an
 * {@link AttemptObserver} sees it when the attempt ends.
 *
 * @category observer
 * @since 0.1.0
 */
export interface Attempt {
  readonly command: string
  /** The run's number in this process: the same for every attempt of one run. */
  readonly run: number
  /** 1 for the first attempt of the run, 2 for the first retry… */
  readonly attempt: number
  readonly correlationId: string
  readonly idempotencyKey: string | undefined
  readonly causationId: string | undefined
  /** The append condition the decision was taken under; absent when the attempt failed before reading. */
  readonly condition: AppendCondition.AppendCondition | undefined
  /**
   * The append conditions the decision was taken under, one per read its model made (a dependent
   * model reads more than once; see `DecisionModel.bind`); the append carried all of them.
   */
  readonly conditions?: ReadonlyArray<AppendCondition.AppendCondition> | undefined
  /**
   * How it ended: the run's result, or its failure (an
   * `AppendConditionFailed` is a conflict, and a retry may follow).
   */
  readonly exit: Exit.Exit<Result, unknown>
}

/**
 * An optional service told about every attempt of every run in its context
 * (Fairway Studio's boundary recorder is one). Without it, runs observe
 * nothing and pay nothing but one context lookup per attempt. `observe` runs
 * on the command's fiber: it should only hand the attempt over, not wait.
 *
 * @category observer
 * @since 0.1.0
 */
export class AttemptObserver extends Context.Service<AttemptObserver, {
  readonly observe: (attempt: Attempt) => Effect.Effect<void>
}>()("fairway/Module/AttemptObserver") {}

// -----------------------------------------------------------------------------
// Limiter
// -----------------------------------------------------------------------------

/**
 * A fail-fast cap on the commands in flight: provide {@link layerLimiter}
 * next to the event store, and at most `maxInFlight` runs execute at once;
 * a run beyond that fails at once with {@link Overloaded} instead of
 * queueing. Without it, runs are not limited.
 *
 * @category limiter
 * @since 0.1.0
 */
export class CommandLimiter extends Context.Service<CommandLimiter, {
  readonly maxInFlight: number
  /** Runs `effect` if a slot is free, else `None` at once. */
  readonly tryRun: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<Option.Option<A>, E, R>
}>()("fairway/Module/CommandLimiter") {}

/**
 * A {@link CommandLimiter} with `maxInFlight` slots (a positive integer).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { EventStore } from "fairway/Dcb"
 * import { Command } from "fairway/Module"
 *
 * const AppLayer = Layer.mergeAll(EventStore.layerMemory, Command.layerLimiter({ maxInFlight: 64 }))
 * ```
 *
 * @category limiter
 * @since 0.1.0
 */
export const layerLimiter = (options: { readonly maxInFlight: number }): Layer.Layer<CommandLimiter> =>
  Layer.effect(
    CommandLimiter,
    Effect.gen(function* () {
      const { maxInFlight } = options
      if (!Number.isSafeInteger(maxInFlight) || maxInFlight <= 0) {
        return yield* Effect.die(new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`))
      }
      const semaphore = yield* Semaphore.make(maxInFlight)
      return CommandLimiter.of({
        maxInFlight,
        tryRun: (effect) => Semaphore.withPermitsIfAvailable(semaphore, 1)(effect)
      })
    })
  )

// -----------------------------------------------------------------------------
// Metrics and metadata
// -----------------------------------------------------------------------------

/**
 * The command metrics, each with the attribute `command` (the command's
 * name): runs started, retries after a conflict, conflicts
 * (`AppendConditionFailed` seen), and runs that failed (for any reason).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Command } from "fairway/Module"
 *
 * const runs = Metric.value(Metric.withAttributes(Command.metrics.runs, { command: "SubscribeStudent" }))
 * ```
 *
 * @category observability
 * @since 0.1.0
 */
export const metrics = {
  runs: Metric.counter("fairway_command_runs", { description: "command runs started", incremental: true }),
  retries: Metric.counter("fairway_command_retries", { description: "command retries after a conflict", incremental: true }),
  conflicts: Metric.counter("fairway_command_conflicts", {
    description: "append conditions that failed under a command",
    incremental: true
  }),
  failures: Metric.counter("fairway_command_failures", { description: "command runs that failed", incremental: true })
} as const

/**
 * The metadata keys a command writes on every event it appends.
 *
 * @category metadata
 * @since 0.1.0
 */
export const metadataKeys = {
  command: "command",
  idempotencyKey: "idempotencyKey",
  correlationId: "correlationId",
  causationId: "causationId",
  /** The SHA-256 digest of the run's encoded input (runs with an idempotency key). */
  inputDigest: "inputDigest"
} as const

/**
 * The scoped id of a command's idempotency key: the SHA-256 digest (hex) of
 * the command's name and the key. It is the append id of the run's events.
 *
 * @category metadata
 * @since 0.1.0
 */
export const idempotencyId = (command: string, key: string): string => `cmd:${Digest.ofFields(command, key)}`

/**
 * The tag a command adds to the events of a run with an idempotency key:
 * `fairway.idempotency:<idempotencyId>`, the same length for every key.
 *
 * @category metadata
 * @since 0.1.0
 */
export const idempotencyTag = (command: string, key: string): string => `fairway.idempotency:${idempotencyId(command, key)}`

/**
 * The longest idempotency key.
 *
 * @category metadata
 * @since 0.1.0
 */
export const maxIdempotencyKeyLength = 1_024

/**
 * Run options for a command caused by a stored event (what an automation
 * does): the causation id is the event's position, the correlation id is the
 * event's (when it has one), and the idempotency key is `key` (pass one
 * derived from the event, e.g. `${automation}:${position}`, so a redelivered
 * event does not run the command twice).
 *
 * @category metadata
 * @since 0.1.0
 */
export const causedBy = (event: Event.SequencedEvent, idempotencyKey?: string): RunOptions => {
  const correlationId = event.metadata?.[metadataKeys.correlationId]
  return {
    causationId: SequencePosition.format(event.position),
    ...(correlationId !== undefined ? { correlationId } : {}),
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {})
  }
}

// -----------------------------------------------------------------------------
// Constructors
// -----------------------------------------------------------------------------

/**
 * The default retry schedule: see {@link RetryOptions}.
 *
 * @category retries
 * @since 0.1.0
 */
export const retrySchedule = (options?: RetryOptions): Schedule.Schedule<unknown, EventStore.AppendConditionFailed> => {
  const times = options?.times ?? 8
  const exponential = Schedule.min([
    Schedule.exponential(options?.base ?? Duration.millis(2), options?.factor ?? 2),
    Schedule.spaced(options?.maxDelay ?? Duration.millis(100))
  ])
  const delays = options?.jitter === false ? exponential : Schedule.jittered(exponential)
  return delays.pipe(Schedule.upTo({ times }))
}

/**
 * Declares a command.
 *
 * - `input`: the input schema; {@link run} decodes unknown input with it.
 * - `model(input)`: the decision model to read (a projection or a combined model).
 * - `decide(state, input)`: the events to append (none: nothing is appended),
 *   or a domain error. It runs again after a conflict, on fresh state.
 * - `retry`: {@link RetryOptions} or a `Schedule` of retries after a conflict.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = <
  Input extends InputSchema,
  State,
  Decision extends Effect.Effect<ReadonlyArray<Event.NewEvent>, any, any>
>(options: {
  readonly name: string
  readonly input: Input
  readonly model: (input: Input["Type"]) => DecisionModel.DecisionModel<State>
  readonly decide: (state: State, input: Input["Type"]) => Decision
  readonly retry?: RetryOptions | Schedule.Schedule<unknown, EventStore.AppendConditionFailed> | undefined
}): Command<Input, State, Effect.Error<Decision>, Effect.Services<Decision>> => {
  if (typeof options.name !== "string" || options.name.length === 0) {
    throw new TypeError("Command.make: the command name is empty")
  }
  const retry = options.retry
  return {
    [TypeId]: TypeId,
    name: options.name,
    input: options.input,
    model: options.model,
    decide: options.decide,
    retry: retry !== undefined && Schedule.isSchedule(retry)
      ? retry as Schedule.Schedule<unknown, EventStore.AppendConditionFailed>
      : retrySchedule(retry as RetryOptions | undefined)
  }
}

// -----------------------------------------------------------------------------
// Running
// -----------------------------------------------------------------------------

// numbers the runs of this process, for an AttemptObserver
let runs = 0

const isConflict = (error: unknown): error is EventStore.AppendConditionFailed =>
  error instanceof EventStore.AppendConditionFailed

const toNewEvent = (event: Event.SequencedEvent): Event.NewEvent => ({
  type: event.type,
  tags: event.tags,
  data: event.data,
  ...(event.metadata !== undefined ? { metadata: event.metadata } : {})
})

/**
 * The first run's result for a reused key, or {@link IdempotencyKeyReused}
 * when that run had another input (events written before input digests
 * existed carry none, and replay).
 */
const replayOf = (
  command: string,
  key: string,
  inputDigest: string,
  events: ReadonlyArray<Event.SequencedEvent>,
  attempts: number
): Effect.Effect<Result, IdempotencyKeyReused> => {
  const first = events[0]!.metadata?.[metadataKeys.inputDigest]
  if (first !== undefined && first !== inputDigest) {
    return Effect.fail(new IdempotencyKeyReused({ command, idempotencyKey: key, firstPosition: events[0]!.position }))
  }
  return Effect.succeed({
    position: events[events.length - 1]!.position,
    events: events.map(toNewEvent),
    replayed: true,
    attempts
  })
}

const collect = (query: Query.Query) =>
  DecisionModel.makeRaw({
    query,
    initial: [] as ReadonlyArray<Event.SequencedEvent>,
    evolve: (events, event) => [...events, event]
  })

const validateOptions = (name: string, options: RunOptions | undefined): CommandInputInvalid | undefined => {
  const invalid = (reason: string) => new CommandInputInvalid({ command: name, reason })
  if (options === undefined) return undefined
  if (typeof options !== "object" || options === null) return invalid("the run options must be an object")
  const key = options.idempotencyKey
  if (key !== undefined) {
    if (typeof key !== "string" || key.length === 0) return invalid("the idempotency key must be a non-empty string")
    if (key.length > maxIdempotencyKeyLength) {
      return invalid(`the idempotency key is longer than ${maxIdempotencyKeyLength} characters`)
    }
  }
  for (const field of ["correlationId", "causationId"] as const) {
    const value = options[field]
    if (value !== undefined && (typeof value !== "string" || value.length === 0)) {
      return invalid(`the ${field} must be a non-empty string`)
    }
  }
  return undefined
}

/** What every run of one command shares: its input decoder, its metric updates, its span name. */
interface Prepared {
  readonly decode: (input: unknown) => Effect.Effect<unknown, Schema.SchemaError>
  /** The SHA-256 digest of a decoded input, encoded again (so equal inputs digest alike whatever their key order). */
  readonly inputDigest: (value: unknown) => string
  /** The runs counter with the command's attribute: updated in the run's first step (`Metric.update` is two steps). */
  readonly runs: Metric.Metric<number, unknown>
  readonly retries: Metric.Metric<number, unknown>
  readonly countConflict: Effect.Effect<void>
  readonly countFailure: (cause: Cause.Cause<unknown>) => Effect.Effect<void>
  readonly spanName: string
  /** The attributes of its runs' spans when a run's options carry no ids. */
  readonly spanAttributes: Readonly<Record<string, unknown>>
}

const prepared = new WeakMap<Any, Prepared>()

const prepare = (command: Any): Prepared => {
  let p = prepared.get(command)
  if (p === undefined) {
    const attributes = { command: command.name }
    const countFailed = Metric.update(Metric.withAttributes(metrics.failures, attributes), 1)
    p = {
      // a synchronous schema decodes to an Exit (no fiber)
      decode: Schema.decodeUnknownEffect(command.input as InputSchema) as Prepared["decode"],
      inputDigest: (value) => {
        const encoded = Schema.encodeUnknownExit(command.input as unknown as Schema.Codec<unknown, unknown>)(value)
        return Digest.ofFields(Digest.canonicalJson(Exit.isSuccess(encoded) ? encoded.value : value))
      },
      runs: Metric.withAttributes(metrics.runs, attributes),
      retries: Metric.withAttributes(metrics.retries, attributes),
      countConflict: Metric.update(Metric.withAttributes(metrics.conflicts, attributes), 1),
      countFailure: (cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : countFailed,
      spanName: `Command.run ${command.name}`,
      spanAttributes: { "fairway.command": command.name }
    }
    prepared.set(command, p)
  }
  return p
}

/**
 * Runs a command: decode the input, read, decide, append under the derived
 * append condition, retry on conflict. See the module documentation for the
 * steps, and {@link RunOptions} for idempotency and correlation.
 *
 * The input is typed by the command's schema (its encoded form, which the
 * run decodes): `{ amount: "1" }` for a number field does not compile. Input
 * from outside the program (HTTP, CLI, a queue) goes through
 * {@link runUnknown}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Command } from "fairway/Module"
 *
 * const program = Effect.gen(function* () {
 *   const first = yield* Command.run(SubscribeStudent, { studentId: "s1", courseId: "c1" }, { idempotencyKey: "req-1" })
 *   const again = yield* Command.run(SubscribeStudent, { studentId: "s1", courseId: "c1" }, { idempotencyKey: "req-1" })
 *   // again.replayed === true, again.position === first.position: nothing written twice
 * })
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const run = <Input extends InputSchema, State, E, R>(
  command: Command<Input, State, E, R>,
  input: NoInfer<Input["Encoded"]>,
  options?: RunOptions
): Effect.Effect<Result, RunError<E>, EventStore.EventStore | R> => runUnknown(command, input, options)

/**
 * {@link run} on input of unknown shape (a request body, CLI arguments):
 * input that does not decode fails with {@link CommandInputInvalid}, nothing
 * read or written.
 *
 * @category running
 * @since 0.1.0
 */
export const runUnknown = <Input extends InputSchema, State, E, R>(
  command: Command<Input, State, E, R>,
  input: unknown,
  options?: RunOptions
): Effect.Effect<Result, RunError<E>, EventStore.EventStore | R> => {
  const name = command.name
  const p = prepare(command)

  // decode, then decide and append; `store` is the EventStore in context, `spans`: the run's spans (none when
  // no tracer is installed)
  const execute = (
    store: EventStore.EventStoreShape,
    context: Context.Context<never>,
    spans: RunSpans.RunSpans | undefined
  ): Effect.Effect<Result, any, any> => {
    const invalidOptions = validateOptions(name, options)
    if (invalidOptions !== undefined) return Effect.fail(invalidOptions)
    const decoded = p.decode(input)
    if (Exit.isExit(decoded)) {
      return Exit.isSuccess(decoded) ? decide(decoded.value as Input["Type"], store, context, spans) : Effect.failCause(
        Cause.map(decoded.cause as Cause.Cause<Schema.SchemaError>, invalidInput)
      )
    }
    return Effect.flatMap(
      Effect.mapError(decoded, invalidInput),
      (value) => decide(value as Input["Type"], store, context, spans)
    )
  }

  const invalidInput = (error: Schema.SchemaError) =>
    new CommandInputInvalid({ command: name, reason: error.message.replace(/\n\s*/g, " ") })

  const decide = (
    value: Input["Type"],
    store: EventStore.EventStoreShape,
    context: Context.Context<never>,
    spans: RunSpans.RunSpans | undefined
  ): Effect.Effect<Result, any, any> => {
    const key = options?.idempotencyKey
    const keyTag = key === undefined ? undefined : idempotencyTag(name, key)
    const inputDigest = key === undefined ? "" : p.inputDigest(value)
    const replayQuery = keyTag === undefined ? undefined : Query.item({ tags: [keyTag] })
    const metadata: Record<string, string> = {
      [metadataKeys.command]: name,
      [metadataKeys.correlationId]: options?.correlationId ?? crypto.randomUUID()
    }
    if (key !== undefined) {
      metadata[metadataKeys.idempotencyKey] = key
      metadata[metadataKeys.inputDigest] = inputDigest
    }
    if (options?.causationId !== undefined) metadata[metadataKeys.causationId] = options.causationId
    let attempts = 0
    const runNumber = ++runs
    const cache = Context.getOption(context, DecisionCache.DecisionCache)
    const observer = Context.getOption(context, AttemptObserver)
    const admission = Context.getOption(context, Admission.Admission)

    // the append's span, when a tracer is installed: a leaf (nothing below it makes spans), so it is not made
    // the parent span
    const append = (events: ReadonlyArray<Event.NewEvent>, appendOptions: EventStore.AppendOptions) =>
      spans === undefined
        ? store.append(events, appendOptions)
        : spans.leaf("EventStore.append", store.append(events, appendOptions))

    // one append condition per read the model made (a dependent model reads more than once)
    const appendDecided = (state: State, conditions: ReadonlyArray<AppendCondition.AppendCondition>) =>
      Effect.flatMap(command.decide(state, value), (decided): Effect.Effect<Result, any, R> => {
        if (decided.length === 0) return Effect.succeed({ position: undefined, events: [], replayed: false, attempts })
        const events: Array<Event.NewEvent> = decided.map((event) => ({
          type: event.type,
          tags: keyTag === undefined ? event.tags : [...event.tags, keyTag],
          data: event.data,
          metadata: { ...event.metadata, ...metadata }
        }))
        if (key === undefined) {
          return Effect.map(append(events, { conditions }), (position): Result => ({
            position,
            events,
            replayed: false,
            attempts
          }))
        }
        return append(events, { conditions, appendId: idempotencyId(name, key) }).pipe(
          Effect.map((position): Result => ({ position, events, replayed: false, attempts })),
          Effect.catchTag("AppendIdReused", (reused) =>
            // the key was used by an append of other events: when a command wrote them, return its result
            Effect.flatMap(
              Stream.runCollect(store.read(replayQuery!)),
              (previous): Effect.Effect<Result, EventStore.AppendIdReused | IdempotencyKeyReused> =>
                previous.length > 0 ? replayOf(name, key, inputDigest, previous, attempts) : Effect.fail(reused)
            ))
        )
      })

    // with DecisionCache.layer: read on from this command's cached state of the query. The read's span
    // (none when no tracer is installed: see `untraced`) is a leaf, like the append's
    const readModel = <S>(model: DecisionModel.DecisionModel<S>) => {
      if (Option.isSome(cache)) return cache.value.read(store, command, model)
      const read = DecisionModel.readAfter(store, model, model.initial, undefined)
      return spans === undefined ? read : spans.leaf("DecisionModel.read", read)
    }

    // one attempt, made when this is called (the first attempt: at once; a retry: suspended)
    const attemptNow = (): Effect.Effect<Result, any, any> => {
      attempts++
      const model = command.model(value)
      // the condition this attempt decided under, for an AttemptObserver
      let condition: AppendCondition.AppendCondition | undefined
      let conditions: ReadonlyArray<AppendCondition.AppendCondition> | undefined
      const decision = replayQuery === undefined
        ? Effect.flatMap(readModel(model), (read) =>
          appendDecided(read.state, (condition = read.condition, conditions = read.conditions)))
        : Effect.flatMap(
          DecisionModel.read(DecisionModel.combine({ decision: model, replay: collect(replayQuery) })),
          (read) =>
            (condition = read.condition, conditions = read.conditions, read.state.replay.length > 0)
              ? replayOf(name, key!, inputDigest, read.state.replay, attempts)
              : appendDecided(read.state.decision, read.conditions)
        )
      const observed = Option.isNone(observer) ? decision : Effect.onExit(decision, (exit) =>
        observer.value.observe({
          command: name,
          run: runNumber,
          attempt: attempts,
          correlationId: metadata[metadataKeys.correlationId]!,
          idempotencyKey: key,
          causationId: options?.causationId,
          condition,
          conditions,
          exit
        }))
      return attempts > 1 ? Effect.andThen(Metric.update(p.retries, 1), observed) : observed
    }

    // the first attempt runs as is; the retry schedule starts at the first conflict, and a conflict that
    // outlives the retries is a CommandConflict
    const retried = (first: Effect.Effect<Result, any, any>) =>
      Effect.catchIf(first, isConflict, (first) =>
        Effect.andThen(
          p.countConflict,
          Effect.flatMap(Schedule.toStepWithMetadata(command.retry), (next) => {
            const loop = (error: EventStore.AppendConditionFailed): Effect.Effect<Result, any, any> =>
              Pull.matchEffect(next(error), {
                onSuccess: (meta) =>
                  Effect.catchIf(
                    Effect.provideService(Effect.suspend(attemptNow), Schedule.CurrentMetadata, meta),
                    isConflict,
                    (error) => Effect.andThen(p.countConflict, loop(error))
                  ),
                onFailure: Effect.failCause,
                onDone: () => Effect.fail(error)
              })
            return loop(first)
          })
        ).pipe(Effect.mapError((error) =>
          isConflict(error)
            ? new CommandConflict({ command: name, attempts, conflictingPosition: error.conflictingPosition })
            : error
        )))

    // with Admission.layer: queue behind this process's commands on an overlapping boundary (the first
    // attempt starts once admitted)
    const admitted = Option.isNone(admission)
      ? retried(attemptNow())
      : admission.value.run(name, command.model(value).query, retried(Effect.suspend(attemptNow)))

    // (what the run did is set on its span by `traceRun`)
    return admitted
  }

  // A run looks its optional services up once, in its first step (they are the same for every attempt), and
  // builds only the steps they call for: with none installed and no tracer, a run is decode, read, decide and
  // append, with the failure count around them.
  return Effect.contextWith((context: Context.Context<never>) => {
    // `Metric.update`, in this step
    p.runs.updateUnsafe(1, context)
    const store = Context.get(context as Context.Context<EventStore.EventStore>, EventStore.EventStore)
    const spans = untraced(context) ? undefined : RunSpans.make(context)
    const limiter = Context.getOption(context, CommandLimiter)
    let run: Effect.Effect<Result, any, any>
    if (Option.isNone(limiter)) {
      // the first attempt is built here, not in a step of its own: what its model or read throws is a defect of
      // the run, as it would be in a step
      try {
        run = execute(store, context, spans)
      } catch (defect) {
        run = Effect.die(defect)
      }
    } else {
      run = Effect.flatMap(limiter.value.tryRun(Effect.suspend(() => execute(store, context, spans))), (result) =>
        Option.isNone(result)
          ? Effect.fail(new Overloaded({ command: name, maxInFlight: limiter.value.maxInFlight }))
          : Effect.succeed(result.value))
    }
    const body = Effect.tapCause(run, p.countFailure)
    return spans === undefined ? body : traceRun(spans, body, p.spanName, p.spanAttributes, options)
  }) as Effect.Effect<Result, RunError<E>, EventStore.EventStore | R>
}

/**
 * A run in its span, as `Effect.withSpan` would run it (the span the parent of the run's spans, a stack frame
 * named after it), and what the run did set on the span itself when it succeeds.
 */
const traceRun = (
  spans: RunSpans.RunSpans,
  body: Effect.Effect<Result, any, any>,
  spanName: string,
  spanAttributes: Readonly<Record<string, unknown>>,
  options: RunOptions | undefined
): Effect.Effect<Result, any, any> => {
  if (options?.idempotencyKey === undefined && options?.correlationId === undefined && options?.causationId === undefined) {
    return spans.run(spanName, spanAttributes, body, setOutcome)
  }
  const attributes: Record<string, unknown> = { ...spanAttributes }
  if (options.idempotencyKey !== undefined) attributes["fairway.idempotency_key"] = options.idempotencyKey
  if (options.correlationId !== undefined) attributes["fairway.correlation_id"] = options.correlationId
  if (options.causationId !== undefined) attributes["fairway.causation_id"] = options.causationId
  return spans.run(spanName, attributes, body, setOutcome)
}

/** What a run did, on its span. */
const setOutcome = (span: Tracer.Span, result: Result): void => {
  span.attribute("fairway.attempts", result.attempts)
  span.attribute("fairway.replayed", result.replayed)
  span.attribute("fairway.events", result.events.length)
  if (result.position !== undefined) span.attribute("fairway.position", SequencePosition.format(result.position))
}

/**
 * Whether no tracer is installed: the native tracer only keeps spans in
 * memory, and a run's spans would cost about as much as a short command
 * (Effect's `Tracer.nativeTracer` documents this check). Then a run makes no
 * span of its own; with any tracer installed it makes them all.
 */
const untraced = (context: Context.Context<never>): boolean => Context.get(context, Tracer.Tracer) === Tracer.nativeTracer
