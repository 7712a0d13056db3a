/**
 * The `ViewStore` service: where views keep their states and checkpoints.
 *
 * A view's states live in a keyspace per view name and version, one entry per
 * state key, with the view's checkpoint beside them. {@link ViewStoreShape.commit}
 * reads the states it updates and the checkpoint, checks the checkpoint is the
 * one the writer started from, and writes the new states and the new
 * checkpoint, all in one atomic step (one FoundationDB transaction in
 * `fairway/Fdb`, one synchronous step in memory): each event is applied to a
 * view exactly once.
 *
 * A view name also has an active version: the one reads are served from.
 * {@link ViewStoreShape.activate} moves it forward (never back) and deletes
 * the older versions' keyspaces, so bumping a view's version rebuilds it from
 * scratch without a migration.
 *
 * Every backend enforces FoundationDB's sizes ({@link limits}): a state over
 * 100,000 bytes is a {@link ViewStateTooLarge}, a commit over 10,000,000
 * bytes (counted as FoundationDB counts a transaction) a
 * {@link ViewCommitTooLarge}; nothing is written.
 *
 * @since 0.1.0
 */
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
import * as Utf8 from "./internal/utf8.ts"

/**
 * One atomic update of a view's keyspace.
 *
 * @category models
 * @since 0.1.0
 */
export interface ViewCommit {
  /** The checkpoint the writer started from; the commit fails if another is stored. */
  readonly expected: Option.Option<SequencePosition.SequencePosition>
  /** The checkpoint to store. */
  readonly checkpoint: SequencePosition.SequencePosition
  /** The state keys the update reads and may write. */
  readonly keys: ReadonlyArray<string>
  /**
   * Computes the new states from the stored ones (absent keys are missing
   * from the map). A key mapped to `null` is deleted. It must be pure: on
   * FoundationDB it runs again when the transaction is retried.
   */
  readonly update: (
    current: ReadonlyMap<string, Uint8Array>
  ) => ReadonlyMap<string, Uint8Array | null>
  /** Events to park, in the same atomic step (their positions are at most `checkpoint`). */
  readonly deadLetters?: ReadonlyArray<DeadLetter> | undefined
}

/**
 * Options of {@link ViewStoreShape.list}: a range of state keys, read in key
 * order (the order of the keys' UTF-8 bytes, i.e. of their code points, on
 * every backend).
 *
 * @category models
 * @since 0.1.0
 */
export interface ListOptions {
  /** Only keys starting with this string. */
  readonly prefix?: string | undefined
  /**
   * Only keys strictly after this one in the direction of the read (paging:
   * pass the last key of the previous page); with `backwards`, strictly
   * before it.
   */
  readonly after?: string | undefined
  /** At most this many entries (a positive integer). */
  readonly limit?: number | undefined
  /** Descending key order (the last keys first). */
  readonly backwards?: boolean | undefined
}

/**
 * An event a view could not apply (its `evolve` failed, it did not decode, a
 * key or a state it produced was refused by the store), parked after the
 * view's retries so that it does not stop the view: the checkpoint moved past
 * it in the same atomic step. Listed by `View.deadLetters`, applied again by
 * `View.retryDeadLetter`.
 *
 * @category models
 * @since 0.1.0
 */
export const DeadLetter = Schema.Struct({
  /** The view's name. */
  view: Schema.String,
  /** The position of the parked event. */
  position: SequencePosition.SequencePosition,
  /** Its type. */
  eventType: Schema.String,
  /** How many times applying it was tried. */
  attempts: Schema.Number,
  /** Why the last try failed. */
  error: Schema.String,
  /** When it was parked (or last retried), epoch milliseconds. */
  failedAt: Schema.Number
})

/**
 * A parked event of a view.
 *
 * @category models
 * @since 0.1.0
 */
export type DeadLetter = typeof DeadLetter.Type

/**
 * A dead letter as every store keeps it: its error text bounded (see
 * `AutomationStore.maxErrorTextLength`), so that parking never fails because
 * an error is large.
 *
 * @category models
 * @since 0.1.0
 */
