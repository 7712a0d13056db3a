/**
 * The `AutomationStore` service: durable checkpoints, leases and dead letters
 * of automations.
 *
 * - A **checkpoint** per automation: the position of the last event it
 *   handled (or parked). It only advances through
 *   {@link AutomationStoreShape.advance}, a compare-and-set that also checks
 *   the writer still holds the lease (a fenced write: an instance whose lease
 *   expired cannot move the checkpoint of the one that took over).
 * - A **lease** per automation: at most one owner at a time, with an expiry;
 *   the owner renews it while it runs. Time is the `Clock` of the caller.
 * - **Dead letters**: events that still failed after the automation's retries,
 *   parked (in the same atomic step that moves the checkpoint past them) so
 *   they do not block the rest; listed, retried and removed by position.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { StorageError } from "../Dcb/EventStore.ts"
import * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as Checkpoint from "./Checkpoint.ts"
import * as ErrorText from "./internal/errorText.ts"
import * as KeyRange from "./internal/keyRange.ts"

/**
 * A lease: who runs an automation, and until when (epoch milliseconds).
 *
 * @category models
 * @since 0.1.0
 */
export const Lease = Schema.Struct({
  owner: Schema.String,
  expiresAt: Schema.Number
})

/**
 * A lease.
 *
 * @category models
 * @since 0.1.0
 */
export type Lease = typeof Lease.Type

/**
 * A parked event: the automation failed on it `attempts` times.
 *
 * @category models
 * @since 0.1.0
 */
export const DeadLetter = Schema.Struct({
  automation: Schema.String,
  position: SequencePosition.SequencePosition,
  eventType: Schema.String,
  attempts: Schema.Number,
  error: Schema.String,
  failedAt: Schema.Number
})

/**
 * A dead letter.
 *
 * @category models
 * @since 0.1.0
 */
export type DeadLetter = typeof DeadLetter.Type

/**
 * A dead letter as every store keeps it: its error text bounded to
 * {@link maxErrorTextLength} characters (the start of the text and how much
 * was cut), so that parking never fails because an error is large.
 *
 * @category models
 * @since 0.1.0
 */
export const bounded: (letter: DeadLetter) => DeadLetter = ErrorText.boundLetter

/**
 * The most characters of error text a stored dead letter keeps.
 *
 * @category models
 * @since 0.1.0
 */
export const maxErrorTextLength = ErrorText.maxErrorTextLength

/**
 * The writer does not hold the automation's lease (it expired and another
 * instance took it, or it was never acquired). Nothing was written.
 *
 * @category errors
 * @since 0.1.0
 */
export class LeaseLost extends Schema.TaggedError<LeaseLost>()("LeaseLost", {
  automation: Schema.String,
  owner: Schema.String
}) {
  override get message(): string {
    return `instance ${this.owner} does not hold the lease of automation ${this.automation}`
  }
}

/**
 * An automation name, owner or lease duration that cannot be stored.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidAutomationKey extends Schema.TaggedError<InvalidAutomationKey>()("InvalidAutomationKey", {
  reason: Schema.String
}) {
  override get message(): string {
    return this.reason
  }
}

/**
 * One move of an automation's checkpoint.
 *
 * @category models
 * @since 0.1.0
 */
export interface Advance {
  /** The instance moving it: it must hold the lease. */
  readonly owner: string
  /** The checkpoint it started from. */
  readonly expected: Option.Option<SequencePosition.SequencePosition>
  /** The new checkpoint. */
  readonly checkpoint: SequencePosition.SequencePosition
  /** An event to park, in the same atomic step. */
  readonly deadLetter?: DeadLetter | undefined
}

/**
 * What {@link AutomationStoreShape.advance} may fail with.
 *
 * @category errors
 * @since 0.1.0
 */
export type AdvanceError = Checkpoint.CheckpointMoved | LeaseLost | InvalidAutomationKey | StorageError

/**
 * The operations of an automation store.
 *
 * @category models
 * @since 0.1.0
 */
export interface AutomationStoreShape {
  /**
   * Takes the lease for `ttlMillis` when it is free, expired or already held
   * by `owner` (a renewal). Succeeds with `true` when `owner` holds it after.
   */
  readonly acquire: (
    automation: string,
    owner: string,
    ttlMillis: number
  ) => Effect.Effect<boolean, InvalidAutomationKey | StorageError>
  /** Gives the lease up if `owner` holds it. */
  readonly release: (automation: string, owner: string) => Effect.Effect<void, StorageError>
  /** The current lease, expired or not. */
  readonly lease: (automation: string) => Effect.Effect<Option.Option<Lease>, StorageError>
  /** The automation's checkpoint. */
  readonly checkpoint: (automation: string) => Effect.Effect<Option.Option<SequencePosition.SequencePosition>, StorageError>
  /**
   * Moves the checkpoint (fenced by the lease) and optionally parks an event,
   * atomically. Succeeds without writing when the checkpoint already is the
   * new one (an earlier attempt whose outcome was unknown did it).
   */
  readonly advance: (automation: string, advance: Advance) => Effect.Effect<void, AdvanceError>
  /** The parked events, by position (read page by page on FoundationDB, each page one transaction). */
  readonly deadLetters: (automation: string) => Effect.Effect<ReadonlyArray<DeadLetter>, StorageError>
  /** Stores (or replaces) a dead letter outside of a checkpoint move (after a failed retry). */
  readonly putDeadLetter: (deadLetter: DeadLetter) => Effect.Effect<void, InvalidAutomationKey | StorageError>
  /** Removes a dead letter; `true` when it existed. */
  readonly removeDeadLetter: (
    automation: string,
    position: SequencePosition.SequencePosition
  ) => Effect.Effect<boolean, StorageError>
}

