/**
 * Review of issue 11 (FoundationDB at the limits): defects found in review,
 * each shown failing before its fix.
 *
 * - The simulator let a commit interrupted in flight land although the client
 *   would never have sent it: a transaction over 10,000,000 bytes (the client
 *   refuses it with 2101 before sending anything), or a read-only one (the
 *   client sends nothing, there is no commit version).
 * - `ViewStoreFdb.deadLetters` read every dead letter of a view version in one
 *   transaction: past a few thousand letters it could never finish in 5 s
 *   (1007, retried until the retry limit), where the automation store pages.
 * - Automation names and lease owners with lone surrogates were accepted: on
 *   FoundationDB they are stored as U+FFFD, so an owner lost its own lease and
 *   two names collided, while the memory store kept them apart.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Option } from "effect"
import type * as SequencePosition from "fairway/Dcb/SequencePosition"
import * as AutomationStoreFdb from "fairway/Fdb/AutomationStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as KeyLayout from "fairway/Fdb/KeyLayout"
import * as TransactionSize from "fairway/Fdb/TransactionSize"
import * as Tuple from "fairway/Fdb/Tuple"
import * as ViewStoreFdb from "fairway/Fdb/ViewStoreFdb"
import * as AutomationStore from "fairway/Module/AutomationStore"
import * as ViewStore from "fairway/Module/ViewStore"

const k = (s: string) => Tuple.pack(["review11", s])
const position = (n: number) => BigInt(n) as SequencePosition.SequencePosition

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  return reason?._tag === "Fail" ? reason.error : undefined
}

describe("simulator: an interrupted commit lands only if the client would have sent it", () => {
  it.effect("a transaction over 10,000,000 bytes interrupted while committing never lands", () =>
    Effect.gen(function* () {
      let interrupted = 0
      for (let seed = 1; seed <= 10; seed++) {
        const { control, database: db } = FdbSimulator.make({ seed, faults: { delay: 1, maxDelayYields: 40 } })
        // 106 values of 95,000 bytes: over the limit as FoundationDB counts it (2101 at commit)
        const body = (tn: FdbDatabase.Transaction) =>
          Effect.forEach(
            Array.from({ length: 106 }, (_, i) => i),
            (i) => tn.set(k(`big-${i}`), new Uint8Array(95_000)),
            { discard: true }
          )
        // uninterrupted, it fails with 2101
        const refused = yield* Effect.exit(db.transact(body))
        expect(failureOf(refused)).toMatchObject({ _tag: "FdbError", code: 2101 })
        const fiber = yield* Effect.forkChild(db.transact(body), { startImmediately: true })
        for (let i = 0; i < 3; i++) yield* Effect.yieldNow
        yield* Fiber.interrupt(fiber)
        yield* control.settle
        interrupted++
        expect((yield* control.dump).length).toBe(0)
        expect((yield* control.stats).commits).toBe(0)
      }
      expect(interrupted).toBe(10)
    }))

  it.effect("a read-only transaction interrupted while committing gets no commit version", () =>
    Effect.gen(function* () {
      for (let seed = 1; seed <= 10; seed++) {
        const { control, database: db } = FdbSimulator.make({ seed, faults: { delay: 1, maxDelayYields: 40 } })
        const fiber = yield* Effect.forkChild(db.transact((tn) => tn.get(k("a"))), { startImmediately: true })
        for (let i = 0; i < 3; i++) yield* Effect.yieldNow
        yield* Fiber.interrupt(fiber)
        yield* control.settle
        expect(yield* control.version).toBe(0)
        expect((yield* control.stats).commits).toBe(0)
      }
    }))
})

describe("ViewStoreFdb.deadLetters pages across transactions", () => {
  // a cluster whose storage servers take 1 ms per key returned: 6,000 keys in one transaction take 6 s
  const slowKeys: FdbSimulator.CostProfile = { ...FdbSimulator.freeCosts, name: "slow keys", perKey: 1 }

  it.effect("6,000 dead letters of one view version are all listed, in order", () =>
    Effect.gen(function* () {
      const store = yield* ViewStoreFdb.make({ retryLimit: 3 })
      const count = 6_000
      yield* store.commit("V", 1, {
        expected: Option.none(),
        checkpoint: position(count),
        keys: [],
        update: () => new Map(),
        deadLetters: Array.from({ length: count }, (_, i) => ({
          view: "V",
          position: position(i + 1),
          eventType: "T",
          attempts: 1,
          error: "e",
          failedAt: 0
        }))
      })
      const letters = yield* store.deadLetters("V", 1)
      expect(letters.length).toBe(count)
      expect(letters.map((l) => Number(l.position))).toEqual(Array.from({ length: count }, (_, i) => i + 1))
    }).pipe(Effect.provide(FdbDatabase.layerSimulated({ costs: slowKeys }))))
})

type StoreLayer = Layer.Layer<AutomationStore.AutomationStore>

const automationBackends: Array<[string, () => StoreLayer]> = [
  ["memory", () => AutomationStore.layerMemory],
  ["fdb simulator", () => AutomationStoreFdb.layer().pipe(Layer.provide(FdbDatabase.layerSimulated()))]
]

for (const [name, layer] of automationBackends) {
  describe(`automation names and owners must be well-formed UTF-16 (${name})`, () => {
    it.effect("a lone surrogate in a name or an owner is a typed error, nothing written", () =>
      Effect.gen(function* () {
        const store = yield* AutomationStore.AutomationStore
        const badOwner = yield* Effect.exit(store.acquire("A", "owner-\uD800", 60_000))
        expect(failureOf(badOwner)).toMatchObject({ _tag: "InvalidAutomationKey" })
        expect(yield* store.lease("A")).toEqual(Option.none())
        const badName = yield* Effect.exit(store.acquire("A-\uDC00", "me", 60_000))
        expect(failureOf(badName)).toMatchObject({ _tag: "InvalidAutomationKey" })
        const badAdvance = yield* Effect.exit(
          store.advance("A-\uD800", { owner: "me", expected: Option.none(), checkpoint: position(1) })
        )
        expect(failureOf(badAdvance)).toMatchObject({ _tag: "InvalidAutomationKey" })
        // the well-formed twin (what FoundationDB would have stored) is untouched and usable
        expect(yield* store.acquire("A-\uFFFD", "me", 60_000)).toBe(true)
        expect(yield* store.checkpoint("A-\uFFFD")).toEqual(Option.none())
      }).pipe(Effect.provide(layer())))
  })
}

describe("simulator: outstanding watches are bounded as on a cluster", () => {
  // FoundationDB's client allows 10,000 outstanding watches per database (the `max_watches` option's
  // default); past it a watch fails with too_many_watches (1032)
  it.live("the 10,001st outstanding watch fails with 1032; a cancelled or fired watch frees its place", () =>
    Effect.gen(function* () {
      const { database: db } = FdbSimulator.make()
      const watchOn = (key: string) => db.transact((tn) => tn.watch(k(key)))
      const pending = (watch: FdbDatabase.Watch) =>
        Effect.map(Effect.timeoutOption(Effect.exit(watch.changed), "20 millis"), Option.isNone)
      const first: Array<FdbDatabase.Watch> = []
      for (let i = 0; i < 10_000; i++) first.push(yield* watchOn(i % 2 === 0 ? "even" : "odd"))
      expect(yield* pending(first[0]!)).toBe(true)
      const over = yield* watchOn("even")
      const exit = yield* Effect.timeoutOption(Effect.exit(over.changed), "20 millis")
      expect(Option.isSome(exit) ? failureOf(exit.value) : "still pending").toMatchObject({ _tag: "FdbError", code: 1032 })
      // one cancelled: room for one more
      yield* first[1]!.cancel
      const next = yield* watchOn("other")
      expect(yield* pending(next)).toBe(true)
      // the 5,000 watches on "even" fire: room for 5,000 more
      yield* db.transact((tn) => tn.set(k("even"), Uint8Array.of(1)))
      yield* first[0]!.changed
      const again = yield* watchOn("again")
      expect(yield* pending(again)).toBe(true)
    }), 60_000)
})

describe("retryDeadLetter's budget counts what the retry writes", () => {
  // a retry reads the active version and the letter, writes its states and clears the letter: its count
  // as FoundationDB's client makes it, which the store must check before committing (not the count of a
  // commit, which reads and sets the checkpoint instead)
  const view = "V"
  const version = 1
  const layout = KeyLayout.make()
  const stateKeyBytes = (key: string) => Tuple.concat(layout.view(view, version), Tuple.pack([key])).length
  const letterKeyBytes = Tuple.concat(layout.prefix, Tuple.pack(["vd", view, version, 1n])).length
  const activeKeyBytes = Tuple.concat(layout.prefix, Tuple.pack(["va", view])).length
  const keys = Array.from({ length: 101 }, (_, i) => `k${String(i).padStart(3, "0")}`)
  /** The state sizes that bring the retry's counted size to exactly `total` bytes. */
  const statesFor = (total: number) => {
    let fixed = TransactionSize.pointRead(activeKeyBytes) + TransactionSize.pointRead(letterKeyBytes) +
      TransactionSize.clear(letterKeyBytes)
    for (const key of keys) {
      const k = stateKeyBytes(key)
      fixed += TransactionSize.pointRead(k) + TransactionSize.set(k, 0)
    }
    const sizes = keys.map(() => 99_000)
    sizes[sizes.length - 1] = total - fixed - 99_000 * (keys.length - 1)
    return new Map(keys.map((key, i) => [key, new Uint8Array(sizes[i]!)] as const))
  }
  const backends: Array<[string, () => Layer.Layer<ViewStore.ViewStore>]> = [
    ["memory", () => ViewStore.layerMemory],
    ["fdb simulator", () => ViewStoreFdb.layer().pipe(Layer.provide(FdbDatabase.layerSimulated()))]
  ]
  for (const [name, layer] of backends) {
    it.effect(`a retry over 10,000,000 bytes is a ViewCommitTooLarge, one at the limit commits (${name})`, () =>
      Effect.gen(function* () {
        const store = yield* ViewStore.ViewStore
        yield* store.commit(view, version, {
          expected: Option.none(),
          checkpoint: position(1),
          keys: [],
          update: () => new Map(),
          deadLetters: [{ view, position: position(1), eventType: "T", attempts: 1, error: "e", failedAt: 0 }]
        })
        const retry = (states: ReadonlyMap<string, Uint8Array>) =>
          Effect.exit(store.retryDeadLetter(view, version, { position: position(1), keys, update: () => states }))
        const over = yield* retry(statesFor(10_000_001))
        expect(failureOf(over)).toMatchObject({ _tag: "ViewCommitTooLarge" })
        expect((yield* store.deadLetters(view, version)).length).toBe(1)
        expect(yield* store.get(view, version, "k000")).toEqual(Option.none())
        const atLimit = yield* retry(statesFor(10_000_000))
        expect(Exit.isSuccess(atLimit) ? atLimit.value : failureOf(atLimit)).toBe(true)
        expect((yield* store.deadLetters(view, version)).length).toBe(0)
      }).pipe(Effect.provide(layer())))
  }
})