export const bounded: (letter: DeadLetter) => DeadLetter = ErrorText.boundLetter

/**
 * Applies a parked event again (see {@link ViewStoreShape.retryDeadLetter}).
 *
 * @category models
 * @since 0.1.0
 */
export interface DeadLetterRetry {
  /** The dead letter's position: the retry writes only while it is parked, and removes it. */
  readonly position: SequencePosition.SequencePosition
  /** The state keys the update reads and may write. */
  readonly keys: ReadonlyArray<string>
  /** As {@link ViewCommit.update}. */
  readonly update: (current: ReadonlyMap<string, Uint8Array>) => ReadonlyMap<string, Uint8Array | null>
}

/**
 * A version of a view was written after a newer version became active: the
 * process runs an outdated definition of the view. Nothing was written.
 *
 * @category errors
 * @since 0.1.0
 */
export class ViewSuperseded extends Schema.TaggedError<ViewSuperseded>()("ViewSuperseded", {
  view: Schema.String,
  version: Schema.Number,
  activeVersion: Schema.Number
}) {
  override get message(): string {
    return `view ${this.view} version ${this.version} is superseded by active version ${this.activeVersion}`
  }
}

/**
 * A view name or key that cannot be stored (empty, too long, not well-formed
 * UTF-16, or a version that is not a non-negative integer), or list options
 * that are not valid.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidViewKey extends Schema.TaggedError<InvalidViewKey>()("InvalidViewKey", {
  reason: Schema.String
}) {
  override get message(): string {
    return this.reason
  }
}

/**
 * What a commit may fail with.
 *
 * @category errors
 * @since 0.1.0
 */
export type CommitError =
  | Checkpoint.CheckpointMoved
  | ViewSuperseded
  | InvalidViewKey
  | ViewStateTooLarge
  | ViewCommitTooLarge
  | StorageError

/**
 * The limits every view store enforces (FoundationDB's, so that a view that
 * works in memory works on a cluster): one state is one FoundationDB value,
 * one commit one transaction.
 *
 * @category limits
 * @since 0.1.0
 */
export const limits = {
  /** Largest encoded state, in bytes (FoundationDB's value limit). */
  maxStateBytes: 100_000,
  /**
   * Largest commit, in bytes as FoundationDB counts a transaction (its states, clears, checkpoint, dead
   * letters and the conflict ranges of its reads; see `TransactionSize` in `fairway/Fdb`).
   */
  maxCommitBytes: 10_000_000
} as const

/**
 * One state a commit would write is larger than {@link limits}`.maxStateBytes`:
 * FoundationDB cannot store it. Nothing was written; retrying the same events
 * fails the same way (the module layer parks the event that produced it).
 *
 * @category errors
 * @since 0.1.0
 */
export class ViewStateTooLarge extends Schema.TaggedError<ViewStateTooLarge>()("ViewStateTooLarge", {
  view: Schema.String,
  key: Schema.String,
  bytes: Schema.Number,
  limit: Schema.Number
}) {
  override get message(): string {
    return `view ${this.view}: the state of key "${this.key}" is ${this.bytes} bytes, over the ${this.limit}-byte limit`
  }
}

/**
 * A commit would exceed {@link limits}`.maxCommitBytes`: it cannot be one
 * FoundationDB transaction. Nothing was written; commit fewer events at a time
 * (the module layer applies a batch event by event when it is refused).
 *
 * @category errors
 * @since 0.1.0
 */
export class ViewCommitTooLarge extends Schema.TaggedError<ViewCommitTooLarge>()("ViewCommitTooLarge", {
  view: Schema.String,
  version: Schema.Number,
  bytes: Schema.Number,
  limit: Schema.Number
}) {
  override get message(): string {
    return `view ${this.view}@${this.version}: the commit is ${this.bytes} bytes as FoundationDB counts a transaction, ` +
      `over the ${this.limit}-byte limit`
  }
}

