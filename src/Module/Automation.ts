/**
 * Automations: watch the event log and react, usually by running a command.
 *
 * An automation is a query, the typed events it understands, and a `handle`
 * function. Running it ({@link run}, {@link layer}) starts from its durable
 * checkpoint in the {@link AutomationStore.AutomationStore} and hands each
 * matching event to `handle`, then follows new appends.
 *
 * - **At least once.** The checkpoint moves past an event only after `handle`
 *   succeeded, so an event may be handled again after a crash. A command an
 *   automation runs should use {@link Trigger.commandOptions} (an idempotency
 *   key derived from the triggering event's position): the redelivered
 *   command is then a no-op and the effect happens once.
 * - **Retries and dead letters.** A failing `handle` is retried on the
 *   automation's Schedule; after `maxAttempts` tries the event is parked in the
 *   dead-letter list, in the same atomic step that moves the checkpoint past
 *   it, so it does not block the rest. Parked events are listed with
 *   {@link deadLetters} and retried with {@link retryDeadLetter}.
 * - **Supervision.** A defect (or a storage failure) restarts the automation
 *   from its checkpoint after a backoff; an event that keeps crashing it is
 *   parked after `maxAttempts` crashes.
 * - **One instance.** A run holds the automation's lease, renewed while it
 *   runs; another process waits until the lease is released or expires. Every
 *   checkpoint move is fenced by the lease. Closing the scope interrupts the
 *   run and releases the lease.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type * as DcbEvent from "../Dcb/Event.ts"
import * as EventStore from "../Dcb/EventStore.ts"
import * as Query from "../Dcb/Query.ts"
import * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as AutomationStore from "./AutomationStore.ts"
import * as Checkpoint from "./Checkpoint.ts"
import { awaitAppendAfter, defaultRestart, describeError } from "./internal/follow.ts"

/**
 * The type id of automations.
 *
 * @category type ids
 * @since 0.1.0
 */
export const TypeId: "~fairway/Module/Automation" = "~fairway/Module/Automation"

/**
 * What an automation knows about the event it handles.
 *
 * @category models
 * @since 0.1.0
 */
export interface Trigger {
  /** The automation's name. */
  readonly automation: string
  /** The triggering event, as stored. */
  readonly event: DcbEvent.SequencedEvent
  /** Its position. */
  readonly position: SequencePosition.SequencePosition
  /** Which try this is (1 for the first). */
  readonly attempt: number
  /** `"<automation>@<position>"`: the same on every redelivery of this event. */
  readonly idempotencyKey: string
  /**
   * Options for a command run by the handler: the idempotency key, the
   * triggering event's position as causation id, and its correlation id (or
   * the position when it has none). Pass a `suffix` when one event triggers
   * several commands, to give each its own stable key.
   */
  readonly commandOptions: (suffix?: string) => {
    readonly idempotencyKey: string
    readonly correlationId: string
    readonly causationId: string
  }
}

/**
 * An automation whose handler may fail with `E` and needs `R`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Automation<E = never, R = never> {
  readonly [TypeId]: typeof TypeId
  readonly _tag: "Automation"
  readonly name: string
  readonly query: Query.Query
  /** Tries per event before it is parked (at least 1). */
  readonly maxAttempts: number
  /** The delays between tries. */
  readonly retry: Schedule.Schedule<unknown, unknown>
  /** How long a lease lasts without renewal, in milliseconds. */
  readonly leaseMillis: number
  /** Handles one stored event (decoding it first; an event of an undeclared type is skipped). */
  readonly handle: (event: DcbEvent.SequencedEvent, trigger: Trigger) => Effect.Effect<void, E | DcbEvent.EventDecodeError, R>
  /** Whether the automation handles this stored event. */
  readonly handles: (event: DcbEvent.SequencedEvent) => boolean
}

/**
 * Any automation.
 *
 * @category models
 * @since 0.1.0
 */
export type Any = Automation<any, any>

/**
 * The services an automation's handler needs.
 *
 * @category type-level
 * @since 0.1.0
 */
export type Requirements<A> = A extends Automation<infer _E, infer R> ? R : never

/**
 * An automation definition is invalid.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidAutomation extends Schema.TaggedError<InvalidAutomation>()("InvalidAutomation", {
  automation: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `automation ${this.automation}: ${this.reason}`
  }
}

/**
 * No dead letter at that position.
 *
 * @category errors
 * @since 0.1.0
 */
