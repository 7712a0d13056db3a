/**
 * The adapter from the `foundationdb` binding to `FdbDatabase` (our `doTn`
 * loop over `rawCommit` / `rawOnError`, and the raw byte formats), checked
 * against a scripted stand-in for the binding: the native client cannot be
 * installed here, and the thing under test is the adapter, not FoundationDB.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbError from "fairway/Fdb/FdbError"

import { scripted } from "./scriptedBinding.ts"

describe("FdbDatabase over the binding", () => {
  it.effect("retries the body after a retryable commit error (onError), then commits once", () =>
    Effect.gen(function* () {
      const b = scripted([1020, 1021])
      let runs = 0
      const stamp = yield* b.db.transact((tn) =>
        Effect.gen(function* () {
          runs++
          yield* tn.get(Uint8Array.of(1))
          yield* tn.set(Uint8Array.of(1), Uint8Array.of(runs))
          return yield* tn.getVersionstamp
        }), { retryLimit: 5, timeoutMillis: 100 }).pipe(Effect.flatten)
      expect(runs).toBe(3)
      expect(b.calls.filter((c) => c.startsWith("onError"))).toEqual(["onError 1020", "onError 1021"])
      expect(b.committed).toEqual(["set 01=03"])
      expect(b.created).toEqual([{ timeout: 100, retry_limit: 5 }])
      expect(stamp).toEqual(new Uint8Array(10).fill(9))
    }))

  it.effect("a non-retryable error comes back as FdbError with its code; a body failure skips the commit", () =>
    Effect.gen(function* () {
      const b = scripted([2101])
      const exit = yield* b.db.transact((tn) => tn.set(Uint8Array.of(1), Uint8Array.of(1))).pipe(Effect.exit)
      expect(Exit.isFailure(exit) && exit.cause.reasons[0]?._tag === "Fail" ? (exit.cause.reasons[0].error as FdbError.FdbError).code : 0).toBe(2101)
      const c = scripted([])
      const failed = yield* Effect.flip(c.db.transact((tn) => Effect.andThen(tn.set(Uint8Array.of(1), Uint8Array.of(1)), Effect.fail("no" as const))))
      expect(failed).toBe("no")
      expect(c.calls).not.toContain("commit")
      expect(c.committed).toEqual([])
    }))

  it.effect("passes snapshot reads, range options and the raw versionstamp formats (4-byte little-endian offsets)", () =>
    Effect.gen(function* () {
      const b = scripted([])
      yield* b.db.transact((tn) =>
        Effect.gen(function* () {
          yield* tn.get(Uint8Array.of(5), { snapshot: true })
          const rows = yield* tn.getRange(Uint8Array.of(1), Uint8Array.of(2), { limit: 3, reverse: true })
          expect(rows).toEqual([{ key: Uint8Array.of(1), value: Uint8Array.of(2) }])
          yield* tn.addReadConflictRange(Uint8Array.of(3), Uint8Array.of(4))
          yield* tn.setVersionstampedKey(Uint8Array.of(0xaa, ...new Array(10).fill(0), 0xbb), 1, Uint8Array.of(7))
          yield* tn.setVersionstampedValue(Uint8Array.of(0xcc), Uint8Array.of(...new Array(10).fill(0), 1), 0)
        })
      )
      expect(b.calls.slice(0, 3)).toEqual(["get(snapshot) 05", `getRange 01..02 {"limit":3,"reverse":true}`, "conflict 03..04"])
      expect(b.committed).toEqual([
        "vsKey aa" + "00".repeat(10) + "bb" + "01000000=07",
        "vsValue cc=" + "00".repeat(10) + "01" + "00000000"
      ])
    }))
})