/**
 * Checks the states a commit writes against {@link limits}: the first state
 * over the value limit, or a commit whose counted size is over the
 * transaction limit. `keyBytes` gives a state's key length in bytes, `fixed`
 * the bytes of the commit besides its states (checkpoint, dead letters, reads).
 *
 * @category limits
 * @since 0.1.0
 */
export const checkCommit = (
  view: string,
  version: number,
  keys: ReadonlyArray<string>,
  next: ReadonlyMap<string, Uint8Array | null>,
  keyBytes: (key: string) => number,
  fixed: number
): ViewStateTooLarge | ViewCommitTooLarge | undefined => {
  // FoundationDB's count (NativeAPI getSize): 28 bytes per mutation, 24 per conflict range, plus their keys
  let bytes = fixed
  for (const key of keys) bytes += 24 + 2 * keyBytes(key) + 1 // the read of each key (non-snapshot)
  for (const [key, state] of next) {
    const k = keyBytes(key)
    if (state !== null && state.length > limits.maxStateBytes) {
      return new ViewStateTooLarge({ view, key, bytes: state.length, limit: limits.maxStateBytes })
    }
    bytes += state === null ? 28 + 2 * k + 1 + 24 + 2 * k + 1 : 28 + k + state.length + 24 + 2 * k + 1
  }
  return bytes > limits.maxCommitBytes
    ? new ViewCommitTooLarge({ view, version, bytes, limit: limits.maxCommitBytes })
    : undefined
}

/**
 * The operations of a view store. `view` is a view's name, `version` its
 * version (a non-negative integer).
 *
 * @category models
 * @since 0.1.0
 */
export interface ViewStoreShape {
  /** The version reads are served from, if any version was activated. */
  readonly activeVersion: (view: string) => Effect.Effect<Option.Option<number>, StorageError>
  /**
   * Makes `version` the active one and deletes the older versions of the
   * view, atomically (one transaction on FoundationDB). The active version
   * never moves backwards: when a newer version is already active, nothing
   * changes and it fails with {@link ViewSuperseded}. Newer versions being
   * built are kept.
   */
  readonly activate: (view: string, version: number) => Effect.Effect<void, InvalidViewKey | ViewSuperseded | StorageError>
  /** The checkpoint of one version of a view. */
  readonly checkpoint: (
    view: string,
    version: number
  ) => Effect.Effect<Option.Option<SequencePosition.SequencePosition>, StorageError>
  /**
   * Updates states and the checkpoint atomically (see {@link ViewCommit}).
   * Succeeds without writing when the stored checkpoint already is the new
   * one (the same events were applied by an earlier attempt whose outcome was
   * unknown, or by another writer); fails with `CheckpointMoved` when it is
   * neither the expected nor the new one.
   */
  readonly commit: (view: string, version: number, commit: ViewCommit) => Effect.Effect<void, CommitError>
  /** One stored state. */
  readonly get: (view: string, version: number, key: string) => Effect.Effect<Option.Option<Uint8Array>, StorageError>
  /**
   * Stored states in key order (see {@link ListOptions}), served by range
   * reads. On FoundationDB a read of more than a page of entries runs as
   * several transactions, each continuing strictly after the last key of
   * the previous one: no entry is returned twice, and every entry that
   * exists from the start to the end of the read is returned.
   */
  readonly list: (
    view: string,
    version: number,
    options?: ListOptions
  ) => Effect.Effect<ReadonlyArray<readonly [string, Uint8Array]>, InvalidViewKey | StorageError>
  /** Deletes one version's states, checkpoint and dead letters. */
  readonly clear: (view: string, version: number) => Effect.Effect<void, StorageError>
  /** The parked events of one version, by position. */
  readonly deadLetters: (view: string, version: number) => Effect.Effect<ReadonlyArray<DeadLetter>, StorageError>
  /**
   * Replaces a dead letter outside of a commit (after a failed retry), only
   * while its event is parked: when a concurrent retry applied the event and
   * removed the letter, nothing is written (a letter put back would let the
   * event be applied twice).
   */
  readonly putDeadLetter: (
    version: number,
    deadLetter: DeadLetter
  ) => Effect.Effect<void, InvalidViewKey | StorageError>
  /**
   * Applies a parked event to the current states and removes its dead
   * letter, atomically, only while it is parked (so it is applied once):
   * `false`, and nothing written, when no dead letter is at that position.
   * The checkpoint does not move.
   */
  readonly retryDeadLetter: (
    view: string,
    version: number,
    retry: DeadLetterRetry
  ) => Effect.Effect<boolean, Exclude<CommitError, Checkpoint.CheckpointMoved>>
}

