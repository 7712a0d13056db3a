/**
 * A small app written against the packed `fairway`, as a user would: a command
 * with a decision model, a view, an automation. Everything is exported with
 * inferred types, so `declaration: true` has to name every type they reach.
 */
import { Effect, Schema } from "effect"
import { DecisionModel, Event, Query } from "fairway/Dcb"
import { Automation, Command, Registry, View } from "fairway/Module"

export const AccountOpened = Event.define("AccountOpened", {
  payload: Schema.Struct({ accountId: Schema.String, limit: Schema.Number }),
  tags: (p) => [`account:${p.accountId}`]
})
export const MoneyWithdrawn = Event.define("MoneyWithdrawn", {
  payload: Schema.Struct({ accountId: Schema.String, amount: Schema.Number }),
  tags: (p) => [`account:${p.accountId}`]
})
export const LimitReached = Event.define("LimitReached", {
  payload: Schema.Struct({ accountId: Schema.String }),
  tags: (p) => [`account:${p.accountId}`, "alert"]
})

export class AccountNotFound extends Schema.TaggedError<AccountNotFound>()("AccountNotFound", {
  accountId: Schema.String
}) {}
export class OverLimit extends Schema.TaggedError<OverLimit>()("OverLimit", {
  accountId: Schema.String,
  left: Schema.Number
}) {}

export const account = (accountId: string) =>
  DecisionModel.make({
    query: Query.item({ types: [AccountOpened.type, MoneyWithdrawn.type], tags: [`account:${accountId}`] }),
    initial: { open: false, left: 0 },
    events: [AccountOpened, MoneyWithdrawn],
    evolve: (state, event) =>
      event.type === "AccountOpened"
        ? { open: true, left: event.payload.limit }
        : { ...state, left: state.left - event.payload.amount }
  })

export const OpenAccount = Registry.register(Command.make({
  name: "OpenAccount",
  input: Schema.Struct({ accountId: Schema.NonEmptyString, limit: Schema.Number }),
  model: ({ accountId }) => account(accountId),
  decide: (state, input) => Effect.succeed(state.open ? [] : [AccountOpened.make(input)])
}))

export const Withdraw = Registry.register(Command.make({
  name: "Withdraw",
  input: Schema.Struct({ accountId: Schema.NonEmptyString, amount: Schema.Number }),
  model: ({ accountId }) => account(accountId),
  decide: (state, { accountId, amount }) => {
    if (!state.open) return Effect.fail(new AccountNotFound({ accountId }))
    if (amount > state.left) return Effect.fail(new OverLimit({ accountId, left: state.left }))
    return Effect.succeed([MoneyWithdrawn.make({ accountId, amount })])
  }
}))

export const Balance = Schema.Struct({ accountId: Schema.String, left: Schema.Number })

export const Balances = Registry.register(View.make({
  name: "Balances",
  version: 1,
  query: Query.item({ types: [AccountOpened.type, MoneyWithdrawn.type] }),
  events: [AccountOpened, MoneyWithdrawn],
  schema: Balance,
  initial: { accountId: "", left: 0 },
  key: (event) => event.payload.accountId,
  evolve: (state, event, accountId) =>
    event.type === "AccountOpened"
      ? { accountId, left: event.payload.limit }
      : { accountId, left: state.left - event.payload.amount }
}))

export const FlagLimit = Registry.register(Command.make({
  name: "FlagLimit",
  input: Schema.Struct({ accountId: Schema.NonEmptyString }),
  model: ({ accountId }) =>
    DecisionModel.make({
      query: Query.item({ types: [LimitReached.type], tags: [`account:${accountId}`] }),
      initial: false,
      events: [LimitReached],
      evolve: () => true
    }),
  decide: (flagged, { accountId }) => Effect.succeed(flagged ? [] : [LimitReached.make({ accountId })])
}))

// an automation: when an account has nothing left, flag it (once, whatever the redeliveries)
export const WatchLimits = Registry.register(Automation.make({
  name: "WatchLimits",
  query: Query.item({ types: [MoneyWithdrawn.type] }),
  events: [MoneyWithdrawn],
  handle: (event, trigger) =>
    Effect.gen(function* () {
      const state = yield* DecisionModel.read(account(event.payload.accountId))
      if (state.state.left <= 0) yield* Command.run(FlagLimit, { accountId: event.payload.accountId }, trigger.commandOptions())
    })
}))

/** An inferred program using a command and `View.get`: its declaration must be nameable. */
export const withdrawAndLook = (accountId: string, amount: number) =>
  Effect.gen(function* () {
    const result = yield* Command.run(Withdraw, { accountId, amount })
    const balance = yield* View.get(Balances, accountId)
    return { result, balance }
  })
