import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Schema, Stream } from "effect"
import * as DecisionModel from "fairway/Dcb/DecisionModel"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as Memory from "fairway/Layer/Memory"
import * as Simulated from "fairway/Layer/Simulated"
import * as Command from "fairway/Module/Command"

const Opened = Event.define("AccountOpened", {
  payload: Schema.Struct({ account: Schema.String }),
  tags: (p) => [`account:${p.account}`]
})
const Deposited = Event.define("MoneyDeposited", {
  payload: Schema.Struct({ account: Schema.String, amount: Schema.Number }),
  tags: (p) => [`account:${p.account}`]
})

const account = (id: string) =>
  DecisionModel.make({
    query: Query.item({ tags: [`account:${id}`] }),
    initial: 0,
    events: [Opened, Deposited],
    evolve: (n) => n + 1
  })

const OpenAccount = Command.make({
  name: "OpenAccount",
  input: Schema.Struct({ account: Schema.String }),
  model: ({ account: id }) => account(id),
  decide: (_, { account: id }) => Effect.succeed([Opened.make({ account: id })])
})
const Deposit = Command.make({
  name: "Deposit",
  input: Schema.Struct({ account: Schema.String, amount: Schema.Number }),
  model: ({ account: id }) => account(id),
  decide: (_, input) => Effect.succeed([Deposited.make(input)])
})

const all = Stream.runCollect(EventStore.read(Query.all()))

const backends = [
  ["memory", Memory.layer()],
  ["simulated FoundationDB, faults on (seed 3)", Simulated.layer({ seed: 3, faults: true })]
] as const

for (const [backend, Env] of backends) {
  describe(`Command idempotency keys (${backend})`, () => {
    it.effect("keys are scoped to the command: the same key on another command runs it", () =>
      Effect.gen(function* () {
        const opened = yield* Command.run(OpenAccount, { account: "a" }, { idempotencyKey: "k1" })
        const deposited = yield* Command.run(Deposit, { account: "a", amount: 5 }, { idempotencyKey: "k1" })
        expect(opened.replayed).toBe(false)
        expect(deposited.replayed).toBe(false)
        expect(deposited.events[0]!.type).toBe("MoneyDeposited")
        expect((yield* all).map((e) => e.type)).toEqual(["AccountOpened", "MoneyDeposited"])
        // and each replays its own result
        const again = yield* Command.run(Deposit, { account: "a", amount: 5 }, { idempotencyKey: "k1" })
        expect(again.replayed).toBe(true)
        expect(again.position).toBe(deposited.position)
        expect((yield* all)).toHaveLength(2)
      }).pipe(Effect.provide(Env)))

    it.effect("the same key with another input is a typed IdempotencyKeyReused, nothing written", () =>
      Effect.gen(function* () {
        const first = yield* Command.run(Deposit, { account: "a", amount: 5 }, { idempotencyKey: "k" })
        const error = yield* Effect.flip(Command.run(Deposit, { account: "a", amount: 500 }, { idempotencyKey: "k" }))
        assert(error._tag === "IdempotencyKeyReused")
        expect(error.command).toBe("Deposit")
        expect(error.idempotencyKey).toBe("k")
        expect(error.firstPosition).toBe(first.position)
        expect(yield* all).toHaveLength(1)
        // the same input in another key order is the same input
        const replay = yield* Command.run(Deposit, { amount: 5, account: "a" }, { idempotencyKey: "k" })
        expect(replay.replayed).toBe(true)
      }).pipe(Effect.provide(Env)))

    it.live("concurrent runs with one key and different inputs: one writes, the others replay or are refused", () =>
      Effect.gen(function* () {
        const results = yield* Effect.forEach(
          Array.from({ length: 8 }, (_, i) => i),
          (i) => Effect.result(Command.run(Deposit, { account: "a", amount: i % 2 }, { idempotencyKey: "race" })),
          { concurrency: "unbounded" }
        )
        const stored = yield* all
        expect(stored).toHaveLength(1)
        const written = (yield* Deposited.decode(stored[0]!)).payload.amount
        for (const [i, r] of results.entries()) {
          if (i % 2 === written) {
            assert(r._tag === "Success")
            expect(r.success.position).toBe(stored[0]!.position)
          } else {
            assert(r._tag === "Failure")
            expect(r.failure._tag).toBe("IdempotencyKeyReused")
          }
        }
      }).pipe(Effect.provide(Env)))
  })
}

describe("Command idempotency ids", () => {
  it("are SHA-256 digests of command and key, the same length for any key", () => {
    const id = Command.idempotencyId("Deposit", "k")
    expect(id).toMatch(/^cmd:[0-9a-f]{64}$/)
    expect(Command.idempotencyId("Deposit", "k")).toBe(id)
    expect(Command.idempotencyId("OpenAccount", "k")).not.toBe(id)
    // fields are length-prefixed: ("ab", "c") is not ("a", "bc")
    expect(Command.idempotencyId("ab", "c")).not.toBe(Command.idempotencyId("a", "bc"))
    expect(Command.idempotencyTag("Deposit", "x".repeat(1_000)).length).toBe(Command.idempotencyTag("Deposit", "k").length)
  })

  it("the append fingerprint is SHA-256", () => {
    const event = { type: "A", tags: ["t"], data: new Uint8Array([1, 2, 3]) }
    expect(EventStore.fingerprint([event])).toMatch(/^[0-9a-f]{64}$/)
    expect(EventStore.fingerprint([event])).not.toBe(EventStore.fingerprint([{ ...event, tags: ["u"] }]))
  })
})
