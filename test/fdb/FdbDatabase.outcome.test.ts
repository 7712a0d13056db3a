/**
 * Regressions of the live adapter (`FdbDatabase.fromBinding`, `openBinding`)
 * at its edges, on the scripted stand-in for the binding: the body runs once
 * per attempt; an outcome that became unknown stays unknown until the loop's
 * final error; bytes come back as plain copies; a different API version is an
 * error.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbError from "fairway/Fdb/FdbError"
import { scripted } from "./scriptedBinding.ts"

describe("FdbDatabase over the binding, at the edges", () => {
  it.effect("calls the body once per attempt (a body that builds its Effect eagerly is re-run too)", () =>
    Effect.gen(function* () {
      const b = scripted([1020, 1020])
      let calls = 0
      yield* b.db.transact((tn) => {
        calls++
        return tn.set(Uint8Array.of(1), Uint8Array.of(calls))
      })
      expect(calls).toBe(3)
      expect(b.committed).toEqual(["set 01=03"])
    }))

  it.effect("once an attempt ended in commit_unknown_result, the loop's final error says the outcome is unknown", () =>
    Effect.gen(function* () {
      // 1021 (maybe applied), then a definite-looking failure: the first commit may still have happened
      const b = scripted([1021, 2101])
      const error = yield* Effect.flip(b.db.transact((tn) => tn.set(Uint8Array.of(1), Uint8Array.of(1))))
      expect(FdbError.isFdbError(error) ? error.code : 0).toBe(2101)
      expect(FdbError.toStorageError(error as FdbError.FdbError, "append").unknownResult).toBe(true)
      // without a 1021 before, the same failure is definite
      const c = scripted([1020, 2101])
      const definite = yield* Effect.flip(c.db.transact((tn) => tn.set(Uint8Array.of(1), Uint8Array.of(1))))
      expect(FdbError.toStorageError(definite as FdbError.FdbError, "append").unknownResult).not.toBe(true)
    }))

  it.effect("a timeout that cuts a commit off in flight is an unknown outcome", () =>
    Effect.gen(function* () {
      const b = scripted([1031])
      const error = yield* Effect.flip(b.db.transact((tn) => tn.set(Uint8Array.of(1), Uint8Array.of(1))))
      expect(FdbError.toStorageError(error as FdbError.FdbError, "append").unknownResult).toBe(true)
    }))

  it.effect("returns keys and values as plain Uint8Array copies, not Buffer views over a larger buffer", () =>
    Effect.gen(function* () {
      const b = scripted([])
      const rows = yield* b.db.transact((tn) => tn.getRange(Uint8Array.of(1), Uint8Array.of(2)))
      expect(rows).toEqual([{ key: Uint8Array.of(1), value: Uint8Array.of(2) }])
      for (const bytes of [rows[0]!.key, rows[0]!.value]) {
        expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype)
        expect(bytes.buffer.byteLength).toBe(1)
      }
    }))

  it.effect("selecting another API version than the one already selected fails (it is not swallowed)", () =>
    Effect.gen(function* () {
      let selected: number | undefined
      let opened = 0
      const binding: FdbDatabase.Binding = {
        // the binding's own behaviour: the same version again is a no-op, another one throws
        setAPIVersion: (version) => {
          if (selected !== undefined && selected !== version) {
            throw new Error(`foundationdb already initialized with API version ${selected}`)
          }
          selected = version
        },
        open: () => {
          opened++
          return { rawCreateTransaction: () => { throw new Error("unused") }, close: () => {} }
        }
      }
      yield* Effect.scoped(FdbDatabase.openBinding(binding, { apiVersion: 710 }))
      yield* Effect.scoped(FdbDatabase.openBinding(binding, { apiVersion: 710 }))
      const error = yield* Effect.flip(Effect.scoped(FdbDatabase.openBinding(binding, { apiVersion: 630 })))
      expect(error._tag).toBe("FdbUnavailable")
      expect(error.reason).toContain("already initialized with API version 710")
      expect(opened).toBe(2)
    }))

  it.effect("a range read capped by maxBytes reads batch by batch and stops at the cap", () =>
    Effect.gen(function* () {
      const b = scripted([])
      const rows = yield* b.db.transact((tn) => tn.getRange(Uint8Array.of(1), Uint8Array.of(9), { maxBytes: 10 }))
      expect(rows.map((r) => r.key)).toEqual([Uint8Array.of(1), Uint8Array.of(2)])
      expect(b.calls.some((c) => c.startsWith("getRangeBatch"))).toBe(true)
    }))
})
