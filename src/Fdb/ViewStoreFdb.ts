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
 * | `("vd", view, version, position)` | dead letter (JSON) | an event the version parked |
 *
 * A commit is one FoundationDB transaction: it reads the active version, the
 * checkpoint and the states it updates (non-snapshot reads, so a concurrent
 * writer of any of them makes one of the two transactions retry), checks
 * them, and writes the states and the checkpoint. A transaction retried after
 * `commit_unknown_result` finds the new checkpoint already stored and writes
 * nothing: each event is applied exactly once. A commit that parks events
 * writes their dead letters in the same transaction.
 *
 * `list` is a range read over `("v", view, version, prefix…)`, forwards or in
 * reverse, continuing strictly after the last key read; it reads at most
 * {@link listPageSize} states per transaction.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SequencePosition from "../Dcb/SequencePosition.ts"
import { StorageError } from "../Dcb/EventStore.ts"
import * as Checkpoint from "../Module/Checkpoint.ts"
import * as ViewStore from "../Module/ViewStore.ts"
import * as KeyRange from "../Module/internal/keyRange.ts"
import * as FdbDatabase from "./FdbDatabase.ts"
import * as FdbError from "./FdbError.ts"
import * as KeyLayout from "./KeyLayout.ts"
import * as TransactionSize from "./TransactionSize.ts"
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
 * The most states one transaction of `list` reads; a longer list continues
 * in the next transaction, strictly after the last key read.
 *
 * @category constants
 * @since 0.1.0
 */
export const listPageSize = 500

/**
 * The bytes of states one transaction of `list` reads: a page stops after the
 * state that reaches it, and the list continues in the next transaction.
 *
 * @category constants
 * @since 0.1.0
 */
export const listPageBytes = 1_000_000

