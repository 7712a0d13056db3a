/**
 * Transaction options take the ranges FoundationDB's own options take, on the
 * simulator as on a cluster: `retry_limit` from -1 (unlimited) to INT_MAX,
 * `timeout` from 0 (none) to INT_MAX milliseconds; anything else fails with
 * `invalid_option_value` (2006) and runs nothing. The event store refuses such
 * options when it is built.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbError from "fairway/Fdb/FdbError"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as Tuple from "fairway/Fdb/Tuple"

const key = Tuple.pack(["options"])

const codeOf = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) ? (Cause.findErrorOption(exit.cause).pipe((o) => o._tag === "Some" ? (o.value as FdbError.FdbError).code : "defect")) : "success"

describe("transaction options (simulator)", () => {
  it.effect("retryLimit -1 is unlimited: a transaction that conflicts 12 times still commits", () =>
    Effect.gen(function*() {
      const db = yield* FdbDatabase.FdbDatabase
      const sim = yield* FdbSimulator.FdbSimulator
      let attempts = 0
      yield* db.transact((tn) => {
        attempts++
        // the first 12 attempts fail as a conflict would (retryable 1020)
        return attempts <= 12 ? Effect.fail(FdbError.make(FdbError.codes.not_committed)) : tn.set(key, new Uint8Array([1]))
      }, { retryLimit: -1 })
      expect(attempts).toBe(13)
      expect((yield* sim.dump).length).toBe(1)
    }).pipe(Effect.provide(FdbDatabase.layerSimulated({ seed: 1, costs: "free" }))))

  it.effect("a retry limit below -1, a fractional one, a negative or fractional timeout: 2006, the body never runs", () =>
    Effect.gen(function*() {
      const db = yield* FdbDatabase.FdbDatabase
      const sim = yield* FdbSimulator.FdbSimulator
      let ran = 0
      const body = (tn: FdbDatabase.Transaction) => Effect.andThen(Effect.sync(() => ran++), tn.set(key, new Uint8Array([1])))
      for (
        const options of [{ retryLimit: -2 }, { retryLimit: 1.5 }, { timeoutMillis: -1 }, { timeoutMillis: 0.5 }, {
          timeoutMillis: 2 ** 31
        }]
      ) {
        expect(codeOf(yield* Effect.exit(db.transact(body, options)))).toBe(FdbError.codes.invalid_option_value)
      }
      expect(ran).toBe(0)
      expect(yield* sim.dump).toEqual([])
      // the bounds themselves are valid
      yield* db.transact(body, { retryLimit: 2 ** 31 - 1, timeoutMillis: 2 ** 31 - 1 })
      yield* db.transact(body, { retryLimit: 0, timeoutMillis: 0 })
      expect(ran).toBe(2)
    }).pipe(Effect.provide(FdbDatabase.layerSimulated({ seed: 1, costs: "free" }))))

  it.effect("the event store refuses such options when it is built (a defect naming the option)", () =>
    Effect.gen(function*() {
      for (
        const [options, name] of [
          [{ retryLimit: -2 }, "retryLimit"],
          [{ retryLimit: 0.5 }, "retryLimit"],
          [{ transactionTimeoutMillis: -5 }, "transactionTimeoutMillis"]
        ] as const
      ) {
        const exit = yield* Effect.exit(EventStoreFdb.make(options))
        expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
        expect(String(Cause.squash((exit as Exit.Failure<unknown, unknown>).cause))).toContain(name)
      }
      // -1 and 0 are FoundationDB's "unlimited" and "no timeout"
      const store = yield* EventStoreFdb.make({ retryLimit: -1, transactionTimeoutMillis: 0 })
      yield* store.append([{ type: "T", tags: ["t"], data: new Uint8Array() }])
    }).pipe(Effect.provide(FdbDatabase.layerSimulated({ seed: 1, costs: "free" }))))
})
