/**
 * Helpers shared by the simulator's rule-by-rule tests
 * (FdbSimulatorCommit.test.ts, FdbSimulatorFaults.test.ts): keys as binary
 * strings, the FdbError an exit failed with, cost profiles that charge only
 * what a test looks at, and whether an effect is still waiting.
 */
import { expect } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import * as FdbError from "fairway/Fdb/FdbError"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"

/** A key or value from a binary string (one char per byte). */
export const k = (s: string) => new Uint8Array(Buffer.from(s, "latin1"))
/** Bytes as a binary string. */
export const s = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString("latin1"))
/** One attempt only: the error of the first commit is returned. */
export const once = { retryLimit: 0 }

/** The FdbError an exit failed with. */
export const failureOf = <A>(exit: Exit.Exit<A, unknown>): FdbError.FdbError | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const e = exit.cause.reasons.find((r) => r._tag === "Fail")
  return e !== undefined && e._tag === "Fail" && FdbError.isFdbError(e.error) ? e.error : undefined
}

/** The code of the FdbError an exit failed with; every such error also says what went wrong. */
export const codeOf = <A>(exit: Exit.Exit<A, unknown>) => {
  const error = failureOf(exit)
  if (error !== undefined) expect(error.reason).not.toBe("")
  return error?.code
}

/** A profile where only what a test looks at costs something. */
export const costs = (over: Partial<FdbSimulator.CostProfile>): FdbSimulator.CostProfile => ({
  ...FdbSimulator.freeCosts,
  name: "test",
  ...over
})

/** Whether an effect is still waiting after the scheduler ran everything ready. */
export const waiting = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(Effect.exit(effect), { startImmediately: true })
    for (let i = 0; i < 5; i++) yield* Effect.yieldNow
    const done = fiber.pollUnsafe()
    yield* Fiber.interrupt(fiber)
    return done === undefined
  })