const DeadLetterJson = Schema.fromJsonString(Schema.toCodecJson(ViewStore.DeadLetter))
const encodeDeadLetter = Schema.encodeSync(DeadLetterJson)
const decodeDeadLetter = Schema.decodeUnknownSync(DeadLetterJson)

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
    const deadLetterSpace = (view: string) => Tuple.concat(layout.prefix, Tuple.pack(["vd", view]))
    const deadLetterKey = (view: string, version: number, position: SequencePosition.SequencePosition) =>
      Tuple.concat(deadLetterSpace(view), Tuple.pack([version, position]))
    /** reads the stored states of `keys` (non-snapshot: a concurrent writer of any makes one transaction retry) */
    const readStates = (tn: FdbDatabase.Transaction, view: string, version: number, keys: ReadonlyArray<string>) =>
      Effect.map(
        Effect.forEach(keys, (key) => tn.get(stateKey(view, version, key)), { concurrency: "unbounded" }),
        (values) => {
          const current = new Map<string, Uint8Array>()
          keys.forEach((key, i) => {
            const value = values[i]
            if (value !== undefined) current.set(key, value)
          })
          return current
        }
      )
    /**
     * Reads the states of `keys`, applies `update`, and writes the result
     * (a `null` clears a state) unless it is over FoundationDB's limits with
     * `fixedBytes` of other mutations and reads in the same transaction.
     */
    const updateStates = (
      tn: FdbDatabase.Transaction,
      view: string,
      version: number,
      keys: ReadonlyArray<string>,
      update: (current: ReadonlyMap<string, Uint8Array>) => ReadonlyMap<string, Uint8Array | null>,
      fixedBytes: number
    ) =>
      Effect.gen(function* () {
        const next = update(yield* readStates(tn, view, version, keys))
        const tooLarge = ViewStore.checkCommit(view, version, keys, next, (key) => stateKey(view, version, key).length, fixedBytes)
        if (tooLarge !== undefined) return yield* Effect.fail(tooLarge)
        yield* Effect.forEach(next, ([key, state]) =>
          state === null ? tn.clear(stateKey(view, version, key)) : tn.set(stateKey(view, version, key), state), {
          discard: true
        })
      })
    const superseded = (tn: FdbDatabase.Transaction, view: string, version: number) =>
      Effect.flatMap(getActive(tn, view), (active) =>
        Option.isSome(active) && active.value > version
          ? Effect.fail(new ViewStore.ViewSuperseded({ view, version, activeVersion: active.value }))
          : Effect.void)
    const stateKey = (view: string, version: number, key: string) =>
      Tuple.concat(layout.view(view, version), Tuple.pack([key]))

    const getActive = (tn: FdbDatabase.Transaction, view: string, snapshot = false) =>
      Effect.map(tn.get(activeKey(view), { snapshot }), (bytes) =>
        bytes === undefined ? Option.none<number>() : Option.some(Number(decoder.decode(bytes))))
    const getCheckpoint = (tn: FdbDatabase.Transaction, view: string, version: number, snapshot = false) =>
      KeyLayout.readPosition(tn, layout.viewCheckpoint(view, version), snapshot)
    /** clears every version of a view but `keep` (states and checkpoints) */
    /** clears every version of a view older than `keep` (states, checkpoints, dead letters); newer ones stay */
    const clearOlder = (tn: FdbDatabase.Transaction, view: string, keep: number) =>
      Effect.gen(function* () {
        for (const space of [viewSpace(view), checkpointSpace(view), deadLetterSpace(view)]) {
          const [begin] = Tuple.range(space)
          // tuple integers sort by value: the versions below `keep` are the keys before its subspace
          yield* tn.clearRange(begin, Tuple.concat(space, Tuple.pack([keep])))
        }
      })
    /** A commit's bytes besides its states, as FoundationDB counts them (see `TransactionSize`). */
    const fixedCommitBytes = (view: string, version: number, letters: ReadonlyArray<Uint8Array>) => {
      const checkpoint = layout.viewCheckpoint(view, version).length
      let bytes = TransactionSize.pointRead(activeKey(view).length) + TransactionSize.pointRead(checkpoint) +
        TransactionSize.set(checkpoint, KeyLayout.stampLength)
      const letterKey = deadLetterKey(view, version, 0n as SequencePosition.SequencePosition).length + 12
      for (const letter of letters) bytes += TransactionSize.set(letterKey, letter.length)
      return bytes
    }

    return ViewStore.ViewStore.of({
      activeVersion: (view) => transact((tn) => getActive(tn, view, true)),
      activate: (view, version) =>
        Effect.suspend((): Effect.Effect<void, ViewStore.InvalidViewKey | ViewStore.ViewSuperseded | StorageError> => {
          const error = ViewStore.validate(view, version)
          if (error !== undefined) return Effect.fail(error)
          // one transaction: the active version is read (non-snapshot) and moved only forward, so two
          // processes activating versions 1 and 2 end with 2 active whatever the order; the loser fails typed
          return transact((tn) =>
            Effect.gen(function* () {
              yield* superseded(tn, view, version)
              yield* tn.set(activeKey(view), encoder.encode(String(version)))
              yield* clearOlder(tn, view, version)
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
              yield* superseded(tn, view, version)
              const stored = yield* getCheckpoint(tn, view, version)
              if (Checkpoint.equals(stored, Option.some(commit.checkpoint))) return
              if (!Checkpoint.equals(stored, commit.expected)) {
                return yield* Effect.fail(Checkpoint.moved(`view ${view}@${version}`, commit.expected, stored))
              }
              const letters = (commit.deadLetters ?? []).map((letter) => encoder.encode(encodeDeadLetter(ViewStore.bounded(letter))))
              yield* updateStates(tn, view, version, commit.keys, commit.update, fixedCommitBytes(view, version, letters))
              yield* tn.set(layout.viewCheckpoint(view, version), KeyLayout.positionToBytes(commit.checkpoint))
              const parked = commit.deadLetters ?? []
              for (let i = 0; i < parked.length; i++) {
                yield* tn.set(deadLetterKey(view, version, parked[i]!.position), letters[i]!)
              }
            })
          )
        }),
      get: (view, version, key) =>
        // a key with a lone surrogate is never stored (it would read the key its UTF-8 form spells, U+FFFD)
        !KeyRange.isWellFormed(key)
          ? Effect.succeed(Option.none())
          : transact((tn) => Effect.map(tn.get(stateKey(view, version, key), { snapshot: true }), Option.fromNullishOr)),
      list: (view, version, listOptions) =>
        Effect.gen(function* () {
          const invalid = KeyRange.invalidRange(listOptions)
          if (invalid !== undefined) return yield* Effect.fail(new ViewStore.InvalidViewKey({ reason: invalid }))
          const space = layout.view(view, version)
          // the keys starting with `prefix`: the packed string without its terminator, and past it
          const packedPrefix = Tuple.concat(space, Tuple.pack([listOptions?.prefix ?? ""]).subarray(0, -1))
          let begin = packedPrefix
          let end = Tuple.strinc(packedPrefix)
          const backwards = listOptions?.backwards === true
          const after = listOptions?.after
          if (after !== undefined) {
            const cursor = stateKey(view, version, after)
            if (backwards) end = Tuple.compare(cursor, end) < 0 ? cursor : end
            else begin = Tuple.compare(Tuple.keyAfter(cursor), begin) > 0 ? Tuple.keyAfter(cursor) : begin
          }
          const limit = listOptions?.limit ?? Infinity
          const out: Array<readonly [string, Uint8Array]> = []
          while (out.length < limit && Tuple.compare(begin, end) < 0) {
            const pageLimit = Math.min(listPageSize, limit - out.length)
            const from = begin
            const to = end
            const rows = yield* transact((tn) =>
              tn.getRange(from, to, { snapshot: true, limit: pageLimit, reverse: backwards, maxBytes: listPageBytes })
            )
            let bytes = 0
            for (const row of rows) {
              out.push([String(Tuple.unpack(row.key.subarray(space.length))[0]), row.value])
              bytes += row.key.length + row.value.length
            }
            // a page ends the list when neither its count nor its bytes cut it short
            if (rows.length < pageLimit && bytes < listPageBytes) break
            if (rows.length === 0) break
            const last = rows[rows.length - 1]!.key
            if (backwards) end = last
            else begin = Tuple.keyAfter(last)
          }
          return out
        }),
      clear: (view, version) =>
        transact((tn) =>
          Effect.gen(function* () {
            const [begin, end] = Tuple.range(layout.view(view, version))
            yield* tn.clearRange(begin, end)
            yield* tn.clear(layout.viewCheckpoint(view, version))
            const [dlBegin, dlEnd] = Tuple.range(Tuple.concat(deadLetterSpace(view), Tuple.pack([version])))
            yield* tn.clearRange(dlBegin, dlEnd)
          })
        ),
      deadLetters: (view, version) =>
        Effect.gen(function* () {
          // page by page, one transaction each (bounded by count and bytes, as `list`)
          let [begin] = Tuple.range(Tuple.concat(deadLetterSpace(view), Tuple.pack([version])))
          const [, end] = Tuple.range(Tuple.concat(deadLetterSpace(view), Tuple.pack([version])))
          const out: Array<ViewStore.DeadLetter> = []
          for (;;) {
            const from = begin
            const rows = yield* transact((tn) =>
              tn.getRange(from, end, { snapshot: true, limit: listPageSize, maxBytes: listPageBytes })
            )
            let bytes = 0
            for (const row of rows) {
              out.push(decodeDeadLetter(decoder.decode(row.value)))
              bytes += row.key.length + row.value.length
            }
            if (rows.length === 0 || (rows.length < listPageSize && bytes < listPageBytes)) return out
            begin = Tuple.keyAfter(rows[rows.length - 1]!.key)
          }
        }),
      putDeadLetter: (version, letter) =>
        Effect.suspend((): Effect.Effect<void, ViewStore.InvalidViewKey | StorageError> => {
          const error = ViewStore.validate(letter.view, version)
          if (error !== undefined) return Effect.fail(error)
          const key = deadLetterKey(letter.view, version, letter.position)
          // only while parked (a non-snapshot read: a concurrent retry removing the letter makes one transaction retry)
          return transact((tn) =>
            Effect.flatMap(tn.get(key), (parked) =>
              parked === undefined ? Effect.void : tn.set(key, encoder.encode(encodeDeadLetter(ViewStore.bounded(letter)))))
          )
        }),
      retryDeadLetter: (view, version, retry) =>
        Effect.suspend((): Effect.Effect<boolean, Exclude<ViewStore.CommitError, Checkpoint.CheckpointMoved>> => {
          const error = ViewStore.validate(view, version, retry.keys)
          if (error !== undefined) return Effect.fail(error)
          return transact((tn) =>
            Effect.gen(function* () {
              yield* superseded(tn, view, version)
              const letterKey = deadLetterKey(view, version, retry.position)
              // a non-snapshot read: a concurrent retry of the same letter makes one of the two transactions retry
              if ((yield* tn.get(letterKey)) === undefined) return false
              // besides its states, a retry reads the active version and the letter, and clears the letter
              const fixed = TransactionSize.pointRead(activeKey(view).length) +
                TransactionSize.pointRead(letterKey.length) + TransactionSize.clear(letterKey.length)
              yield* updateStates(tn, view, version, retry.keys, retry.update, fixed)
              yield* tn.clear(letterKey)
              return true
            })
          )
        })
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