/**
 * The view store service.
 *
 * @category services
 * @since 0.1.0
 */
export class ViewStore extends Context.Service<ViewStore, ViewStoreShape>()("fairway/ViewStore") {}

/**
 * Checks a view name, version and keys; every backend runs it before writing.
 *
 * @category validation
 * @since 0.1.0
 */
export const validate = (
  view: string,
  version: number,
  keys: ReadonlyArray<string> = []
): InvalidViewKey | undefined => {
  if (typeof view !== "string" || view.length === 0) return new InvalidViewKey({ reason: "a view name must be a non-empty string" })
  if (view.length > 256) return new InvalidViewKey({ reason: "a view name is at most 256 characters" })
  if (!KeyRange.isWellFormed(view)) return new InvalidViewKey({ reason: "a view name is not well-formed UTF-16 (a lone surrogate)" })
  if (!Number.isSafeInteger(version) || version < 0) {
    return new InvalidViewKey({ reason: `a view version must be a non-negative integer, got ${version}` })
  }
  for (const key of keys) {
    if (typeof key !== "string" || key.length === 0) return new InvalidViewKey({ reason: "a view state key must be a non-empty string" })
    if (key.length > 1024) return new InvalidViewKey({ reason: "a view state key is at most 1024 characters" })
    if (!KeyRange.isWellFormed(key)) {
      return new InvalidViewKey({ reason: "a view state key is not well-formed UTF-16 (a lone surrogate)" })
    }
  }
  return undefined
}

// -----------------------------------------------------------------------------
// Memory
// -----------------------------------------------------------------------------

interface MemoryVersion {
  checkpoint: Option.Option<SequencePosition.SequencePosition>
  readonly states: Map<string, Uint8Array>
  /** The keys of `states`, sorted (range reads). */
  readonly keys: KeyRange.SortedKeys
  readonly deadLetters: Map<bigint, DeadLetter>
}

const encoder = new TextEncoder()

/** Bytes of a string element of a FoundationDB tuple: type code, UTF-8 with each 0x00 escaped, terminator. */
const tupleStringBytes = (s: string): number => 2 + Utf8.byteLength(s) + Utf8.nulCount(s)

/** Bytes of a non-negative integer element of a FoundationDB tuple. */
const tupleIntBytes = (n: number): number => {
  let bytes = 0
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes++
  return 1 + bytes
}

/** The default prefix `("fairway", "default")` of the FoundationDB stores, in bytes. */
const defaultPrefixBytes = tupleStringBytes("fairway") + tupleStringBytes("default")

/** The length of a state's FoundationDB key `prefix + ("v", view, version, key)` under the default prefix. */
const memoryKeyBytes = (view: string, version: number) => {
  const base = defaultPrefixBytes + tupleStringBytes("v") + tupleStringBytes(view) + tupleIntBytes(version)
  return (key: string): number => base + tupleStringBytes(key)
}

/** A commit's bytes besides its states on FoundationDB: the active version and checkpoint reads, the checkpoint set. */
const memoryFixedBytes = (view: string, version: number): number => {
  const checkpoint = defaultPrefixBytes + tupleStringBytes("vc") + tupleStringBytes(view) + tupleIntBytes(version)
  const active = defaultPrefixBytes + tupleStringBytes("va") + tupleStringBytes(view)
  return (24 + 2 * active + 1) + (24 + 2 * checkpoint + 1) + (28 + checkpoint + 12 + 24 + 2 * checkpoint + 1)
}

