/**
 * Views and automations at FoundationDB's limits, on the memory stores and on
 * the FoundationDB stores over the simulator with the realistic cost profile
 * (the limits are the same everywhere, so a unit test on memory fails the way
 * production would):
 * - activation moves the active version only forward, in one transaction, and
 *   keeps newer versions; the loser of a race gets `ViewSuperseded`;
 * - a state over 100,000 bytes is a `ViewStateTooLarge` naming view and key; a
 *   commit over 10,000,000 bytes a `ViewCommitTooLarge`; nothing written;
 * - a dead letter's error text is bounded, so parking never fails on it;
 * - dead letters are read page by page.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option } from "effect"
import type * as SequencePosition from "fairway/Dcb/SequencePosition"
import * as AutomationStoreFdb from "fairway/Fdb/AutomationStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as ViewStoreFdb from "fairway/Fdb/ViewStoreFdb"
import * as AutomationStore from "fairway/Module/AutomationStore"
import * as ViewStore from "fairway/Module/ViewStore"

type Stores = ViewStore.ViewStore | AutomationStore.AutomationStore

const backends: Array<[string, (seed?: number, faults?: boolean) => Layer.Layer<Stores>]> = [
  ["memory", () => Layer.mergeAll(ViewStore.layerMemory, AutomationStore.layerMemory)],
  [
    "fdb simulator (realistic costs)",
    (seed = 1, faults = false) =>
      Layer.mergeAll(ViewStoreFdb.layer(), AutomationStoreFdb.layer()).pipe(
        Layer.provide(FdbDatabase.layerSimulated({ seed, faults, costs: "realistic" }))
      )
  ]
]

const position = (n: number) => BigInt(n) as SequencePosition.SequencePosition
const bytes = (n: number) => new Uint8Array(n).fill(7)

/** Commits `states` to a view version, after checkpoint n - 1 (or none), at checkpoint n. */
const put = (view: string, version: number, n: number, states: Record<string, Uint8Array>) =>
  Effect.flatMap(ViewStore.ViewStore, (store) =>
    store.commit(view, version, {
      expected: n === 1 ? Option.none() : Option.some(position(n - 1)),
      checkpoint: position(n),
      keys: Object.keys(states),
      update: () => new Map(Object.entries(states))
    }))

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  return reason?._tag === "Fail" ? reason.error : undefined
}

for (const [name, layer] of backends) {
  describe(`view and automation stores at the limits (${name})`, () => {
    it.effect("activation never moves back: 2 then 1 leaves 2 active with its states; 1 then 2 clears only 1", () =>
      Effect.gen(function* () {
        const store = yield* ViewStore.ViewStore
        yield* put("V", 1, 1, { a: bytes(1) })
        yield* put("V", 2, 1, { a: bytes(2) })
        yield* put("V", 3, 1, { a: bytes(3) })
        // two processes caught up versions 1 and 2; 2 activates first
        yield* store.activate("V", 2)
        const loser = failureOf(yield* Effect.exit(store.activate("V", 1)))
        expect(loser).toMatchObject({ _tag: "ViewSuperseded", view: "V", version: 1, activeVersion: 2 })
        expect(yield* store.activeVersion("V")).toEqual(Option.some(2))
        expect(yield* store.get("V", 2, "a")).toEqual(Option.some(bytes(2)))
        // version 1 is gone (older), version 3 (newer, being built) is kept
        expect(yield* store.get("V", 1, "a")).toEqual(Option.none())
        expect(yield* store.get("V", 3, "a")).toEqual(Option.some(bytes(3)))
        expect(yield* store.checkpoint("V", 3)).toEqual(Option.some(position(1)))
        yield* store.activate("V", 3)
        expect(yield* store.activeVersion("V")).toEqual(Option.some(3))
        expect(yield* store.get("V", 2, "a")).toEqual(Option.none())
      }).pipe(Effect.provide(layer())))

    it.effect("a state over 100,000 bytes is ViewStateTooLarge (view, key, bytes, limit); nothing written", () =>
      Effect.gen(function* () {
        const store = yield* ViewStore.ViewStore
        yield* put("S", 1, 1, { small: bytes(10) })
        const error = failureOf(yield* Effect.exit(put("S", 1, 2, { small: bytes(20), big: bytes(100_001) })))
        expect(error).toMatchObject({ _tag: "ViewStateTooLarge", view: "S", key: "big", bytes: 100_001, limit: 100_000 })
        expect(yield* store.checkpoint("S", 1)).toEqual(Option.some(position(1)))
        expect(yield* store.get("S", 1, "small")).toEqual(Option.some(bytes(10)))
        expect(yield* store.get("S", 1, "big")).toEqual(Option.none())
        // exactly at the limit is fine
        yield* put("S", 1, 2, { big: bytes(100_000) })
      }).pipe(Effect.provide(layer())))

    it.effect("a commit over 10,000,000 bytes as FoundationDB counts it is ViewCommitTooLarge; nothing written", () =>
      Effect.gen(function* () {
        const store = yield* ViewStore.ViewStore
        const states: Record<string, Uint8Array> = {}
        for (let i = 0; i < 101; i++) states[`k${i}`] = bytes(99_000)
        const error = failureOf(yield* Effect.exit(put("C", 1, 1, states)))
        expect(error).toMatchObject({ _tag: "ViewCommitTooLarge", view: "C", version: 1, limit: 10_000_000 })
        expect((error as ViewStore.ViewCommitTooLarge).bytes).toBeGreaterThan(10_000_000)
        expect(yield* store.checkpoint("C", 1)).toEqual(Option.none())
        expect(yield* store.list("C", 1)).toEqual([])
        // 100 of them fit
        delete states["k100"]
        yield* put("C", 1, 1, states)
        expect((yield* store.list("C", 1)).length).toBe(100)
      }).pipe(Effect.provide(layer())))

    it.effect("a dead letter with a 150 KB error is parked with its error bounded; dead letters page", () =>
      Effect.gen(function* () {
        const store = yield* AutomationStore.AutomationStore
        const huge = "boom ".repeat(30_000)
        yield* store.putDeadLetter({
          automation: "A",
          position: position(1),
          eventType: "T",
          attempts: 3,
          error: huge,
          failedAt: 0
        })
        yield* store.acquire("A", "me", 60_000)
        yield* store.advance("A", {
          owner: "me",
          expected: Option.none(),
          checkpoint: position(2),
          deadLetter: { automation: "A", position: position(2), eventType: "T", attempts: 3, error: huge, failedAt: 0 }
        })
        const letters = yield* store.deadLetters("A")
        expect(letters.map((l) => l.position)).toEqual([position(1), position(2)])
        for (const letter of letters) {
          expect(letter.error.length).toBeLessThanOrEqual(AutomationStore.maxErrorTextLength)
          expect(letter.error.startsWith("boom boom")).toBe(true)
          expect(letter.error).toContain("characters cut")
        }
        // many letters come back whole and in order (on FoundationDB, over several transactions)
        for (let i = 3; i <= 260; i++) {
          yield* store.putDeadLetter({ automation: "A", position: position(i), eventType: "T", attempts: 1, error: "e", failedAt: 0 })
        }
        const all = yield* store.deadLetters("A")
        expect(all.map((l) => Number(l.position))).toEqual(Array.from({ length: 260 }, (_, i) => i + 1))
      }).pipe(Effect.provide(layer())))
  })
}

