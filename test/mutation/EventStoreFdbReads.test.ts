/**
 * Reads of the FoundationDB store, in fast focused cases on the simulator:
 * one transaction per page (`pageSize`, and the byte bound of a page of the
 * log), the merge of several index ranges in position order both ways, a
 * `limit` read with no more keys than it needs, and the point reads of a page
 * issued together (virtual time of a cost profile).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as Event from "fairway/Dcb/Event"
import * as Query from "fairway/Dcb/Query"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as Tuple from "fairway/Fdb/Tuple"

const decoder = new TextDecoder()
const labels = (events: Iterable<Event.SequencedEvent>) => Array.from(events, (e) => decoder.decode(e.data))

const setup = (simOptions?: FdbSimulator.SimulatorOptions, options?: EventStoreFdb.Options) =>
  Effect.gen(function*() {
    const sim = FdbSimulator.make(simOptions)
    const store = yield* EventStoreFdb.make(options).pipe(
      Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(sim.database))
    )
    return { sim: sim.control, store }
  })

/** Collects a read, with the transactions it took and their virtual time. */
const measured = <E>(sim: FdbSimulator.FdbSimulatorShape, stream: Stream.Stream<Event.SequencedEvent, E>) =>
  Effect.gen(function*() {
    yield* sim.resetStats
    const events = labels(yield* Stream.runCollect(stream))
    const stats = yield* sim.stats
    return { events, transactions: stats.transactions, millis: stats.virtualMillis }
  })

/** Every key read by a range read costs 1 ms, nothing else costs anything: virtual time counts keys read. */
const perKey: FdbSimulator.CostProfile = { ...FdbSimulator.freeCosts, name: "per key", perKey: 1 }