export class DeadLetterNotFound extends Schema.TaggedError<DeadLetterNotFound>()("DeadLetterNotFound", {
  automation: Schema.String,
  position: SequencePosition.SequencePosition
}) {
  override get message(): string {
    return `automation ${this.automation} has no dead letter at position ${this.position}`
  }
}

/**
 * Defines an automation.
 *
 * - `events`: the typed event definitions it understands; matching events of
 *   other types are skipped.
 * - `handle(event, trigger)`: reacts to one decoded event; `trigger` carries
 *   the idempotency key to run commands with.
 * - `maxAttempts` (default 5), `retry` (delays between tries; default
 *   exponential from 50 ms, jittered), `leaseMillis` (default 10 s).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Query } from "fairway/Dcb"
 * import { Automation, Command } from "fairway/Module"
 *
 * const ConfirmWaitlisted = Automation.make({
 *   name: "ConfirmWaitlisted",
 *   query: Query.item({ types: [StudentUnsubscribed.type] }),
 *   events: [StudentUnsubscribed],
 *   handle: (event, trigger) =>
 *     Command.run(ConfirmFirstWaitlisted, { courseId: event.payload.courseId }, trigger.commandOptions())
 * })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = <const Definitions extends ReadonlyArray<DcbEvent.Any>, E = never, R = never>(options: {
  readonly name: string
  readonly query: Query.Query
  readonly events: Definitions
  readonly handle: (event: DcbEvent.DecodedOf<Definitions[number]>, trigger: Trigger) => Effect.Effect<void, E, R>
  readonly maxAttempts?: number | undefined
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
  readonly leaseMillis?: number | undefined
}): Automation<E, R> => {
  const byType = new Map<string, DcbEvent.Any>()
  for (const definition of options.events) byType.set(definition.type, definition)
  const handles = (event: DcbEvent.SequencedEvent) => byType.has(event.type) && Query.matches(options.query, event)
  return {
    [TypeId]: TypeId,
    _tag: "Automation",
    name: options.name,
    query: options.query,
    maxAttempts: options.maxAttempts ?? 5,
    retry: options.retry ?? Schedule.exponential("50 millis").pipe(Schedule.jittered),
    leaseMillis: options.leaseMillis ?? 10_000,
    handles,
    handle: (event, trigger) => {
      const definition = byType.get(event.type)
      if (definition === undefined) return Effect.void
      return Effect.flatMap(
        definition.decode(event),
        (decoded) => options.handle(decoded as DcbEvent.DecodedOf<Definitions[number]>, trigger)
      )
    }
  }
}

/**
 * Whether a value is an automation.
 *
 * @category guards
 * @since 0.1.0
 */
export const isAutomation = (u: unknown): u is Any =>
  typeof u === "object" && u !== null && (u as Record<string, unknown>)[TypeId] === TypeId

/**
 * Checks an automation's definition.
 *
 * @category validation
 * @since 0.1.0
 */
export const validate = (automation: Any): Effect.Effect<void, InvalidAutomation> => {
  const invalid = (reason: string) =>
    Effect.fail(new InvalidAutomation({ automation: String(automation.name), reason }))
  const keyError = AutomationStore.validate(automation.name, undefined, automation.leaseMillis)
  if (keyError !== undefined) return invalid(keyError.reason)
  const queryError = Query.invalidReason(automation.query)
  if (queryError !== undefined) return invalid(queryError.message)
  if (!Number.isSafeInteger(automation.maxAttempts) || automation.maxAttempts < 1) {
    return invalid("maxAttempts must be a positive integer")
  }
  return Effect.void
}

/**
 * The idempotency key of the command(s) an automation runs for the event at
 * `position`.
 *
 * @category idempotency
 * @since 0.1.0
 */
export const idempotencyKey = (automation: string, position: SequencePosition.SequencePosition, suffix?: string): string =>
  suffix === undefined ? `${automation}@${position}` : `${automation}@${position}/${suffix}`

const makeTrigger = (automation: Any, event: DcbEvent.SequencedEvent, attempt: number): Trigger => ({
  automation: automation.name,
  event,
  position: event.position,
  attempt,
  idempotencyKey: idempotencyKey(automation.name, event.position),
  commandOptions: (suffix) => ({
    idempotencyKey: idempotencyKey(automation.name, event.position, suffix),
    correlationId: event.metadata?.["correlationId"] ?? event.position.toString(),
    causationId: event.position.toString()
  })
})

// -----------------------------------------------------------------------------
// Running
// -----------------------------------------------------------------------------