describe("view activation races on the simulator", () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it.effect(`two processes catching up versions 1 and 2 end with 2 active and its states kept (seed ${seed})`, () =>
      Effect.gen(function* () {
        const store = yield* ViewStore.ViewStore
        yield* put("R", 1, 1, { a: bytes(1) })
        yield* put("R", 2, 1, { a: bytes(2) })
        // each process: check the active version, then activate its own if it is newer (as View.catchUp does)
        const process = (version: number) =>
          Effect.gen(function* () {
            const active = yield* store.activeVersion("R")
            if (Option.isNone(active) || active.value < version) yield* store.activate("R", version)
          }).pipe(Effect.exit)
        const [one, two] = yield* Effect.all([process(1), process(2)], { concurrency: "unbounded" })
        expect(Exit.isSuccess(two)).toBe(true)
        if (Exit.isFailure(one)) expect(failureOf(one)).toMatchObject({ _tag: "ViewSuperseded" })
        expect(yield* store.activeVersion("R")).toEqual(Option.some(2))
        expect(yield* store.get("R", 2, "a")).toEqual(Option.some(bytes(2)))
      }).pipe(Effect.provide(backends[1]![1](seed, true))))
  }
})

describe("view lists on FoundationDB are paged by bytes", () => {
  it.effect("a list of 30 states of 90 KB reads about 1 MB per transaction, every state in order, both ways", () =>
    Effect.gen(function* () {
      const sim = FdbSimulator.make({ costs: "realistic" })
      const store = yield* ViewStoreFdb.make().pipe(
        Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(sim.database))
      )
      const states: Record<string, Uint8Array> = {}
      for (let i = 0; i < 30; i++) states[`k${String(i).padStart(2, "0")}`] = bytes(90_000)
      yield* store.commit("L", 1, {
        expected: Option.none(),
        checkpoint: position(1),
        keys: Object.keys(states),
        update: () => new Map(Object.entries(states))
      })
      yield* sim.control.resetStats
      const listed = yield* store.list("L", 1)
      expect(listed.map(([key]) => key)).toEqual(Object.keys(states))
      expect((yield* sim.control.stats).transactions).toBeGreaterThanOrEqual(3)
      const back = yield* store.list("L", 1, { backwards: true })
      expect(back.map(([key]) => key)).toEqual(Object.keys(states).reverse())
    }))
})

