/**
 * Unique username: a username is claimed once, and released when its account
 * closes or changes to another username.
 *
 * Every event that claims or releases a username is tagged `username:<name>`,
 * so the projection of one username reads exactly the events that decide
 * whether it is free. There is no "usernames" table and no lock: registering
 * reads that one username (and the account), and the append condition fails
 * if anyone claimed or released it meanwhile.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { DecisionModel, Event, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"

// -- events -------------------------------------------------------------------

/** @category events @since 0.1.0 */
export const AccountRegistered = Event.define("AccountRegistered", {
  payload: Schema.Struct({ accountId: Schema.String, username: Schema.String }),
  tags: (p) => [`account:${p.accountId}`, `username:${p.username}`]
})

/** @category events @since 0.1.0 */
export const UsernameChanged = Event.define("UsernameChanged", {
  payload: Schema.Struct({ accountId: Schema.String, oldUsername: Schema.String, newUsername: Schema.String }),
  tags: (p) => [`account:${p.accountId}`, `username:${p.oldUsername}`, `username:${p.newUsername}`]
})

/** @category events @since 0.1.0 */
export const AccountClosed = Event.define("AccountClosed", {
  payload: Schema.Struct({ accountId: Schema.String, username: Schema.String }),
  tags: (p) => [`account:${p.accountId}`, `username:${p.username}`]
})

// -- errors -------------------------------------------------------------------

/** @category errors @since 0.1.0 */
export class UsernameTaken extends Schema.TaggedError<UsernameTaken>()("UsernameTaken", { username: Schema.String }) {
  override get message() {
    return `username "${this.username}" is taken`
  }
}

/** @category errors @since 0.1.0 */
export class AccountExists extends Schema.TaggedError<AccountExists>()("AccountExists", { accountId: Schema.String }) {
  override get message() {
    return `account ${this.accountId} already exists`
  }
}

/** @category errors @since 0.1.0 */
export class AccountNotFound extends Schema.TaggedError<AccountNotFound>()("AccountNotFound", {
  accountId: Schema.String
}) {
  override get message() {
    return `account ${this.accountId} does not exist or is closed`
  }
}

// -- decision models ----------------------------------------------------------

/**
 * Whether a username is currently held by an open account.
 *
 * @category models
 * @since 0.1.0
 */
export const usernameTaken = (username: string) =>
  DecisionModel.make({
    query: Query.item({
      types: [AccountRegistered.type, UsernameChanged.type, AccountClosed.type],
      tags: [`username:${username}`]
    }),
    initial: false,
    events: [AccountRegistered, UsernameChanged, AccountClosed],
    evolve: (_, event) => {
      switch (event.type) {
        case "AccountRegistered":
          return true
        case "UsernameChanged":
          return event.payload.newUsername === username
        case "AccountClosed":
          return false
      }
    }
  })

/**
 * The state of an account.
 *
 * @category models
 * @since 0.1.0
 */
export type AccountState =
  | { readonly status: "absent" | "closed" }
  | { readonly status: "open"; readonly username: string }

/**
 * An account: absent, open with a username, or closed.
 *
 * @category models
 * @since 0.1.0
 */
export const account = (accountId: string) =>
  DecisionModel.make({
    query: Query.item({ tags: [`account:${accountId}`] }),
    initial: { status: "absent" } as AccountState,
    events: [AccountRegistered, UsernameChanged, AccountClosed],
    evolve: (_, event): AccountState => {
      switch (event.type) {
        case "AccountRegistered":
          return { status: "open", username: event.payload.username }
        case "UsernameChanged":
          return { status: "open", username: event.payload.newUsername }
        case "AccountClosed":
          return { status: "closed" }
      }
    }
  })

// -- commands -----------------------------------------------------------------

const Username = Schema.String.check(Schema.isPattern(/^[a-z0-9_]{3,20}$/))
const AccountId = Schema.NonEmptyString

/** @category commands @since 0.1.0 */
export const RegisterAccount = Command.make({
  name: "RegisterAccount",
  input: Schema.Struct({ accountId: AccountId, username: Username }),
  model: ({ accountId, username }) => DecisionModel.combine({ account: account(accountId), taken: usernameTaken(username) }),
  decide: (state, { accountId, username }) => {
    if (state.account.status !== "absent") return Effect.fail(new AccountExists({ accountId }))
    if (state.taken) return Effect.fail(new UsernameTaken({ username }))
    return Effect.succeed([AccountRegistered.make({ accountId, username })])
  }
})

/** @category commands @since 0.1.0 */
export const ChangeUsername = Command.make({
  name: "ChangeUsername",
  input: Schema.Struct({ accountId: AccountId, newUsername: Username }),
  model: ({ accountId, newUsername }) =>
    DecisionModel.combine({ account: account(accountId), taken: usernameTaken(newUsername) }),
  decide: (state, { accountId, newUsername }) => {
    if (state.account.status !== "open") return Effect.fail(new AccountNotFound({ accountId }))
    if (state.account.username === newUsername) return Effect.succeed([])
    if (state.taken) return Effect.fail(new UsernameTaken({ username: newUsername }))
    return Effect.succeed([
      UsernameChanged.make({ accountId, oldUsername: state.account.username, newUsername })
    ])
  }
})

/** @category commands @since 0.1.0 */
export const CloseAccount = Command.make({
  name: "CloseAccount",
  input: Schema.Struct({ accountId: AccountId }),
  model: ({ accountId }) => account(accountId),
  decide: (state, { accountId }) =>
    state.status !== "open"
      ? Effect.fail(new AccountNotFound({ accountId }))
      : Effect.succeed([AccountClosed.make({ accountId, username: state.username })])
})