/**
 * The automation store service.
 *
 * @category services
 * @since 0.1.0
 */
export class AutomationStore extends Context.Service<AutomationStore, AutomationStoreShape>()(
  "fairway/AutomationStore"
) {}

/**
 * Checks an automation name, owner and lease duration.
 *
 * @category validation
 * @since 0.1.0
 */
export const validate = (automation: string, owner?: string, ttlMillis?: number): InvalidAutomationKey | undefined => {
  if (typeof automation !== "string" || automation.length === 0 || automation.length > 256) {
    return new InvalidAutomationKey({ reason: "an automation name must be a string of 1 to 256 characters" })
  }
  if (owner !== undefined && (typeof owner !== "string" || owner.length === 0 || owner.length > 256)) {
    return new InvalidAutomationKey({ reason: "a lease owner must be a string of 1 to 256 characters" })
  }
  if (ttlMillis !== undefined && (!Number.isFinite(ttlMillis) || ttlMillis <= 0)) {
    return new InvalidAutomationKey({ reason: `a lease duration must be positive, got ${ttlMillis}` })
  }
  // a lone surrogate becomes U+FFFD in FoundationDB's keys and values: names would collide, owners lose their lease
  if (!KeyRange.isWellFormed(automation)) {
    return new InvalidAutomationKey({ reason: "an automation name is not well-formed UTF-16 (a lone surrogate)" })
  }
  if (owner !== undefined && !KeyRange.isWellFormed(owner)) {
    return new InvalidAutomationKey({ reason: "a lease owner is not well-formed UTF-16 (a lone surrogate)" })
  }
  return undefined
}

/**
 * Whether `lease` lets `owner` write at time `now`.
 *
 * @category predicates
 * @since 0.1.0
 */
export const holds = (lease: Option.Option<Lease>, owner: string, now: number): boolean =>
  Option.isSome(lease) && lease.value.owner === owner && lease.value.expiresAt > now

// -----------------------------------------------------------------------------
// Memory
// -----------------------------------------------------------------------------

interface MemoryAutomation {
  lease: Option.Option<Lease>
  checkpoint: Option.Option<SequencePosition.SequencePosition>
  readonly deadLetters: Map<bigint, DeadLetter>
}

/**
 * Makes an in-memory automation store (each operation one synchronous step).
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory: Effect.Effect<AutomationStoreShape> = Effect.sync(() => {
  const automations = new Map<string, MemoryAutomation>()
  const entry = (name: string): MemoryAutomation => {
    let a = automations.get(name)
    if (a === undefined) {
      a = { lease: Option.none(), checkpoint: Option.none(), deadLetters: new Map() }
      automations.set(name, a)
    }
    return a
  }
  return AutomationStore.of({
    acquire: (automation, owner, ttlMillis) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const error = validate(automation, owner, ttlMillis)
        if (error !== undefined) return Effect.fail(error)
        const a = entry(automation)
        const lease = a.lease
        if (Option.isSome(lease) && lease.value.owner !== owner && lease.value.expiresAt > now) return Effect.succeed(false)
        a.lease = Option.some({ owner, expiresAt: now + ttlMillis })
        return Effect.succeed(true)
      }),
    release: (automation, owner) =>
      Effect.sync(() => {
        const a = automations.get(automation)
        if (a !== undefined && Option.isSome(a.lease) && a.lease.value.owner === owner) a.lease = Option.none()
      }),
    lease: (automation) => Effect.sync(() => automations.get(automation)?.lease ?? Option.none()),
    checkpoint: (automation) => Effect.sync(() => automations.get(automation)?.checkpoint ?? Option.none()),
    advance: (automation, advance) =>
      Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<void, AdvanceError> => {
        const error = validate(automation, advance.owner)
        if (error !== undefined) return Effect.fail(error)
        const a = entry(automation)
        if (!holds(a.lease, advance.owner, now)) return Effect.fail(new LeaseLost({ automation, owner: advance.owner }))
        if (Checkpoint.equals(a.checkpoint, Option.some(advance.checkpoint))) return Effect.void
        if (!Checkpoint.equals(a.checkpoint, advance.expected)) {
          return Effect.fail(Checkpoint.moved(`automation ${automation}`, advance.expected, a.checkpoint))
        }
        a.checkpoint = Option.some(advance.checkpoint)
        if (advance.deadLetter !== undefined) a.deadLetters.set(advance.deadLetter.position, bounded(advance.deadLetter))
        return Effect.void
      }),
    deadLetters: (automation) =>
      Effect.sync(() =>
        [...(automations.get(automation)?.deadLetters.values() ?? [])].sort((x, y) =>
          x.position < y.position ? -1 : x.position > y.position ? 1 : 0
        )
      ),
    putDeadLetter: (deadLetter) =>
      Effect.suspend(() => {
        const error = validate(deadLetter.automation)
        if (error !== undefined) return Effect.fail(error)
        entry(deadLetter.automation).deadLetters.set(deadLetter.position, bounded(deadLetter))
        return Effect.void
      }),
    removeDeadLetter: (automation, position) =>
      Effect.sync(() => automations.get(automation)?.deadLetters.delete(position) ?? false)
  })
})

/**
 * The in-memory {@link AutomationStore}.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<AutomationStore> = Layer.effect(AutomationStore, makeMemory)
