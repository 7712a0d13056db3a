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
 * {@link ViewStoreShape.activate} switches it and deletes every other version's
 * keyspace, so bumping a view's version rebuilds it from scratch without a
 * migration.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { StorageError } from "../Dcb/EventStore.ts"
import type * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as Checkpoint from "./Checkpoint.ts"

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
}

/**
 * Options of {@link ViewStoreShape.list}.
 *
 * @category models
 * @since 0.1.0
 */
export interface ListOptions {
  /** Only keys strictly after this one (for paging). */
  readonly after?: string | undefined
  /** At most this many entries. */
  readonly limit?: number | undefined
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
 * A view name or key that cannot be stored (empty, or a version that is not a
 * non-negative integer).
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
export type CommitError = Checkpoint.CheckpointMoved | ViewSuperseded | InvalidViewKey | StorageError

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
  /** Makes `version` the active one and deletes every other version of the view. */
  readonly activate: (view: string, version: number) => Effect.Effect<void, InvalidViewKey | StorageError>
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
  /** Stored states in key order. */
  readonly list: (
    view: string,
    version: number,
    options?: ListOptions
  ) => Effect.Effect<ReadonlyArray<readonly [string, Uint8Array]>, StorageError>
  /** Deletes one version's states and checkpoint. */
  readonly clear: (view: string, version: number) => Effect.Effect<void, StorageError>
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
  if (!Number.isSafeInteger(version) || version < 0) {
    return new InvalidViewKey({ reason: `a view version must be a non-negative integer, got ${version}` })
  }
  for (const key of keys) {
    if (typeof key !== "string" || key.length === 0) return new InvalidViewKey({ reason: "a view state key must be a non-empty string" })
    if (key.length > 1024) return new InvalidViewKey({ reason: "a view state key is at most 1024 characters" })
  }
  return undefined
}

// -----------------------------------------------------------------------------
// Memory
// -----------------------------------------------------------------------------

interface MemoryVersion {
  checkpoint: Option.Option<SequencePosition.SequencePosition>
  readonly states: Map<string, Uint8Array>
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
      v = { checkpoint: Option.none(), states: new Map() }
      byVersion.set(version, v)
    }
    return v
  }
  return ViewStore.of({
    activeVersion: (view) => Effect.sync(() => Option.fromNullishOr(active.get(view))),
    activate: (view, version) =>
      Effect.suspend(() => {
        const error = validate(view, version)
        if (error !== undefined) return Effect.fail(error)
        active.set(view, version)
        const byVersion = versions.get(view)
        if (byVersion !== undefined) for (const v of [...byVersion.keys()]) if (v !== version) byVersion.delete(v)
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
        const read = new Map<string, Uint8Array>()
        for (const key of commit.keys) {
          const state = v.states.get(key)
          if (state !== undefined) read.set(key, state)
        }
        let next: ReadonlyMap<string, Uint8Array | null>
        try {
          next = commit.update(read)
        } catch (cause) {
          return Effect.die(cause)
        }
        for (const [key, state] of next) {
          if (state === null) v.states.delete(key)
          else v.states.set(key, state)
        }
        v.checkpoint = Option.some(commit.checkpoint)
        return Effect.void
      }),
    get: (view, version, key) => Effect.sync(() => Option.fromNullishOr(slot(view, version, false)?.states.get(key))),
    list: (view, version, options) =>
      Effect.sync(() => {
        const v = slot(view, version, false)
        if (v === undefined) return []
        const keys = [...v.states.keys()].sort()
        const out: Array<readonly [string, Uint8Array]> = []
        for (const key of keys) {
          if (options?.after !== undefined && key <= options.after) continue
          if (options?.limit !== undefined && out.length >= options.limit) break
          out.push([key, v.states.get(key)!])
        }
        return out
      }),
    clear: (view, version) =>
      Effect.sync(() => {
        versions.get(view)?.delete(version)
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
