/**
 * Review of issue 11.3: the FoundationDB store's numeric options are checked
 * when the store is made. A page size that is not an integer made reads stop
 * after their first page (a page is "full" only when it holds exactly
 * `pageSize` keys), and a NaN page size made the 3+-tag join read an empty
 * page forever; a NaN `conditionScanLimit` turned the bound off.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"

const makeWith = (options: EventStoreFdb.Options) =>
  EventStoreFdb.make(options).pipe(
    Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(FdbSimulator.make({ seed: 1 }).database))
  )

const dieMessage = (exit: Exit.Exit<unknown, unknown>) => {
  if (Exit.isSuccess(exit)) return "made"
  const defect = exit.cause.reasons.find(Cause.isDieReason)?.defect
  return defect instanceof RangeError ? defect.message : `not a RangeError: ${String(defect)}`
}

describe("review 16: EventStoreFdb options", () => {
  it.effect("a page size or scan limit that is not an integer is refused when the store is made", () =>
    Effect.gen(function* () {
      for (const pageSize of [Number.NaN, 2.5, Number.POSITIVE_INFINITY]) {
        expect(dieMessage(yield* Effect.exit(makeWith({ pageSize }))), `pageSize ${pageSize}`).toMatch(/pageSize/)
      }
      for (const conditionScanLimit of [Number.NaN, 1.5, -1]) {
        expect(dieMessage(yield* Effect.exit(makeWith({ conditionScanLimit }))), `conditionScanLimit ${conditionScanLimit}`)
          .toMatch(/conditionScanLimit/)
      }
      // valid ones (a page size below one is read as one)
      for (const options of [{ pageSize: 0 }, { pageSize: 7 }, { conditionScanLimit: 0 }, { conditionScanLimit: 10 }]) {
        expect(dieMessage(yield* Effect.exit(makeWith(options))), JSON.stringify(options)).toBe("made")
      }
    }))
})
