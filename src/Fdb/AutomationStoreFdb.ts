/**
 * The `AutomationStore` on FoundationDB.
 *
 * In the store's key layout (`docs/fdb-layout.md`), under its prefix and the
 * automation's subspace `("a", automation)`:
 *
 * | key (tuple) | value | purpose |
 * | --- | --- | --- |
 * | `("a", automation, "c")` | 12-byte position | checkpoint |
 * | `("a", automation, "l")` | JSON `{ owner, expiresAt }` | lease |
 * | `("a", automation, "d", position₁₂)` | JSON dead letter | parked events, in position order |
 *
 * Taking or renewing the lease reads it (non-snapshot) and writes it in one
 * transaction, so two instances racing for it conflict and only one wins.
 * Moving the checkpoint reads the lease and the checkpoint in the same
 * transaction as it writes: an instance whose lease was taken over cannot
 * move it (fencing), and a retry after `commit_unknown_result` that finds its
 * own checkpoint already stored writes nothing. Lease expiry compares the
 * callers' clocks: keep them within a fraction of the lease duration.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { StorageError } from "../Dcb/EventStore.ts"
import type * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as AutomationStore from "../Module/AutomationStore.ts"
import * as Checkpoint from "../Module/Checkpoint.ts"
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

const LeaseJson = Schema.fromJsonString(AutomationStore.Lease)
const DeadLetterJson = Schema.fromJsonString(Schema.toCodecJson(AutomationStore.DeadLetter))
const encodeLease = Schema.encodeSync(LeaseJson)
const decodeLease = Schema.decodeUnknownSync(LeaseJson)
const encodeDeadLetter = Schema.encodeSync(DeadLetterJson)
const decodeDeadLetter = Schema.decodeUnknownSync(DeadLetterJson)
const encoder = new TextEncoder()
const decoder = new TextDecoder()

const mapFdbError = FdbError.catchAsStorageError("automation store")

/**
 * Dead letters read per transaction by `deadLetters` (each is at most a few
 * KB: its error text is bounded, see `AutomationStore.bounded`).
 *
 * @category constants
 * @since 0.1.0
 */
export const deadLetterPageSize = 100

