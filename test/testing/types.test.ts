import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as DecisionModel from "fairway/Dcb/DecisionModel"
import * as Event from "fairway/Dcb/Event"
import * as Query from "fairway/Dcb/Query"
import * as Memory from "fairway/Layer/Memory"
import * as Command from "fairway/Module/Command"
import * as Backend from "fairway/Testing/Backend"
import * as Scenario from "fairway/Testing/Scenario"

const Deposited = Event.define("Deposited", {
  payload: Schema.Struct({ account: Schema.String, amount: Schema.Number }),
  tags: (p) => [`account:${p.account}`]
})
class TooMuch extends Schema.TaggedError<TooMuch>()("TooMuch", { amount: Schema.Number }) {}
const Deposit = Command.make({
  name: "Deposit",
  input: Schema.Struct({ account: Schema.String, amount: Schema.Number }),
  model: ({ account }) =>
    DecisionModel.make({ query: Query.item({ tags: [`account:${account}`] }), initial: 0, events: [Deposited], evolve: (n) => n }),
  decide: (_, input) => input.amount > 100 ? Effect.fail(new TooMuch({ amount: input.amount })) : Effect.succeed([Deposited.make(input)])
})

describe("types that catch mistakes", () => {
  it.effect("Command.run takes the command's input type; runUnknown is the explicit untyped entry", () =>
    Effect.gen(function* () {
      yield* Command.run(Deposit, { account: "a", amount: 1 })
      // @ts-expect-error amount is a number: a string does not compile
      const typed = yield* Effect.flip(Command.run(Deposit, { account: "a", amount: "1" }))
      expect(typed._tag).toBe("CommandInputInvalid")
      const untyped = yield* Effect.flip(Command.runUnknown(Deposit, { account: "a", amount: "1" }))
      expect(untyped._tag).toBe("CommandInputInvalid")
    }).pipe(Effect.provide(Memory.layer())))

  it.effect("Scenario: `when` is typed by the command, `thenFails` by its errors", () =>
    Effect.gen(function* () {
      yield* Scenario.command(Deposit, { when: { account: "a", amount: 500 }, thenFails: "TooMuch" })
      yield* Scenario.command(Deposit, { when: { account: "a", amount: 500 }, thenFails: TooMuch })
      // @ts-expect-error no such error of Deposit
      const wrong = yield* Effect.flip(Scenario.command(Deposit, { when: { account: "a", amount: 500 }, thenFails: "TooLittle" }))
      expect(wrong._tag).toBe("AssertionFailed")
      // @ts-expect-error the input's amount is a number
      const invalid = yield* Scenario.command(Deposit, { when: { account: "a", amount: "5" }, thenFails: "CommandInputInvalid" })
      expect((invalid as { _tag: string })._tag).toBe("CommandInputInvalid")
    }))
})

describe("FAIRWAY_TEST_BACKEND", () => {
  const withEnv = (backend: string | undefined, seed: string | undefined, f: () => void) => {
    const saved = { backend: process.env["FAIRWAY_TEST_BACKEND"], seed: process.env["FAIRWAY_TEST_SEED"] }
    const set = (name: string, value: string | undefined) => {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    try {
      set("FAIRWAY_TEST_BACKEND", backend)
      set("FAIRWAY_TEST_SEED", seed)
      f()
    } finally {
      set("FAIRWAY_TEST_BACKEND", saved.backend)
      set("FAIRWAY_TEST_SEED", saved.seed)
    }
  }

  it("an unknown backend or seed fails loudly instead of running on memory", () => {
    withEnv("simulater", undefined, () => expect(() => Backend.fromEnv()).toThrow(/FAIRWAY_TEST_BACKEND.*"simulater"/))
    withEnv("simulator", "seven", () => expect(() => Backend.fromEnv()).toThrow(/FAIRWAY_TEST_SEED.*"seven"/))
    withEnv("memory", undefined, () => expect(Backend.fromEnv().name).toBe("memory"))
    withEnv("simulator", "3", () => expect(Backend.fromEnv().name).toBe("simulator(seed 3)"))
  })
})