/**
 * A dead letter retry's bytes besides its states on FoundationDB: the active version and letter reads, the
 * letter's clear (a clear counts its mutation `[key, key + 0x00)` and that write conflict range).
 */
const memoryRetryBytes = (view: string, version: number, position: SequencePosition.SequencePosition): number => {
  const active = defaultPrefixBytes + tupleStringBytes("va") + tupleStringBytes(view)
  let positionBytes = 1
  for (let x = BigInt(position); x > 0n; x >>= 8n) positionBytes++
  const letter = defaultPrefixBytes + tupleStringBytes("vd") + tupleStringBytes(view) + tupleIntBytes(version) + positionBytes
  return (24 + 2 * active + 1) + (24 + 2 * letter + 1) + (28 + 2 * letter + 1 + 24 + 2 * letter + 1)
}

/**
 * Runs an update over the stored states of its keys and writes the result; a defect when the update throws.
 * `fixed`: the bytes besides states and dead letters (default: those of a commit).
 */
const updateStates = (
  v: MemoryVersion,
  view: string,
  version: number,
  change: {
    readonly keys: ReadonlyArray<string>
    readonly update: ViewCommit["update"]
    readonly deadLetters?: ReadonlyArray<DeadLetter> | undefined
  },
  fixedBytes: number = memoryFixedBytes(view, version)
): Effect.Effect<never, ViewStateTooLarge | ViewCommitTooLarge> | undefined => {
  const read = new Map<string, Uint8Array>()
  for (const key of change.keys) {
    const state = v.states.get(key)
    if (state !== undefined) read.set(key, state)
  }
  let next: ReadonlyMap<string, Uint8Array | null>
  try {
    next = change.update(read)
  } catch (cause) {
    return Effect.die(cause)
  }
  // the limits of FoundationDB, with its key sizes under the default prefix: memory fails as production would
  const keyBytes = memoryKeyBytes(view, version)
  let fixed = fixedBytes
  for (const letter of change.deadLetters ?? []) {
    const k = keyBytes("") + 14
    fixed += 28 + k + encoder.encode(JSON.stringify(Schema.encodeSync(Schema.toCodecJson(DeadLetter))(bounded(letter)))).length +
      24 + 2 * k + 1
  }
  const tooLarge = checkCommit(view, version, change.keys, next, keyBytes, fixed)
  if (tooLarge !== undefined) return Effect.fail(tooLarge)
  next.forEach((state, key) => {
    if (state === null) {
      if (v.states.delete(key)) v.keys.delete(key)
    } else {
      const size = v.states.size
      v.states.set(key, state)
      if (v.states.size !== size) v.keys.add(key) // a new key
    }
  })
  return undefined
}

