/**
 * Opt-in token, the program (`npm run example -- opt-in-token`).
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"
import type { EventStore } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { describe, printLog, runExample } from "../runtime.ts"
import { concurrently, successes } from "../testing.ts"
import { ConfirmSignUp, InitiateSignUp } from "./domain.ts"

/** @category programs @since 0.1.0 */
export const program = Effect.gen(function* () {
  const show = (label: string, effect: Effect.Effect<unknown, { _tag: string; message: string }, EventStore.EventStore>) =>
    Effect.flatMap(describe(effect, () => "ok"), (o) => Console.log(`  ${label}: ${o}`))
  yield* show("ann signs up (token abc123)", Command.run(InitiateSignUp, { email: "ann@example.com", token: "abc123" }))
  yield* show("ann confirms with a wrong token", Command.run(ConfirmSignUp, { email: "ann@example.com", token: "zzz999" }))
  const clicks = yield* concurrently(
    Array.from({ length: 5 }, () => Command.run(ConfirmSignUp, { email: "ann@example.com", token: "abc123" }))
  )
  yield* Console.log(`  ann clicks the link 5 times at once: ${successes(clicks).length} confirmation`)
  yield* show("ann confirms again", Command.run(ConfirmSignUp, { email: "ann@example.com", token: "abc123" }))
  yield* show("ann signs up again", Command.run(InitiateSignUp, { email: "ann@example.com", token: "def456" }))
  yield* Console.log("  (a token also expires 15 minutes after it was issued: see the test, which moves the clock)")
  yield* Console.log("\nThe event log:")
  yield* printLog()
}) satisfies Effect.Effect<void, unknown, EventStore.EventStore>

if (import.meta.main) runExample(program)
