import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Stream } from "effect"
import { EventStore, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { type Backend, backends } from "../backends.ts"
import { concurrently, failureTags, onStore, successes } from "../testing.ts"
import { Deposit, MoneyDeposited, MoneyTransferred, OpenAccount, Transfer } from "./domain.ts"

/** Replays the log; fails the test if a balance is ever negative. Returns the final balances. */
const replayBalances = Effect.gen(function* () {
  const balance = new Map<string, number>()
  const add = (id: string, n: number) => balance.set(id, (balance.get(id) ?? 0) + n)
  for (const event of yield* Stream.runCollect(EventStore.read(Query.all()))) {
    if (MoneyDeposited.is(event)) {
      const { accountId, amount } = (yield* MoneyDeposited.decode(event)).payload
      add(accountId, amount)
    } else if (MoneyTransferred.is(event)) {
      const { amount, from, to } = (yield* MoneyTransferred.decode(event)).payload
      add(from, -amount)
      add(to, amount)
      expect(balance.get(from)!, `${from} below zero at ${event.position}`).toBeGreaterThanOrEqual(0)
      // one event, tagged with both accounts
      expect(event.tags).toEqual(expect.arrayContaining([`account:${from}`, `account:${to}`]))
    }
  }
  return balance
})

export const moneyTransferTests = (name: string, makeLayer: Backend["layer"]) =>
  describe(`money transfer (${name})`, () => {
    const run = onStore(makeLayer)
    const open = (accounts: ReadonlyArray<readonly [string, number]>) =>
      Effect.forEach(accounts, ([accountId, amount]) =>
        Command.run(OpenAccount, { accountId }).pipe(
          Effect.andThen(amount > 0 ? Command.run(Deposit, { accountId, amount }) : Effect.void)
        ))

    it.live("25 concurrent transfers of 10 out of an account holding 100: exactly 10 go through", () =>
      run(Effect.gen(function* () {
        yield* open([["a", 100], ["b", 0], ["c", 0]])
        const results = yield* concurrently(
          Array.from({ length: 25 }, (_, i) =>
            Command.run(Transfer, { transferId: `t${i}`, from: "a", to: i % 2 ? "b" : "c", amount: 10 }))
        )
        expect(successes(results)).toHaveLength(10)
        expect(failureTags(results)).toEqual(new Set(["InsufficientFunds"]))
        const balances = yield* replayBalances
        expect(balances.get("a")).toBe(0)
        expect(balances.get("b")! + balances.get("c")!).toBe(100)
      })))

    it.live("transfers in every direction at once: no balance ever below zero, no money created or lost", () =>
      run(Effect.gen(function* () {
        const accounts = ["a", "b", "c", "d"]
        yield* open(accounts.map((id) => [id, 50] as const))
        const transfers = Array.from({ length: 40 }, (_, i) => {
          const from = accounts[i % 4]!
          const to = accounts[(i * 3 + 1) % 4]!
          return Command.run(Transfer, { transferId: `t${i}`, from, to, amount: 15 + (i % 3) * 10 })
        })
        const results = yield* concurrently(transfers)
        const allowed = new Set(["InsufficientFunds", "SameAccount"])
        expect([...failureTags(results)].every((t) => allowed.has(t))).toBe(true)
        const balances = yield* replayBalances
        expect([...balances.values()].reduce((a, b) => a + b, 0)).toBe(200)
      })))

    it.effect("a transfer to a missing account, or to the same account, writes nothing", () =>
      run(Effect.gen(function* () {
        yield* open([["a", 10]])
        expect((yield* Effect.flip(Command.run(Transfer, { transferId: "x", from: "a", to: "nope", amount: 5 })))._tag)
          .toBe("AccountNotFound")
        expect((yield* Effect.flip(Command.run(Transfer, { transferId: "y", from: "a", to: "a", amount: 5 })))._tag)
          .toBe("SameAccount")
        expect((yield* replayBalances).get("a")).toBe(10)
      })))
  })

for (const backend of backends) moneyTransferTests(backend.name, backend.layer)