describe("EventStoreFdb reads", () => {
  it.effect("each page is one transaction of pageSize keys per range (default 1,000)", () =>
    Effect.gen(function*() {
      const { sim, store } = yield* setup({}, { pageSize: 3 })
      yield* store.append(Array.from({ length: 7 }, (_, i) => Event.make("A", ["t"], String(i))))
      const all = Array.from({ length: 7 }, (_, i) => String(i))
      // 3 + 3 + 1 keys
      expect(yield* measured(sim, store.read(Query.all()))).toMatchObject({ events: all, transactions: 3 })
      expect(yield* measured(sim, store.read(Query.item({ tags: ["t"] }), { backwards: true })))
        .toMatchObject({ events: [...all].reverse(), transactions: 3 })
      const byDefault = yield* setup()
      yield* byDefault.store.append(Array.from({ length: 1_001 }, (_, i) => Event.make("A", [], String(i))))
      const read = yield* measured(byDefault.sim, byDefault.store.read(Query.all()))
      expect(read.events).toHaveLength(1_001)
      expect(read.transactions).toBe(2)
    }))

  it.effect("a page of the log stops at the event that brings it to 1,000,000 bytes", () =>
    Effect.gen(function*() {
      // the bytes of a log row besides the payload (key, encoding, header): measured on a probe store
      const probe = yield* setup()
      yield* probe.store.append([Event.make("B", [], new Uint8Array(1_000))])
      const row = (yield* probe.sim.dump).find((kv) => Tuple.unpack(kv.key)[2] === "e")!
      const overhead = row.key.length + row.value.length - 1_000
      // rows of 80,000 bytes, then one of 40,000: the first page ends on the 13th row, at exactly 1,000,000 bytes
      const { sim, store } = yield* setup()
      for (let i = 0; i < 13; i++) {
        yield* store.append([Event.make("B", [], new Uint8Array((i < 12 ? 80_000 : 40_000) - overhead).fill(i))])
      }
      yield* store.append([Event.make("B", [], "tail 1"), Event.make("B", [], "tail 2")])
      expect(EventStoreFdb.logPageBytes).toBe(1_000_000)
      yield* sim.resetStats
      const forwards = Array.from(yield* Stream.runCollect(store.read(Query.all())))
      expect(forwards).toHaveLength(15)
      expect(forwards.slice(0, 13).map((e) => e.data[0])).toEqual(Array.from({ length: 13 }, (_, i) => i))
      expect((yield* sim.stats).transactions).toBe(2)
      const backwards = Array.from(yield* Stream.runCollect(store.read(Query.all(), { backwards: true })))
      expect(backwards.map((e) => e.position)).toEqual(forwards.map((e) => e.position).reverse())
    }))

  it.effect("several index ranges merge in position order, forwards and backwards, across pages", () =>
    Effect.gen(function*() {
      const { sim, store } = yield* setup({}, { pageSize: 2 })
      for (let i = 0; i < 9; i++) yield* store.append([Event.make(["A", "B", "C"][i % 3]!, [`n:${i % 2}`], String(i))])
      const query = Query.fromItems([{ types: ["B"] }, { types: ["A"] }, { tags: ["n:1"] }])
      const expected = ["0", "1", "3", "4", "5", "6", "7"]
      expect((yield* measured(sim, store.read(query))).events).toEqual(expected)
      expect((yield* measured(sim, store.read(query, { backwards: true }))).events).toEqual([...expected].reverse())
      const { store: onePage } = yield* setup()
      for (let i = 0; i < 9; i++) yield* onePage.append([Event.make(["A", "B", "C"][i % 3]!, [`n:${i % 2}`], String(i))])
      expect(labels(yield* Stream.runCollect(onePage.read(query)))).toEqual(expected)
      expect(labels(yield* Stream.runCollect(onePage.read(query, { backwards: true })))).toEqual([...expected].reverse())
    }))

  it.effect("a read with a limit over exact ranges reads no more keys than the limit", () =>
    Effect.gen(function*() {
      const { sim, store } = yield* setup({ costs: perKey })
      yield* store.append(Array.from({ length: 20 }, (_, i) => Event.make("A", ["t"], String(i))))
      const limited = yield* measured(sim, store.read(Query.item({ tags: ["t"] }), { limit: 2 }))
      expect(limited.events).toEqual(["0", "1"])
      expect(limited.millis).toBe(2)
      const whole = yield* measured(sim, store.read(Query.item({ tags: ["t"] })))
      expect(whole.events).toHaveLength(20)
      expect(whole.millis).toBe(20)
    }))

  it.effect("a read with a limit over a filtered range still reads whole pages", () =>
    Effect.gen(function*() {
      const { sim, store } = yield* setup()
      // the pair range (a, b) holds 30 events; only the last carries c too
      yield* store.append(Array.from({ length: 30 }, (_, i) => Event.make("E", ["a", "b"], String(i))))
      yield* store.append([Event.make("E", ["a", "b", "c"], "abc")])
      const item = { tags: ["a", "b", "c"] }
      expect(yield* measured(sim, store.read(Query.item(item), { limit: 1 }))).toMatchObject({ events: ["abc"], transactions: 1 })
      const mixed = Query.fromItems([item, { types: ["Nope"] }])
      expect(yield* measured(sim, store.read(mixed, { limit: 1 }))).toMatchObject({ events: ["abc"], transactions: 1 })
    }))

  it.effect("the point reads of a page are issued together", () =>
    Effect.gen(function*() {
      const reads: FdbSimulator.CostProfile = { ...FdbSimulator.freeCosts, name: "reads", read: [1, 1] }
      const { sim, store } = yield* setup({ costs: reads })
      yield* store.append(Array.from({ length: 10 }, (_, i) => Event.make("A", ["t"], String(i))))
      const read = yield* measured(sim, store.read(Query.item({ tags: ["t"] })))
      expect(read.events).toHaveLength(10)
      // one range read, then ten point reads at once (not 1 + 10 ms)
      expect(read.millis).toBeLessThan(5)
    }))
})