/**
 * Makes an automation store over the {@link FdbDatabase.FdbDatabase} in context.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  options?: Options
): Effect.Effect<AutomationStore.AutomationStoreShape, never, FdbDatabase.FdbDatabase> =>
  Effect.gen(function* () {
    const db = yield* FdbDatabase.FdbDatabase
    const layout = KeyLayout.make(options?.prefix)
    const tnOptions: FdbDatabase.TransactionOptions = { retryLimit: options?.retryLimit ?? 100 }
    const transact = <A, E>(body: (tn: FdbDatabase.Transaction) => Effect.Effect<A, E>) =>
      mapFdbError(db.transact(body, tnOptions))
    const key = (automation: string, ...items: Array<Tuple.TupleItem>) =>
      Tuple.concat(layout.automation(automation), Tuple.pack(items))
    const deadLetterSpace = (automation: string) => key(automation, "d")
    const deadLetterKey = (automation: string, position: SequencePosition.SequencePosition) =>
      key(automation, "d", KeyLayout.positionToBytes(position))

    const getLease = (tn: FdbDatabase.Transaction, automation: string, snapshot = false) =>
      Effect.map(tn.get(key(automation, "l"), { snapshot }), (bytes) =>
        bytes === undefined ? Option.none<AutomationStore.Lease>() : Option.some(decodeLease(decoder.decode(bytes))))
    const getCheckpoint = (tn: FdbDatabase.Transaction, automation: string, snapshot = false) =>
      KeyLayout.readPosition(tn, key(automation, "c"), snapshot)
    const putDeadLetter = (tn: FdbDatabase.Transaction, letter: AutomationStore.DeadLetter) =>
      tn.set(
        deadLetterKey(letter.automation, letter.position),
        encoder.encode(encodeDeadLetter(AutomationStore.bounded(letter)))
      )

    return AutomationStore.AutomationStore.of({
      acquire: (automation, owner, ttlMillis) =>
        Effect.suspend((): Effect.Effect<boolean, AutomationStore.InvalidAutomationKey | StorageError> => {
          const error = AutomationStore.validate(automation, owner, ttlMillis)
          if (error !== undefined) return Effect.fail(error)
          return Effect.flatMap(Clock.currentTimeMillis, (now) =>
            transact((tn) =>
              Effect.gen(function* () {
                const lease = yield* getLease(tn, automation)
                if (Option.isSome(lease) && lease.value.owner !== owner && lease.value.expiresAt > now) return false
                yield* tn.set(key(automation, "l"), encoder.encode(encodeLease({ owner, expiresAt: now + ttlMillis })))
                return true
              })
            ))
        }),
      release: (automation, owner) =>
        transact((tn) =>
          Effect.gen(function* () {
            const lease = yield* getLease(tn, automation)
            if (Option.isSome(lease) && lease.value.owner === owner) yield* tn.clear(key(automation, "l"))
          })
        ),
      lease: (automation) => transact((tn) => getLease(tn, automation, true)),
      checkpoint: (automation) => transact((tn) => getCheckpoint(tn, automation, true)),
      advance: (automation, advance) =>
        Effect.suspend((): Effect.Effect<void, AutomationStore.AdvanceError> => {
          const error = AutomationStore.validate(automation, advance.owner)
          if (error !== undefined) return Effect.fail(error)
          return Effect.flatMap(Clock.currentTimeMillis, (now) =>
            transact((tn) =>
              Effect.gen(function* () {
                const lease = yield* getLease(tn, automation)
                if (!AutomationStore.holds(lease, advance.owner, now)) {
                  return yield* Effect.fail(new AutomationStore.LeaseLost({ automation, owner: advance.owner }))
                }
                const stored = yield* getCheckpoint(tn, automation)
                if (Checkpoint.equals(stored, Option.some(advance.checkpoint))) return
                if (!Checkpoint.equals(stored, advance.expected)) {
                  return yield* Effect.fail(Checkpoint.moved(`automation ${automation}`, advance.expected, stored))
                }
                yield* tn.set(key(automation, "c"), KeyLayout.positionToBytes(advance.checkpoint))
                if (advance.deadLetter !== undefined) yield* putDeadLetter(tn, advance.deadLetter)
              })
            ))
        }),
      deadLetters: (automation) =>
        Effect.gen(function* () {
          // page by page, one transaction each (a page is at most deadLetterPageSize letters of a few KB)
          let [begin] = Tuple.range(deadLetterSpace(automation))
          const [, end] = Tuple.range(deadLetterSpace(automation))
          const out: Array<AutomationStore.DeadLetter> = []
          for (;;) {
            const from = begin
            const rows = yield* transact((tn) => tn.getRange(from, end, { snapshot: true, limit: deadLetterPageSize }))
            for (const row of rows) out.push(decodeDeadLetter(decoder.decode(row.value)))
            if (rows.length < deadLetterPageSize) return out
            begin = Tuple.keyAfter(rows[rows.length - 1]!.key)
          }
        }),
      putDeadLetter: (letter) =>
        Effect.suspend((): Effect.Effect<void, AutomationStore.InvalidAutomationKey | StorageError> => {
          const error = AutomationStore.validate(letter.automation)
          if (error !== undefined) return Effect.fail(error)
          return transact((tn) => putDeadLetter(tn, letter))
        }),
      removeDeadLetter: (automation, position) =>
        transact((tn) =>
          Effect.gen(function* () {
            const k = deadLetterKey(automation, position)
            const existing = yield* tn.get(k)
            if (existing === undefined) return false
            yield* tn.clear(k)
            return true
          })
        )
    })
  })

/**
 * The {@link AutomationStore.AutomationStore} on FoundationDB, requiring
 * {@link FdbDatabase.FdbDatabase}.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  options?: Options
): Layer.Layer<AutomationStore.AutomationStore, never, FdbDatabase.FdbDatabase> =>
  Layer.effect(AutomationStore.AutomationStore, make(options))