/**
 * Makes an in-memory view store. Each operation is one synchronous step, so a
 * commit is atomic under concurrent fibers.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory: Effect.Effect<ViewStoreShape> = Effect.sync(() => {
  const active = new Map<string, number>()
  const versions = new Map<string, Map<number, MemoryVersion>>()
  const slot = (view: string, version: number, create: boolean): MemoryVersion | undefined => {
    let byVersion = versions.get(view)
    if (byVersion === undefined) {
      if (!create) return undefined
      byVersion = new Map()
      versions.set(view, byVersion)
    }
    let v = byVersion.get(version)
    if (v === undefined && create) {
      v = { checkpoint: Option.none(), states: new Map(), keys: new KeyRange.SortedKeys(), deadLetters: new Map() }
      byVersion.set(version, v)
    }
    return v
  }
  return ViewStore.of({
    activeVersion: (view) => Effect.sync(() => Option.fromNullishOr(active.get(view))),
    activate: (view, version) =>
      Effect.suspend((): Effect.Effect<void, InvalidViewKey | ViewSuperseded> => {
        const error = validate(view, version)
        if (error !== undefined) return Effect.fail(error)
        const current = active.get(view)
        // never backwards: a newer active version wins, and its keyspace is kept
        if (current !== undefined && current > version) {
          return Effect.fail(new ViewSuperseded({ view, version, activeVersion: current }))
        }
        active.set(view, version)
        const byVersion = versions.get(view)
        if (byVersion !== undefined) for (const v of [...byVersion.keys()]) if (v < version) byVersion.delete(v)
        return Effect.void
      }),
    checkpoint: (view, version) =>
      Effect.sync(() => slot(view, version, false)?.checkpoint ?? Option.none()),
    commit: (view, version, commit) =>
      Effect.suspend((): Effect.Effect<void, CommitError> => {
        const error = validate(view, version, commit.keys)
        if (error !== undefined) return Effect.fail(error)
        const current = active.get(view)
        if (current !== undefined && current > version) {
          return Effect.fail(new ViewSuperseded({ view, version, activeVersion: current }))
        }
        const v = slot(view, version, true)!
        // already applied (by this writer's earlier attempt or by another writer): nothing to do
        if (Checkpoint.equals(v.checkpoint, Option.some(commit.checkpoint))) return Effect.void
        if (!Checkpoint.equals(v.checkpoint, commit.expected)) {
          return Effect.fail(Checkpoint.moved(`view ${view}@${version}`, commit.expected, v.checkpoint))
        }
        const failed = updateStates(v, view, version, commit)
        if (failed !== undefined) return failed
        v.checkpoint = Option.some(commit.checkpoint)
        for (const letter of commit.deadLetters ?? []) v.deadLetters.set(letter.position, bounded(letter))
        return Effect.void
      }),
    get: (view, version, key) => Effect.sync(() => Option.fromNullishOr(slot(view, version, false)?.states.get(key))),
    list: (view, version, options) =>
      Effect.suspend(() => {
        const invalid = KeyRange.invalidRange(options)
        if (invalid !== undefined) return Effect.fail(new InvalidViewKey({ reason: invalid }))
        const v = slot(view, version, false)
        if (v === undefined) return Effect.succeed([])
        return Effect.succeed(v.keys.range(options).map((key) => [key, v.states.get(key)!] as const))
      }),
    clear: (view, version) =>
      Effect.sync(() => {
        versions.get(view)?.delete(version)
      }),
    deadLetters: (view, version) =>
      Effect.sync(() =>
        [...(slot(view, version, false)?.deadLetters.values() ?? [])].sort((x, y) =>
          x.position < y.position ? -1 : x.position > y.position ? 1 : 0
        )
      ),
    putDeadLetter: (version, letter) =>
      Effect.suspend(() => {
        const error = validate(letter.view, version)
        if (error !== undefined) return Effect.fail(error)
        const v = slot(letter.view, version, false)
        if (v !== undefined && v.deadLetters.has(letter.position)) v.deadLetters.set(letter.position, bounded(letter))
        return Effect.void
      }),
    retryDeadLetter: (view, version, retry) =>
      Effect.suspend((): Effect.Effect<boolean, Exclude<CommitError, Checkpoint.CheckpointMoved>> => {
        const error = validate(view, version, retry.keys)
        if (error !== undefined) return Effect.fail(error)
        const current = active.get(view)
        if (current !== undefined && current > version) {
          return Effect.fail(new ViewSuperseded({ view, version, activeVersion: current }))
        }
        const v = slot(view, version, false)
        if (v === undefined || !v.deadLetters.has(retry.position)) return Effect.succeed(false)
        const failed = updateStates(v, view, version, retry, memoryRetryBytes(view, version, retry.position))
        if (failed !== undefined) return failed
        v.deadLetters.delete(retry.position)
        return Effect.succeed(true)
      })
  })
})

/**
 * The in-memory {@link ViewStore}.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<ViewStore> = Layer.effect(ViewStore, makeMemory)

export {
  /**
   * Re-exported for backends: the storage failure shared with the event store.
   *
   * @category errors
   * @since 0.1.0
   */
  StorageError
}
