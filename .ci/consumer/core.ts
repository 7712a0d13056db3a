/**
 * Runs the app on the in-memory layer (a command, its view, its automation)
 * with `fairway/Dcb`, `fairway/Module` and `fairway/Layer` only: this part runs
 * without `@effect/platform-node` installed. Dies on any surprise.
 */
import { Effect, Option, Stream } from "effect"
import { EventStore, Query } from "fairway/Dcb"
import { Memory } from "fairway/Layer"
import { Command, Registry, View } from "fairway/Module"
import { Balances, LimitReached, OpenAccount, Withdraw, withdrawAndLook } from "./app.ts"

const check = (what: string, ok: boolean) => ok ? Effect.void : Effect.die(new Error(`consumer check failed: ${what}`))

const waitFor = <A, E, R>(what: string, effect: Effect.Effect<Option.Option<A>, E, R>) =>
  Effect.gen(function* () {
    for (let i = 0; i < 2000; i++) {
      const found = yield* effect
      if (Option.isSome(found)) return found.value
      yield* Effect.sleep("5 millis")
    }
    return yield* Effect.die(new Error(`consumer check timed out waiting for ${what}`))
  })

export const program = Effect.gen(function* () {
  yield* Command.run(OpenAccount, { accountId: "a1", limit: 10 })
  const { result } = yield* withdrawAndLook("a1", 4)
  yield* check("a withdrawal appends one event", result.events.length === 1)
  const balance = yield* waitFor("the view", View.get(Balances, "a1").pipe(Effect.map(Option.filter((b) => b.left === 6))))
  yield* check("the view folds both events", balance.left === 6)
  const over = yield* Effect.flip(Command.run(Withdraw, { accountId: "a1", amount: 7 }))
  yield* check("over the limit fails with OverLimit", over._tag === "OverLimit")
  const bad = yield* Effect.flip(Command.run(Withdraw, { accountId: "", amount: 1 }))
  yield* check("bad input fails with CommandInputInvalid", bad._tag === "CommandInputInvalid")
  yield* Command.run(Withdraw, { accountId: "a1", amount: 6 })
  const flagged = yield* waitFor("the automation", EventStore.read(Query.item({ types: [LimitReached.type] })).pipe(
    Stream.runCollect, Effect.map((events) => events.length > 0 ? Option.some(events.length) : Option.none())))
  yield* check("the automation flags the account once", flagged === 1)
  return balance
}).pipe(Effect.provide(Memory.layer({ modules: Registry.registered() })))

const balance = await Effect.runPromise(program)
console.log(`consumer check (core): ok, a1 has ${balance.left} left after a command, its view and its automation`)
