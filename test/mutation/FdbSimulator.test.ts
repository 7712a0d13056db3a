/**
 * The simulator against a reference model: random sets, clears and range
 * clears (committed, and pending in the same transaction: read-your-writes),
 * then point and range reads with every combination of bounds, `limit`,
 * `reverse` and `maxBytes`, compared with a sorted map. And its counters:
 * what `stats` reports is what happened. Every FoundationDB claim of the
 * store rests on these rules.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as Tuple from "fairway/Fdb/Tuple"
import { rngOf } from "../fdb/random.ts"

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")
const key = (n: number) => Tuple.pack(["k", n])
const value = (n: number, size = 1) => new Uint8Array(size).fill(n & 0xff)


type Model = Map<number, Uint8Array>

const expectedRange = (
  model: Model,
  begin: number,
  end: number,
  options: { limit?: number; reverse?: boolean; maxBytes?: number }
) => {
  let rows = [...model.entries()].filter(([k]) => k >= begin && k < end).sort(([a], [b]) => a - b)
  if (options.reverse) rows.reverse()
  if (options.limit !== undefined && options.limit > 0) rows = rows.slice(0, options.limit)
  if (options.maxBytes !== undefined && options.maxBytes > 0) {
    const out: typeof rows = []
    let bytes = 0
    for (const row of rows) {
      out.push(row)
      bytes += key(row[0]).length + row[1].length
      if (bytes >= options.maxBytes) break
    }
    rows = out
  }
  return rows.map(([k, v]) => `${hex(key(k))}=${hex(v)}`)
}

const show = (rows: ReadonlyArray<FdbDatabase.KeyValue>) => rows.map((r) => `${hex(r.key)}=${hex(r.value)}`)

describe("FdbSimulator against a reference model", () => {
  it.effect("range and point reads, committed and pending writes, every option", () =>
    Effect.gen(function*() {
      const db = yield* FdbDatabase.FdbDatabase
      const sim = yield* FdbSimulator.FdbSimulator
      const next = rngOf(7)
      const model: Model = new Map()
      const pick = () => Math.floor(next() * 40)
      for (let round = 0; round < 12; round++) {
        // a committed batch of random writes
        const ops = Array.from({ length: 12 }, () => [next(), pick(), pick(), Math.floor(next() * 5) + 1] as const)
        yield* db.transact((tn) =>
          Effect.forEach(ops, ([r, a, b, size]) =>
            r < 0.6
              ? tn.set(key(a), value(a + round, size))
              : r < 0.8
              ? tn.clear(key(a))
              : tn.clearRange(key(Math.min(a, b)), key(Math.max(a, b))), { discard: true })
        )
        for (const [r, a, b, size] of ops) {
          if (r < 0.6) model.set(a, value(a + round, size))
          else if (r < 0.8) model.delete(a)
          else for (let k = Math.min(a, b); k < Math.max(a, b); k++) model.delete(k)
        }
        // committed state, as dumped
        expect(show(yield* sim.dump).filter((row) => row.startsWith(hex(Tuple.pack(["k"])).slice(0, -2)))).toEqual(
          expectedRange(model, 0, 40, {})
        )
        // reads of every shape, in one transaction with pending writes of its own
        const pendingKey = pick()
        const pendingClear = pick()
        yield* db.transact((tn) =>
          Effect.gen(function*() {
            yield* tn.set(key(pendingKey), value(200, 3))
            yield* tn.clear(key(pendingClear))
            const local = new Map(model)
            local.set(pendingKey, value(200, 3))
            local.delete(pendingClear)
            for (let i = 0; i < 10; i++) {
              const a = pick()
              const b = a + Math.floor(next() * 20)
              const options = {
                ...(next() < 0.5 ? { limit: Math.floor(next() * 6) } : {}),
                ...(next() < 0.5 ? { reverse: true } : {}),
                ...(next() < 0.3 ? { maxBytes: Math.floor(next() * 30) } : {}),
                ...(next() < 0.5 ? { snapshot: true } : {})
              }
              const rows = yield* tn.getRange(key(a), key(b), options)
              expect(show(rows), JSON.stringify({ a, b, options })).toEqual(expectedRange(local, a, b, options))
              const point = yield* tn.get(key(a), next() < 0.5 ? { snapshot: true } : undefined)
              expect(point === undefined ? undefined : hex(point)).toBe(local.has(a) ? hex(local.get(a)!) : undefined)
            }
            // an empty or inverted range reads nothing
            expect(yield* tn.getRange(key(5), key(5))).toEqual([])
          })
)
        // the reading transaction committed its own writes
        model.set(pendingKey, value(200, 3))
        model.delete(pendingClear)
      }
    }).pipe(Effect.provide(FdbDatabase.layerSimulated())))

  it.effect("stats count commits, read-only commits, conflicts, retries and transactions", () =>
    Effect.gen(function*() {
      const db = yield* FdbDatabase.FdbDatabase
      const sim = yield* FdbSimulator.FdbSimulator
      yield* sim.resetStats
      yield* db.transact((tn) => tn.set(key(1), value(1)))
      yield* db.transact((tn) => tn.get(key(1)))
      let first = true
      yield* db.transact((tn) =>
        Effect.gen(function*() {
          yield* tn.get(key(1))
          if (first) {
            first = false
            // a concurrent writer commits after this transaction read the key: a conflict, then a retry
            yield* db.transact((other) => other.set(key(1), value(2)))
          }
          yield* tn.set(key(2), value(2))
        })
      )
      const stats = yield* sim.stats
      expect(stats.commits).toBe(3)
      expect(stats.readOnlyCommits).toBe(1)
      expect(stats.conflicts).toBe(1)
      expect(stats.retries).toBe(1)
      expect(stats.transactions).toBe(4)
      expect(stats.injectedNotCommitted).toBe(0)
      yield* sim.resetStats
      const reset = yield* sim.stats
      expect([reset.commits, reset.conflicts, reset.retries, reset.transactions]).toEqual([0, 0, 0, 0])
    }).pipe(Effect.provide(FdbDatabase.layerSimulated())))

  it.effect("faults can be turned on and off; the retry limit ends the loop with the last error", () =>
    Effect.gen(function*() {
      const db = yield* FdbDatabase.FdbDatabase
      const sim = yield* FdbSimulator.FdbSimulator
      yield* sim.setFaults({ notCommitted: 1 })
      const exit = yield* Effect.exit(db.transact((tn) => tn.set(key(1), value(1)), { retryLimit: 3 }))
      expect(Exit.isFailure(exit)).toBe(true)
      const stats = yield* sim.stats
      expect(stats.injectedNotCommitted).toBe(4)
      expect(stats.retries).toBe(3)
      expect(yield* sim.dump).toEqual([])
      yield* sim.setFaults(false)
      yield* db.transact((tn) => tn.set(key(1), value(1)), { retryLimit: 0 })
      expect((yield* sim.dump).length).toBe(1)
    }).pipe(Effect.provide(FdbDatabase.layerSimulated({ seed: 3 }))))
})