/**
 * The metrics of running automations, with an `automation` attribute: `lag`
 * (head minus checkpoint when the automation wakes up), `handled`, `failures`
 * (failed tries), `deadLettered` and `restarts` (after crashes).
 *
 * @category metrics
 * @since 0.1.0
 */
export const metrics = {
  lag: Metric.gauge("fairway_automation_lag", { description: "head minus checkpoint, in position units", bigint: true }),
  handled: Metric.counter("fairway_automation_handled", { description: "events handled" }),
  failures: Metric.counter("fairway_automation_failures", { description: "failed tries of the handler" }),
  deadLettered: Metric.counter("fairway_automation_dead_lettered", { description: "events parked" }),
  restarts: Metric.counter("fairway_automation_restarts", { description: "restarts after a crash or storage failure" })
}

/**
 * Runs the handler on one event with the automation's retries. Succeeds with
 * `undefined` when it was handled, or with the failure and the number of tries.
 */
const handleWithRetries = <E, R>(automation: Automation<E, R>, event: DcbEvent.SequencedEvent) =>
  Effect.gen(function* () {
    let attempt = 0
    const once = Effect.suspend(() => {
      attempt++
      return automation.handle(event, makeTrigger(automation, event, attempt))
    })
    const result = yield* Effect.result(
      once.pipe(Effect.retry({ schedule: automation.retry, times: automation.maxAttempts - 1 }))
    )
    yield* Metric.update(
      Metric.withAttributes(metrics.failures, { automation: automation.name }),
      result._tag === "Success" ? attempt - 1 : attempt
    )
    return result._tag === "Success" ? undefined : { error: result.failure, attempts: attempt }
  })

class CrashedOn {
  readonly position: SequencePosition.SequencePosition
  readonly defect: unknown
  constructor(position: SequencePosition.SequencePosition, defect: unknown) {
    this.position = position
    this.defect = defect
  }
}

interface Crashes {
  position: SequencePosition.SequencePosition | undefined
  count: number
  last: unknown
}

/** Processes the log while holding the lease; fails with LeaseLost when it is lost. */
const work = <E, R>(automation: Automation<E, R>, owner: string, crashes: Crashes) =>
  Effect.gen(function* () {
    const store = yield* EventStore.EventStore
    const automations = yield* AutomationStore.AutomationStore
    const attributes = { automation: automation.name }
    while (true) {
      const head = yield* store.head
      let checkpoint = yield* automations.checkpoint(automation.name)
      yield* Metric.update(Metric.withAttributes(metrics.lag, attributes), Checkpoint.lag(head, checkpoint))
      yield* store.read(automation.query, Option.isSome(checkpoint) ? { after: checkpoint.value } : undefined).pipe(
        Stream.runForEach((event) =>
          Effect.gen(function* () {
            let deadLetter: AutomationStore.DeadLetter | undefined
            if (automation.handles(event)) {
              const now = yield* Clock.currentTimeMillis
              if (crashes.position === event.position && crashes.count >= automation.maxAttempts) {
                deadLetter = {
                  automation: automation.name,
                  position: event.position,
                  eventType: event.type,
                  attempts: crashes.count,
                  error: `defect: ${describeError(crashes.last)}`,
                  failedAt: now
                }
                yield* Metric.update(Metric.withAttributes(metrics.deadLettered, attributes), 1)
                yield* Effect.logError(`automation ${automation.name}: event ${event.position} crashed it ${crashes.count} times, parked`)
              } else {
                const failed = yield* handleWithRetries(automation, event).pipe(
                  Effect.catchDefect((defect) => Effect.die(new CrashedOn(event.position, defect)))
                )
                if (failed === undefined) yield* Metric.update(Metric.withAttributes(metrics.handled, attributes), 1)
                if (failed !== undefined) {
                  yield* Metric.update(Metric.withAttributes(metrics.deadLettered, attributes), 1)
                  deadLetter = {
                    automation: automation.name,
                    position: event.position,
                    eventType: event.type,
                    attempts: failed.attempts,
                    error: describeError(failed.error),
                    failedAt: yield* Clock.currentTimeMillis
                  }
                  yield* Effect.logWarning(
                    `automation ${automation.name}: event ${event.position} failed ${failed.attempts} times, parked`,
                    deadLetter.error
                  )
                }
              }
            }
            yield* automations.advance(automation.name, {
              owner,
              expected: checkpoint,
              checkpoint: event.position,
              deadLetter
            })
            checkpoint = Option.some(event.position)
          })
        )
      )
      if (Option.isSome(head) && (Option.isNone(checkpoint) || checkpoint.value < head.value)) {
        yield* automations.advance(automation.name, { owner, expected: checkpoint, checkpoint: head.value })
      }
      yield* awaitAppendAfter(head)
    }
  })

