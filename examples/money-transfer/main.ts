/**
 * Money transfer, the program (`npm run example -- money-transfer`).
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"
import type { EventStore } from "fairway/Dcb"
import { DecisionModel } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { describe, printLog, runExample } from "../runtime.ts"
import { concurrently, failureTags, successes } from "../testing.ts"
import { account, Deposit, OpenAccount, Transfer } from "./domain.ts"

const balances = Effect.map(
  DecisionModel.read(DecisionModel.combine({ alice: account("alice"), bob: account("bob") })),
  ({ state }) => `alice ${state.alice.balance}, bob ${state.bob.balance}`
)

/** @category programs @since 0.1.0 */
export const program = Effect.gen(function* () {
  yield* Command.run(OpenAccount, { accountId: "alice" })
  yield* Command.run(OpenAccount, { accountId: "bob" })
  yield* Command.run(Deposit, { accountId: "alice", amount: 100 })
  yield* Console.log(`opened alice and bob, deposited 100 to alice: ${yield* balances}`)
  const t1 = yield* describe(Command.run(Transfer, { transferId: "t1", from: "alice", to: "bob", amount: 30 }), () => "done")
  yield* Console.log(`transfer 30 alice -> bob: ${t1}; ${yield* balances}`)
  const t2 = yield* describe(Command.run(Transfer, { transferId: "t2", from: "bob", to: "alice", amount: 50 }), () => "done")
  yield* Console.log(`transfer 50 bob -> alice: ${t2}`)
  yield* Console.log("alice sends 20 to bob ten times at once (she has 70):")
  const results = yield* concurrently(
    Array.from({ length: 10 }, (_, i) => Command.run(Transfer, { transferId: `burst-${i}`, from: "alice", to: "bob", amount: 20 }))
  )
  yield* Console.log(`  ${successes(results).length} done, the others: ${[...failureTags(results)].join(", ")}; ${yield* balances}`)
  yield* Console.log("\nThe event log:")
  yield* printLog()
}) satisfies Effect.Effect<void, unknown, EventStore.EventStore>

if (import.meta.main) runExample(program)
