/**
 * What the FoundationDB store adds to the DCB contract, on the simulator:
 * conflict precision of the append condition, exactly-once appends under
 * `commit_unknown_result`, paged reads, FoundationDB limits, the key layout.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option, Stream } from "effect"
import * as AppendCondition from "fairway/Dcb/AppendCondition"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as SequencePosition from "fairway/Dcb/SequencePosition"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as KeyLayout from "fairway/Fdb/KeyLayout"
import { randomEvent, randomItem, rngOf } from "./random.ts"

const storeOn = (db: FdbDatabase.FdbDatabaseShape, options?: EventStoreFdb.Options) =>
  EventStoreFdb.make(options).pipe(Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(db)))

const decoder = new TextDecoder()
const label = (e: Event.SequencedEvent) => decoder.decode(e.data)

/**
 * One case: a store with some events; a conditional append A whose
 * transaction is interleaved (after its condition reads, before its commit)
 * with an unconditional append B. Returns whether B's events match A's
 * condition, whether A failed, and the conflicts the simulator detected.
 */
const interleavedCase = (seed: number, maxTags: number) =>
  Effect.gen(function* () {
    const rng = rngOf(seed)
    const sim = FdbSimulator.make({ seed })
    const plain = yield* storeOn(sim.database)
    // some history
    const history = Array.from({ length: Math.floor(rng() * 4) }, (_, i) => randomEvent(rng, i))
    if (history.length > 0) yield* plain.append(history)
    const condition = Query.fromItems(Array.from({ length: 1 + Math.floor(rng() * 2) }, () => randomItem(rng, maxTags)))
    const after = Option.getOrUndefined(yield* plain.head)
    const bEvents = Array.from({ length: 1 + Math.floor(rng() * 2) }, (_, i) => randomEvent(rng, 100 + i))
    // A's condition must hold before B, or there is nothing to race
    const before = yield* Stream.runCollect(plain.read(condition, after === undefined ? {} : { after }))
    assert.strictEqual(before.length, 0)
    let interleaved = false
    const hooked: FdbDatabase.FdbDatabaseShape = {
      transact: (body, options) =>
        sim.database.transact(
          (tn) =>
            Effect.tap(body(tn), () => {
              if (interleaved) return Effect.void
              interleaved = true
              return Effect.asVoid(Effect.orDie(plain.append(bEvents)))
            }),
          options
        )
    }
    const storeA = yield* storeOn(hooked)
    yield* sim.control.resetStats
    const exit = yield* Effect.exit(
      storeA.append([Event.make("A", ["t1"], "a")], { condition: AppendCondition.make(condition, after) })
    )
    const matches = bEvents.some((e) => Query.matches(condition, e))
    const stats = yield* sim.control.stats
    return { condition, bEvents, matches, failed: Exit.isFailure(exit), exit, conflicts: stats.conflicts }
  })