const renew = (automation: Any, owner: string) =>
  Effect.gen(function* () {
    const automations = yield* AutomationStore.AutomationStore
    while (true) {
      yield* Effect.sleep(Duration.millis(Math.max(1, Math.floor(automation.leaseMillis / 3))))
      const held = yield* automations.acquire(automation.name, owner, automation.leaseMillis)
      if (!held) return yield* Effect.fail(new AutomationStore.LeaseLost({ automation: automation.name, owner }))
    }
  })

/**
 * Options of {@link run} and {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface RunOptions {
  /** This instance's lease owner id (default: a random UUID). */
  readonly owner?: string | undefined
  /** How to wait between restarts after a crash or a storage failure (default: exponential from 100 ms, capped at 10 s). */
  readonly restart?: Schedule.Schedule<unknown, unknown> | undefined
}

/**
 * Runs an automation until interrupted: waits for its lease, processes the
 * log from the durable checkpoint while renewing the lease, restarts after
 * defects and storage failures (from the checkpoint, after a backoff), and
 * goes back to waiting when the lease is lost. Releases the lease when
 * interrupted. Fails only on an invalid definition; dies with the last
 * failure when a finite `restart` schedule gives up.
 *
 * @category running
 * @since 0.1.0
 */
export const run = <E, R>(
  automation: Automation<E, R>,
  options?: RunOptions
): Effect.Effect<never, InvalidAutomation, R | EventStore.EventStore | AutomationStore.AutomationStore> =>
  Effect.gen(function* () {
    yield* validate(automation)
    const automations = yield* AutomationStore.AutomationStore
    const owner = options?.owner ?? crypto.randomUUID()
    const crashes: Crashes = { position: undefined, count: 0, last: undefined }
    const restart = options?.restart ?? defaultRestart
    const attempt = Effect.gen(function* () {
      const held = yield* automations.acquire(automation.name, owner, automation.leaseMillis)
      if (!held) {
        yield* Effect.sleep(Duration.millis(Math.max(1, Math.floor(automation.leaseMillis / 3))))
        return
      }
      yield* Effect.logDebug(`automation ${automation.name}: lease taken by ${owner}`)
      const exit = yield* Effect.exit(Effect.raceFirst(work(automation, owner, crashes), renew(automation, owner)))
      if (exit._tag === "Success") return
      const cause = exit.cause
      if (Cause.hasInterruptsOnly(cause)) return yield* Effect.failCause(cause as Cause.Cause<never>)
      const error = Cause.findErrorOption(cause)
      if (Option.isSome(error) && (error.value._tag === "LeaseLost" || error.value._tag === "CheckpointMoved")) {
        yield* Effect.logWarning(`automation ${automation.name}: instance ${owner} lost its lease`)
        return
      }
      const crashed = Cause.findDefect(cause)
      const defect = crashed._tag === "Success" ? crashed.success : undefined
      if (defect instanceof CrashedOn) {
        if (crashes.position === defect.position) crashes.count++
        else {
          crashes.position = defect.position
          crashes.count = 1
        }
        crashes.last = defect.defect
      }
      return yield* Effect.fail(cause)
    })
    const supervised = attempt.pipe(
      Effect.tapError(() => Metric.update(Metric.withAttributes(metrics.restarts, { automation: automation.name }), 1)),
      Effect.tapError((cause) =>
        Effect.logWarning(
          `automation ${automation.name} crashed, restarting from its checkpoint`,
          Cause.isCause(cause) ? Cause.pretty(cause) : cause.message
        )
      ),
      Effect.retry(restart),
      // a finite restart schedule gave up: end with the last failure, as a defect (the typed error is an invalid definition)
      Effect.catch((failure) => Effect.die(Cause.isCause(failure) ? Cause.squash(failure) : failure)),
      Effect.forever
    )
    return yield* supervised.pipe(Effect.ensuring(Effect.ignore(automations.release(automation.name, owner))))
  }).pipe(Effect.withSpan("Automation.run", { attributes: { automation: automation.name } })) as Effect.Effect<
    never,
    InvalidAutomation,
    R | EventStore.EventStore | AutomationStore.AutomationStore
  >

