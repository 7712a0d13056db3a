/**
 * Review of issue 16 / 11.3: the FoundationDB store and the memory store agree
 * on every outcome of appends under several conditions, items of 3+ tags
 * included (the leapfrog join), over histories long enough to page, and on
 * windowed reads (`after`, `before`, `backwards`, `limit`).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Stream } from "effect"
import * as AppendCondition from "fairway/Dcb/AppendCondition"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import { pick, rngOf } from "./fdb/random.ts"

const TAGS = ["a", "b", "c", "d", "e", "f"]
const TYPES = ["X", "Y"]

const outcome = (exit: Exit.Exit<bigint, EventStore.AppendError>, ordinal: Map<bigint, number>) => {
  if (Exit.isSuccess(exit)) return "ok"
  const reason = exit.cause.reasons[0]
  if (reason?._tag !== "Fail") return "defect"
  const e = reason.error
  if (e._tag === "AppendConditionFailed") return `failed ${e.conditionIndex} at #${ordinal.get(e.conflictingPosition)}`
  return e._tag
}

describe("review 16: memory and FoundationDB agree", () => {
  it.effect("conditions (items of up to 6 tags), many seeds, small pages", () =>
    Effect.gen(function* () {
      const stats: Record<string, number> = {}
      for (let seed = 1; seed <= 80; seed++) {
        const rng = rngOf(seed)
        const memory = yield* EventStore.makeMemory
        const sim = FdbSimulator.make({ seed })
        const fdb = yield* EventStoreFdb.make({ pageSize: 1 + Math.floor(rng() * 3) }).pipe(
          Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(sim.database))
        )
        const n = 20 + Math.floor(rng() * 60)
        const history = Array.from({ length: n }, (_, i) =>
          Event.make(TYPES[Math.floor(rng() * 2)]!, pick(rng, TAGS, Math.floor(rng() * 6)), `e${i}`))
        // several appends so that positions of FDB span versions
        for (let i = 0; i < n; i += 7) {
          yield* memory.append(history.slice(i, i + 7))
          yield* fdb.append(history.slice(i, i + 7))
        }
        const mPos = (yield* Stream.runCollect(memory.read(Query.all()))).map((e) => e.position)
        const fPos = (yield* Stream.runCollect(fdb.read(Query.all()))).map((e) => e.position)
        const mOrd = new Map(mPos.map((p, i) => [p, i] as const))
        const fOrd = new Map(fPos.map((p, i) => [p, i] as const))
        for (let round = 0; round < 6; round++) {
          const specs = Array.from({ length: 1 + Math.floor(rng() * 3) }, () => ({
            items: Array.from({ length: 1 + Math.floor(rng() * 2) }, () => {
              const tags = pick(rng, TAGS, 3 + Math.floor(rng() * 4))
              const types = rng() < 0.4 ? pick(rng, TYPES, 1) : undefined
              return { tags, ...(types ? { types } : {}) }
            }),
            after: rng() < 0.3 ? undefined : Math.floor(rng() * n)
          }))
          const conds = (positions: ReadonlyArray<bigint>) =>
            specs.map((s) => AppendCondition.make(Query.fromItems(s.items), s.after === undefined ? undefined : positions[s.after] as never))
          const probe = [Event.make("Probe", [`r:${round}`])]
          const m = outcome(yield* Effect.exit(memory.append(probe, { conditions: conds(mPos) })), mOrd)
          const f = outcome(yield* Effect.exit(fdb.append(probe, { conditions: conds(fPos) })), fOrd)
          stats[m.split(" ")[0]!] = (stats[m.split(" ")[0]!] ?? 0) + 1
          expect(f, `seed ${seed} round ${round}: ${JSON.stringify(specs)}`).toBe(m)
          if (m === "ok") {
            mPos.push(...(yield* Stream.runCollect(memory.read(Query.item({ tags: [`r:${round}`] })))).map((e) => e.position))
            fPos.push(...(yield* Stream.runCollect(fdb.read(Query.item({ tags: [`r:${round}`] })))).map((e) => e.position))
            mOrd.set(mPos.at(-1)!, mPos.length - 1)
            fOrd.set(fPos.at(-1)!, fPos.length - 1)
          }
        }
        // windowed reads
        for (let r = 0; r < 10; r++) {
          const query = rng() < 0.3 ? Query.all() : Query.fromItems([{ tags: pick(rng, TAGS, 1 + Math.floor(rng() * 4)) }])
          const after = rng() < 0.4 ? undefined : Math.floor(rng() * mPos.length)
          const before = rng() < 0.3 ? undefined : Math.floor(rng() * mPos.length)
          const limit = rng() < 0.5 ? undefined : 1 + Math.floor(rng() * 5)
          const backwards = rng() < 0.5
          const opts = (positions: ReadonlyArray<bigint>) => ({
            ...(after !== undefined ? { after: positions[after] as never } : {}),
            ...(before !== undefined ? { before: positions[before] as never } : {}),
            ...(limit !== undefined ? { limit } : {}),
            backwards
          })
          const mr = (yield* Stream.runCollect(memory.read(query, opts(mPos)))).map((e) => mOrd.get(e.position))
          const fr = (yield* Stream.runCollect(fdb.read(query, opts(fPos)))).map((e) => fOrd.get(e.position))
          expect(fr, `seed ${seed} read ${JSON.stringify({ query, after, before, limit, backwards })}`).toEqual(mr)
        }
      }
      expect(stats.ok).toBeGreaterThan(50)
      expect(stats.failed).toBeGreaterThan(50)
    }), 300_000)
})
