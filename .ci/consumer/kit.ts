/**
 * The test kit (`fairway/Testing`), outside vitest: each scenario fails with
 * `AssertionFailed` when it does not hold.
 */
import { Effect } from "effect"
import { Scenario } from "fairway/Testing"
import { AccountOpened, Balances, MoneyWithdrawn, OverLimit, WatchLimits, Withdraw } from "./app.ts"

export const scenarios = Effect.all([
  Scenario.command(Withdraw, {
    given: [AccountOpened.make({ accountId: "a1", limit: 5 })],
    when: { accountId: "a1", amount: 2 },
    then: [MoneyWithdrawn.make({ accountId: "a1", amount: 2 })]
  }),
  Scenario.command(Withdraw, {
    given: [AccountOpened.make({ accountId: "a1", limit: 5 })],
    when: { accountId: "a1", amount: 9 },
    thenFails: OverLimit
  }),
  Scenario.view(Balances, {
    given: [AccountOpened.make({ accountId: "a1", limit: 5 }), MoneyWithdrawn.make({ accountId: "a1", amount: 1 })],
    key: "a1",
    then: { accountId: "a1", left: 4 }
  }),
  Scenario.automation(WatchLimits, {
    given: [AccountOpened.make({ accountId: "a1", limit: 1 }), MoneyWithdrawn.make({ accountId: "a1", amount: 1 })],
    then: [{ command: "FlagLimit", causedBy: 1 }]
  })
])

await Effect.runPromise(scenarios)
console.log("consumer check (test kit): ok, 4 scenarios (command, failing command, view, automation) hold")