/**
 * Runs an automation as a supervised fiber for as long as the layer's scope
 * is open (see {@link run}); closing the scope stops it and releases its
 * lease. An invalid definition is logged and the automation does not start.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = <E, R>(
  automation: Automation<E, R>,
  options?: RunOptions
): Layer.Layer<never, never, R | EventStore.EventStore | AutomationStore.AutomationStore> =>
  Layer.effectDiscard(
    Effect.forkScoped(
      run(automation, options).pipe(
        Effect.catch((error) => Effect.logError(`automation ${automation.name} not started`, error.message)),
        Effect.catchDefect((defect) => Effect.logError(`automation ${automation.name} stopped`, defect))
      )
    )
  )

// -----------------------------------------------------------------------------
// Dead letters and status
// -----------------------------------------------------------------------------

/**
 * The automation's parked events.
 *
 * @category dead letters
 * @since 0.1.0
 */
export const deadLetters = (
  automation: Any
): Effect.Effect<ReadonlyArray<AutomationStore.DeadLetter>, EventStore.StorageError, AutomationStore.AutomationStore> =>
  Effect.flatMap(AutomationStore.AutomationStore, (store) => store.deadLetters(automation.name))

/**
 * Hands a parked event to the automation again (with its retries). On
 * success the dead letter is removed and the result is `true`; when it still
 * fails the dead letter is updated (attempts, error) and the result is
 * `false`. The command options keep the same idempotency key as the first
 * delivery, so a retry never doubles an effect.
 *
 * @category dead letters
 * @since 0.1.0
 */
export const retryDeadLetter = <E, R>(
  automation: Automation<E, R>,
  position: SequencePosition.SequencePosition
): Effect.Effect<
  boolean,
  DeadLetterNotFound | EventStore.ReadError | AutomationStore.InvalidAutomationKey,
  R | EventStore.EventStore | AutomationStore.AutomationStore
> =>
  Effect.gen(function* () {
    const automations = yield* AutomationStore.AutomationStore
    const store = yield* EventStore.EventStore
    const letters = yield* automations.deadLetters(automation.name)
    const letter = letters.find((l) => l.position === position)
    if (letter === undefined) return yield* Effect.fail(new DeadLetterNotFound({ automation: automation.name, position }))
    const found = yield* store.read(automation.query, position === 0n ? { limit: 1 } : {
      after: SequencePosition.make(position - 1n),
      limit: 1
    }).pipe(Stream.runCollect)
    const event = found[0]
    if (event === undefined || event.position !== position) {
      return yield* Effect.fail(new DeadLetterNotFound({ automation: automation.name, position }))
    }
    const failed = yield* handleWithRetries(automation, event).pipe(
      Effect.catchDefect((defect) => Effect.succeed({ error: defect, attempts: 1 }))
    )
    if (failed === undefined) {
      yield* automations.removeDeadLetter(automation.name, position)
      return true
    }
    yield* automations.putDeadLetter({
      ...letter,
      attempts: letter.attempts + failed.attempts,
      error: describeError(failed.error),
      failedAt: yield* Clock.currentTimeMillis
    })
    return false
  })

/**
 * Where an automation stands.
 *
 * @category models
 * @since 0.1.0
 */
export interface Status {
  readonly name: string
  readonly checkpoint: Option.Option<SequencePosition.SequencePosition>
  readonly head: Option.Option<SequencePosition.SequencePosition>
  /** Head minus checkpoint, in position units (see {@link Checkpoint.lag}). */
  readonly lag: bigint
  readonly caughtUp: boolean
  readonly lease: Option.Option<AutomationStore.Lease>
  readonly deadLetters: number
}

/**
 * The automation's checkpoint, lag, lease and number of dead letters.
 *
 * @category reads
 * @since 0.1.0
 */
export const status = (
  automation: Any
): Effect.Effect<Status, EventStore.StorageError, EventStore.EventStore | AutomationStore.AutomationStore> =>
  Effect.gen(function* () {
    const automations = yield* AutomationStore.AutomationStore
    const store = yield* EventStore.EventStore
    const checkpoint = yield* automations.checkpoint(automation.name)
    const head = yield* store.head
    const lag = Checkpoint.lag(head, checkpoint)
    return {
      name: automation.name,
      checkpoint,
      head,
      lag,
      caughtUp: lag === 0n,
      lease: yield* automations.lease(automation.name),
      deadLetters: (yield* automations.deadLetters(automation.name)).length
    }
  })
