/**
 * The `ViewStore` on FoundationDB.
 *
 * In the store's key layout (`docs/fdb-layout.md`), under its prefix:
 *
 * | key (tuple) | value | purpose |
 * | --- | --- | --- |
 * | `("v", view, version, key)` | encoded state | one state of a view version |
 * | `("vc", view, version)` | 12-byte position | that version's checkpoint |
 * | `("va", view)` | version (decimal) | the active version, served to reads |
 *
 * A commit is one FoundationDB transaction: it reads the active version, the
 * checkpoint and the states it updates (non-snapshot reads, so a concurrent
 * writer of any of them makes one of the two transactions retry), checks
 * them, and writes the states and the checkpoint. A transaction retried after
 * `commit_unknown_result` finds the new checkpoint already stored and writes
 * nothing: each event is applied exactly once.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { StorageError } from "../Dcb/EventStore.ts"
import * as Checkpoint from "../Module/Checkpoint.ts"
import * as ViewStore from "../Module/ViewStore.ts"
import * as FdbDatabase from "./FdbDatabase.ts"
import * as FdbError from "./FdbError.ts"
import * as KeyLayout from "./KeyLayout.ts"
import * as Tuple from "./Tuple.ts"

/**
 * Options of {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The store's prefix, as for `EventStoreFdb` (default `("fairway", "default")`). */
  readonly prefix?: Uint8Array | string | undefined
  /** Retries of one transaction before a `StorageError` (default 100). */
  readonly retryLimit?: number | undefined
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const mapFdbError = FdbError.catchAsStorageError("view store")

/**
 * Makes a view store over the {@link FdbDatabase.FdbDatabase} in context.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options?: Options): Effect.Effect<ViewStore.ViewStoreShape, never, FdbDatabase.FdbDatabase> =>
  Effect.gen(function* () {
    const db = yield* FdbDatabase.FdbDatabase
    const layout = KeyLayout.make(options?.prefix)
    const tnOptions: FdbDatabase.TransactionOptions = { retryLimit: options?.retryLimit ?? 100 }
    const transact = <A, E>(body: (tn: FdbDatabase.Transaction) => Effect.Effect<A, E>) =>
      mapFdbError(db.transact(body, tnOptions))
    const activeKey = (view: string) => Tuple.concat(layout.prefix, Tuple.pack(["va", view]))
    const viewSpace = (view: string) => Tuple.concat(layout.prefix, Tuple.pack(["v", view]))
    const checkpointSpace = (view: string) => Tuple.concat(layout.prefix, Tuple.pack(["vc", view]))
    const stateKey = (view: string, version: number, key: string) =>
      Tuple.concat(layout.view(view, version), Tuple.pack([key]))

    const getActive = (tn: FdbDatabase.Transaction, view: string, snapshot = false) =>
      Effect.map(tn.get(activeKey(view), { snapshot }), (bytes) =>
        bytes === undefined ? Option.none<number>() : Option.some(Number(decoder.decode(bytes))))
    const getCheckpoint = (tn: FdbDatabase.Transaction, view: string, version: number, snapshot = false) =>
      KeyLayout.readPosition(tn, layout.viewCheckpoint(view, version), snapshot)
    /** clears every version of a view but `keep` (states and checkpoints) */
    const clearOthers = (tn: FdbDatabase.Transaction, view: string, keep: number) =>
      Effect.gen(function* () {
        for (const space of [viewSpace(view), checkpointSpace(view)]) {
          const [begin, end] = Tuple.range(space)
          const keepSpace = Tuple.concat(space, Tuple.pack([keep]))
          yield* tn.clearRange(begin, keepSpace)
          yield* tn.clearRange(Tuple.strinc(keepSpace), end)
        }
      })

    return ViewStore.ViewStore.of({
      activeVersion: (view) => transact((tn) => getActive(tn, view, true)),
      activate: (view, version) =>
        Effect.suspend((): Effect.Effect<void, ViewStore.InvalidViewKey | StorageError> => {
          const error = ViewStore.validate(view, version)
          if (error !== undefined) return Effect.fail(error)
          return transact((tn) =>
            Effect.gen(function* () {
              yield* tn.set(activeKey(view), encoder.encode(String(version)))
              yield* clearOthers(tn, view, version)
            })
          )
        }),
      checkpoint: (view, version) => transact((tn) => getCheckpoint(tn, view, version, true)),
      commit: (view, version, commit) =>
        Effect.suspend((): Effect.Effect<void, ViewStore.CommitError> => {
          const error = ViewStore.validate(view, version, commit.keys)
          if (error !== undefined) return Effect.fail(error)
          return transact((tn) =>
            Effect.gen(function* () {
              const active = yield* getActive(tn, view)
              if (Option.isSome(active) && active.value > version) {
                return yield* Effect.fail(new ViewStore.ViewSuperseded({ view, version, activeVersion: active.value }))
              }
              const stored = yield* getCheckpoint(tn, view, version)
              if (Checkpoint.equals(stored, Option.some(commit.checkpoint))) return
              if (!Checkpoint.equals(stored, commit.expected)) {
                return yield* Effect.fail(Checkpoint.moved(`view ${view}@${version}`, commit.expected, stored))
              }
              const values = yield* Effect.forEach(commit.keys, (key) => tn.get(stateKey(view, version, key)), {
                concurrency: "unbounded"
              })
              const current = new Map<string, Uint8Array>()
              commit.keys.forEach((key, i) => {
                const value = values[i]
                if (value !== undefined) current.set(key, value)
              })
              const next = commit.update(current)
              for (const [key, state] of next) {
                if (state === null) yield* tn.clear(stateKey(view, version, key))
                else yield* tn.set(stateKey(view, version, key), state)
              }
              yield* tn.set(layout.viewCheckpoint(view, version), KeyLayout.positionToBytes(commit.checkpoint))
            })
          )
        }),
      get: (view, version, key) =>
        transact((tn) => Effect.map(tn.get(stateKey(view, version, key), { snapshot: true }), Option.fromNullishOr)),
      list: (view, version, listOptions) =>
        transact((tn) =>
          Effect.gen(function* () {
            const space = layout.view(view, version)
            const [begin, end] = Tuple.range(space)
            const from = listOptions?.after === undefined
              ? begin
              : Tuple.keyAfter(Tuple.concat(space, Tuple.pack([listOptions.after])))
            const limit = listOptions?.limit
            const rows = yield* tn.getRange(from, end, { snapshot: true, ...(limit !== undefined ? { limit } : {}) })
            return rows.map((row) => {
              const items = Tuple.unpack(row.key.subarray(space.length))
              return [String(items[0]), row.value] as const
            })
          })
        ),
      clear: (view, version) =>
        transact((tn) =>
          Effect.gen(function* () {
            const [begin, end] = Tuple.range(layout.view(view, version))
            yield* tn.clearRange(begin, end)
            yield* tn.clear(layout.viewCheckpoint(view, version))
          })
        )
    })
  })

/**
 * The {@link ViewStore.ViewStore} on FoundationDB, requiring
 * {@link FdbDatabase.FdbDatabase}.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: Options): Layer.Layer<ViewStore.ViewStore, never, FdbDatabase.FdbDatabase> =>
  Layer.effect(ViewStore.ViewStore, make(options))