describe("EventStoreFdb", () => {
  it.effect("conflict iff match: a concurrent append conflicts exactly when one of its events matches the condition (items of up to 2 tags)", () =>
    Effect.gen(function* () {
      let matched = 0
      for (let seed = 1; seed <= 300; seed++) {
        const c = yield* interleavedCase(seed, 2)
        const where = `seed ${seed}: condition ${JSON.stringify(c.condition)}, concurrent ${
          JSON.stringify(c.bEvents.map((e) => [e.type, e.tags]))
        }`
        if (c.matches) matched++
        assert.strictEqual(c.conflicts, c.matches ? 1 : 0, `conflicts, ${where}`)
        assert.strictEqual(c.failed, c.matches, `append failed, ${where}`)
        if (c.failed) {
          const error = Exit.isFailure(c.exit) ? c.exit.cause.reasons[0] : undefined
          assert.strictEqual(error?._tag === "Fail" ? (error.error as { _tag: string })._tag : undefined, "AppendConditionFailed")
        }
      }
      // both outcomes were exercised
      expect(matched).toBeGreaterThan(30)
      expect(matched).toBeLessThan(270)
    }))

  it.effect("items of 3+ tags: never a lost conflict (a false one is possible, by design)", () =>
    Effect.gen(function* () {
      let falseConflicts = 0
      for (let seed = 1; seed <= 200; seed++) {
        const c = yield* interleavedCase(seed, 3)
        const where = `seed ${seed}: condition ${JSON.stringify(c.condition)}`
        if (c.matches) assert.strictEqual(c.conflicts, 1, `lost conflict, ${where}`)
        if (!c.matches && c.conflicts > 0) falseConflicts++
        // the outcome is right either way: a false conflict only costs a retry
        assert.strictEqual(c.failed, c.matches, `append failed, ${where}`)
      }
      expect(falseConflicts).toBeLessThan(200)
    }))

  it.effect("concurrent deciders on disjoint tags never conflict; on one tag they do", () =>
    Effect.gen(function* () {
      const run = (tagOf: (client: number) => string) =>
        Effect.gen(function* () {
          const sim = FdbSimulator.make({ seed: 5, faults: { delay: 0.5 } })
          const store = yield* storeOn(sim.database)
          // each client: 10 decisions, each reading its tag and appending under a condition on it
          yield* Effect.forEach(Array.from({ length: 8 }, (_, i) => i), (client) =>
            Effect.forEach(Array.from({ length: 10 }, (_, i) => i), (i) => {
              const query = Query.fromItems([{ types: ["Booked"], tags: [tagOf(client)] }])
              const decide: Effect.Effect<void, EventStore.AppendError | EventStore.ReadError> = Effect.gen(function* () {
                const seen = yield* Stream.runCollect(store.read(query))
                const after = seen.at(-1)?.position
                yield* store.append([Event.make("Booked", [tagOf(client), `n:${i}`], `${client}/${i}`)], {
                  condition: AppendCondition.make(query, after)
                })
              }).pipe(Effect.catchTag("AppendConditionFailed", () => decide))
              return decide
            }), { concurrency: "unbounded" })
          const all = yield* Stream.runCollect(store.read(Query.all()))
          expect(all.length).toBe(80)
          return yield* sim.control.stats
        })
      const disjoint = yield* run((client) => `course:c${client}`)
      expect(disjoint.conflicts).toBe(0)
      const shared = yield* run(() => "course:shared")
      expect(shared.conflicts).toBeGreaterThan(0)
    }))

  it.effect("exactly once under commit_unknown_result: no duplicate, the caller gets the one position", () =>
    Effect.gen(function* () {
      const sim = FdbSimulator.make({ seed: 21, faults: { commitUnknownResult: 0.5 } })
      const store = yield* storeOn(sim.database)
      const returned: Array<bigint> = []
      const N = 90
      for (let i = 0; i < N; i++) {
        const events = [Event.make("E", [`k:${i % 5}`], `${i}.0`), Event.make("E", [], `${i}.1`)]
        returned.push(yield* store.append(events, i % 2 === 0 ? { appendId: `id-${i}` } : undefined))
      }
      const stats = yield* sim.control.stats
      expect(stats.unknownResultCommitted).toBeGreaterThan(3)
      expect(stats.unknownResultDeferred).toBeGreaterThan(3)
      expect(stats.unknownResultNotCommitted).toBeGreaterThan(3)
      const all = yield* Stream.runCollect(store.read(Query.all()))
      expect(all.map(label)).toEqual(Array.from({ length: N }, (_, i) => [`${i}.0`, `${i}.1`]).flat())
      // each append returned the position of its own last event
      expect(returned).toEqual(all.filter((_, j) => j % 2 === 1).map((e) => e.position))
      // the index agrees: every k:0 event once
      const k0 = yield* Stream.runCollect(store.read(Query.fromItems([{ tags: ["k:0"] }])))
      expect(k0.map(label)).toEqual(Array.from({ length: N / 5 }, (_, i) => `${i * 5}.0`))
      // the markers of appends without id are cleared by later appends
      const markers = (yield* sim.control.dump).filter((kv) =>
        decoder.decode(kv.key).includes("\x02j\x00")
      )
      expect(markers.length).toBeLessThanOrEqual(1)
    }))

  it.effect("reads page across transactions and stream in order: 50,000 events, pages of 500", () =>
    Effect.gen(function* () {
      const sim = FdbSimulator.make({ seed: 1 })
      const store = yield* storeOn(sim.database, { pageSize: 500 })
      const total = 50_000
      for (let b = 0; b < total / 5000; b++) {
        yield* store.append(
          Array.from({ length: 5000 }, (_, i) => {
            const n = b * 5000 + i
            return Event.make(n % 2 === 0 ? "Even" : "Odd", n % 10 === 0 ? ["tenth"] : [], String(n))
          })
        )
      }
      const before = yield* sim.control.stats
      let count = 0
      let last = -1n as bigint
      yield* store.read(Query.all()).pipe(Stream.runForEach((e) =>
        Effect.sync(() => {
          assert.isTrue(e.position > last)
          assert.strictEqual(label(e), String(count))
          last = e.position
          count++
        })
      ))
      expect(count).toBe(total)
      const after = yield* sim.control.stats
      expect(after.readOnlyCommits - before.readOnlyCommits).toBeGreaterThanOrEqual(total / 500) // one transaction per page
      // an index read, two ranges merged, and a backwards limited read
      const tail = yield* Stream.runCollect(
        store.read(Query.fromItems([{ tags: ["tenth"] }, { types: ["Odd"] }]), { after: SequencePosition.make(last - 1n) })
      )
      expect(tail.map(label)).toEqual(["49999"])
      const some = yield* Stream.runCollect(
        store.read(Query.fromItems([{ tags: ["tenth"] }, { types: ["Odd"] }])).pipe(Stream.take(1200))
      )
      expect(some.map((e) => Number(label(e))).slice(0, 6)).toEqual([0, 1, 3, 5, 7, 9])
      expect(some.length).toBe(1200)
      const back = yield* Stream.runCollect(store.read(Query.fromItems([{ tags: ["tenth"] }]), { backwards: true, limit: 3 }))
      expect(back.map(label)).toEqual(["49990", "49980", "49970"])
    }), 60_000)

  it.effect("index keys per event: 2 + 2 × (n + n(n−1)/2) for n distinct tags", () =>
    Effect.gen(function* () {
      const counts: Array<number> = []
      for (let n = 0; n <= 4; n++) {
        const sim = FdbSimulator.make()
        const store = yield* storeOn(sim.database)
        yield* store.append([Event.make("T", Array.from({ length: n }, (_, i) => `tag:${i}`))], { appendId: "x" })
        // minus the head and the append id marker
        counts.push((yield* sim.control.dump).length - 2)
      }
      expect(counts).toEqual([2, 4, 8, 14, 22])
    }))

  it.effect("over FoundationDB's limits: a typed error, nothing written", () =>
    Effect.gen(function* () {
      const sim = FdbSimulator.make()
      const store = yield* storeOn(sim.database)
      // one event under the core limits but over FoundationDB's 100,000-byte value
      const wide = "\u20ac".repeat(200) // 3 UTF-8 bytes per character
      const big = Event.make(
        "Big",
        Array.from({ length: 16 }, (_, i) => `${i}${wide}`.slice(0, 256)),
        new Uint8Array(90_000),
        { note: "\u20ac".repeat(4000) }
      )
      const e1 = yield* Effect.flip(store.append([Event.make("Ok", []), big]))
      expect(e1._tag).toBe("InvalidEvent")
      expect((e1 as EventStore.InvalidEvent).eventIndex).toBe(1)
      // a batch whose index keys exceed the transaction budget
      const many = Array.from({ length: 2000 }, (_, i) =>
        Event.make("Many", Array.from({ length: 16 }, (_, t) => `tag-${t}-${"x".repeat(40)}-${i}`)))
      const e2 = yield* Effect.flip(store.append(many))
      expect(e2._tag).toBe("InvalidAppend")
      expect(e2.message).toContain("FoundationDB")
      expect(yield* sim.control.dump).toEqual([])
      expect((yield* sim.control.stats).commits).toBe(0)
    }))

  it.effect("positions are the 12 versionstamp bytes, increasing with commit order", () =>
    Effect.gen(function* () {
      const sim = FdbSimulator.make()
      const store = yield* storeOn(sim.database)
      const p1 = yield* store.append([Event.make("E", []), Event.make("E", []), Event.make("E", [])])
      const p2 = yield* store.append([Event.make("E", [])])
      expect(p1 & 0xffffn).toBe(2n) // user version of the 3rd event
      expect(p2 > p1).toBe(true)
      const keys = (yield* sim.control.dump).map((kv) => kv.key)
      const layout = KeyLayout.make()
      const log = keys.filter((k) => decoder.decode(k.subarray(0, layout.events.prefix.length)) === decoder.decode(layout.events.prefix))
      expect(log.map((k) => KeyLayout.positionFromBytes(k))).toEqual([p1 - 2n, p1 - 1n, p1, p2])
      expect(yield* store.head).toEqual(Option.some(p2))
    }))

  it.live("subscribe follows appends through the watch on the head key", () =>
    Effect.gen(function* () {
      const sim = FdbSimulator.make()
      const store = yield* storeOn(sim.database)
      yield* store.append([Event.make("E", ["s"], "0")])
      const fiber = yield* store.subscribe(Query.fromItems([{ tags: ["s"] }])).pipe(
        Stream.take(4),
        Stream.runCollect,
        Effect.forkChild({ startImmediately: true })
      )
      for (let i = 1; i <= 3; i++) {
        yield* Effect.yieldNow
        yield* store.append([Event.make("E", ["other"], "x"), Event.make("E", ["s"], String(i))])
      }
      const got = yield* Fiber.join(fiber)
      expect(got.map(label)).toEqual(["0", "1", "2", "3"])
    }))
})
