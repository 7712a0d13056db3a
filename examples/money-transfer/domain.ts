/**
 * Money transfer: an account never goes below zero, and a transfer between
 * two accounts is ONE event tagged with both, appended once.
 *
 * The transfer command combines the balances of the two accounts in one
 * decision model: one read, one append condition covering both accounts.
 * There is no saga and no compensation: either the transfer is in the log,
 * or it is not.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { DecisionModel, Event, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"

/** @category events @since 0.1.0 */
export const AccountOpened = Event.define("AccountOpened", {
  payload: Schema.Struct({ accountId: Schema.String }),
  tags: (p) => [`account:${p.accountId}`]
})

/** @category events @since 0.1.0 */
export const MoneyDeposited = Event.define("MoneyDeposited", {
  payload: Schema.Struct({ accountId: Schema.String, amount: Schema.Int }),
  tags: (p) => [`account:${p.accountId}`]
})

/** @category events @since 0.1.0 */
export const MoneyTransferred = Event.define("MoneyTransferred", {
  payload: Schema.Struct({ transferId: Schema.String, from: Schema.String, to: Schema.String, amount: Schema.Int }),
  tags: (p) => [`account:${p.from}`, `account:${p.to}`, `transfer:${p.transferId}`]
})

/** @category errors @since 0.1.0 */
export class AccountNotFound extends Schema.TaggedError<AccountNotFound>()("AccountNotFound", {
  accountId: Schema.String
}) {
  override get message() {
    return `account ${this.accountId} does not exist`
  }
}

/** @category errors @since 0.1.0 */
export class InsufficientFunds extends Schema.TaggedError<InsufficientFunds>()("InsufficientFunds", {
  accountId: Schema.String,
  balance: Schema.Int,
  amount: Schema.Int
}) {
  override get message() {
    return `account ${this.accountId} holds ${this.balance}, cannot send ${this.amount}`
  }
}

/** @category errors @since 0.1.0 */
export class SameAccount extends Schema.TaggedError<SameAccount>()("SameAccount", { accountId: Schema.String }) {
  override get message() {
    return `cannot transfer from ${this.accountId} to itself`
  }
}

/**
 * An account: whether it is open, and its balance.
 *
 * @category models
 * @since 0.1.0
 */
export const account = (accountId: string) =>
  DecisionModel.make({
    query: Query.item({
      types: [AccountOpened.type, MoneyDeposited.type, MoneyTransferred.type],
      tags: [`account:${accountId}`]
    }),
    initial: { open: false, balance: 0 },
    events: [AccountOpened, MoneyDeposited, MoneyTransferred],
    evolve: (state, event) => {
      switch (event.type) {
        case "AccountOpened":
          return { ...state, open: true }
        case "MoneyDeposited":
          return { ...state, balance: state.balance + event.payload.amount }
        case "MoneyTransferred":
          return {
            ...state,
            balance: state.balance + (event.payload.to === accountId ? event.payload.amount : -event.payload.amount)
          }
      }
    }
  })

const AccountId = Schema.NonEmptyString
const Amount = Schema.Int.check(Schema.isGreaterThan(0))

/** @category commands @since 0.1.0 */
export const OpenAccount = Command.make({
  name: "OpenAccount",
  input: Schema.Struct({ accountId: AccountId }),
  model: ({ accountId }) => account(accountId),
  decide: (state, { accountId }) => Effect.succeed(state.open ? [] : [AccountOpened.make({ accountId })])
})

/** @category commands @since 0.1.0 */
export const Deposit = Command.make({
  name: "Deposit",
  input: Schema.Struct({ accountId: AccountId, amount: Amount }),
  model: ({ accountId }) => account(accountId),
  decide: (state, { accountId, amount }) =>
    state.open
      ? Effect.succeed([MoneyDeposited.make({ accountId, amount })])
      : Effect.fail(new AccountNotFound({ accountId }))
})

/**
 * Transfers money: both accounts in one decision model, one event, one append.
 *
 * @category commands
 * @since 0.1.0
 */
export const Transfer = Command.make({
  name: "Transfer",
  input: Schema.Struct({ transferId: Schema.NonEmptyString, from: AccountId, to: AccountId, amount: Amount }),
  model: ({ from, to }) => DecisionModel.combine({ from: account(from), to: account(to) }),
  decide: (state, { amount, from, to, transferId }) => {
    if (from === to) return Effect.fail(new SameAccount({ accountId: from }))
    if (!state.from.open) return Effect.fail(new AccountNotFound({ accountId: from }))
    if (!state.to.open) return Effect.fail(new AccountNotFound({ accountId: to }))
    if (state.from.balance < amount) {
      return Effect.fail(new InsufficientFunds({ accountId: from, balance: state.from.balance, amount }))
    }
    return Effect.succeed([MoneyTransferred.make({ transferId, from, to, amount })])
  },
  retry: { times: 30 }
})
