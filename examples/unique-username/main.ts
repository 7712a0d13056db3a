/**
 * Unique username, the program (`npm run example -- unique-username`).
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"
import type { EventStore } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { concurrently, successes } from "../testing.ts"
import { describe, printLog, runExample } from "../runtime.ts"
import { ChangeUsername, CloseAccount, RegisterAccount } from "./domain.ts"

const step = <A, E extends { readonly _tag: string; readonly message: string }>(
  label: string,
  effect: Effect.Effect<A, E, EventStore.EventStore>
) => Effect.flatMap(describe(effect, () => "ok"), (outcome) => Console.log(`  ${label}: ${outcome}`))

/** @category programs @since 0.1.0 */
export const program = Effect.gen(function* () {
  yield* step("a1 registers alice", Command.run(RegisterAccount, { accountId: "a1", username: "alice" }))
  yield* step("a2 registers alice", Command.run(RegisterAccount, { accountId: "a2", username: "alice" }))
  yield* step("a2 registers al", Command.run(RegisterAccount, { accountId: "a2", username: "al" }))
  yield* step("a2 registers bob", Command.run(RegisterAccount, { accountId: "a2", username: "bob" }))
  yield* step("a1 renames to bob", Command.run(ChangeUsername, { accountId: "a1", newUsername: "bob" }))
  yield* step("a1 renames to alicia", Command.run(ChangeUsername, { accountId: "a1", newUsername: "alicia" }))
  yield* step("a3 registers alice (released by the rename)", Command.run(RegisterAccount, { accountId: "a3", username: "alice" }))
  yield* step("a2 closes", Command.run(CloseAccount, { accountId: "a2" }))
  const racers = Array.from({ length: 8 }, (_, i) => `r${i}`)
  const results = yield* concurrently(
    racers.map((accountId) => Command.run(RegisterAccount, { accountId, username: "bob" }))
  )
  yield* Console.log(`  8 new accounts race for "bob" (released by the close): ${successes(results).length} won`)
  yield* Console.log("\nThe event log:")
  yield* printLog()
}) satisfies Effect.Effect<void, unknown, EventStore.EventStore>

if (import.meta.main) runExample(program)
