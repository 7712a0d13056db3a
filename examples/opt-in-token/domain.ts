/**
 * Opt-in token: signing up sends a one-time token by e-mail; the token
 * confirms the e-mail address once, and only before it expires.
 *
 * Both events are tagged with the e-mail and the token, so the decision
 * model of one token reads just its own two events. Time comes from Effect's
 * `Clock` (a test moves it with `TestClock`).
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Schema } from "effect"
import { DecisionModel, Event, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"

/**
 * How long a token is valid.
 *
 * @category policy
 * @since 0.1.0
 */
export const tokenLifetime = Duration.minutes(15)

/** @category events @since 0.1.0 */
export const SignUpInitiated = Event.define("SignUpInitiated", {
  payload: Schema.Struct({ email: Schema.String, token: Schema.String, expiresAtMillis: Schema.Number }),
  tags: (p) => [`email:${p.email}`, `token:${p.token}`]
})

/** @category events @since 0.1.0 */
export const SignUpConfirmed = Event.define("SignUpConfirmed", {
  payload: Schema.Struct({ email: Schema.String, token: Schema.String }),
  tags: (p) => [`email:${p.email}`, `token:${p.token}`]
})

/** @category errors @since 0.1.0 */
export class EmailAlreadyConfirmed extends Schema.TaggedError<EmailAlreadyConfirmed>()("EmailAlreadyConfirmed", {
  email: Schema.String
}) {
  override get message() {
    return `${this.email} is already confirmed`
  }
}

/** @category errors @since 0.1.0 */
export class TokenNotFound extends Schema.TaggedError<TokenNotFound>()("TokenNotFound", { email: Schema.String }) {
  override get message() {
    return `no such token for ${this.email}`
  }
}

/** @category errors @since 0.1.0 */
export class TokenAlreadyUsed extends Schema.TaggedError<TokenAlreadyUsed>()("TokenAlreadyUsed", {
  email: Schema.String
}) {
  override get message() {
    return `the token for ${this.email} was already used`
  }
}

/** @category errors @since 0.1.0 */
export class TokenExpired extends Schema.TaggedError<TokenExpired>()("TokenExpired", { email: Schema.String }) {
  override get message() {
    return `the token for ${this.email} has expired`
  }
}

/**
 * Whether an e-mail address is confirmed.
 *
 * @category models
 * @since 0.1.0
 */
export const emailConfirmed = (email: string) =>
  DecisionModel.make({
    query: Query.item({ types: [SignUpConfirmed.type], tags: [`email:${email}`] }),
    initial: false,
    events: [SignUpConfirmed],
    evolve: () => true
  })

/**
 * One token: when it expires (undefined: never issued) and whether it was used.
 *
 * @category models
 * @since 0.1.0
 */
export const token = (email: string, token: string) =>
  DecisionModel.make({
    query: Query.item({ tags: [`email:${email}`, `token:${token}`] }),
    initial: { expiresAtMillis: undefined as number | undefined, used: false },
    events: [SignUpInitiated, SignUpConfirmed],
    evolve: (state, event) =>
      event.type === "SignUpInitiated"
        ? { ...state, expiresAtMillis: event.payload.expiresAtMillis }
        : { ...state, used: true }
  })

const Email = Schema.String.check(Schema.isPattern(/^[^@\s]+@[^@\s]+$/))
const Token = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9]{6,64}$/))

/**
 * Starts a sign-up: issues a token that expires after {@link tokenLifetime}.
 *
 * @category commands
 * @since 0.1.0
 */
export const InitiateSignUp = Command.make({
  name: "InitiateSignUp",
  input: Schema.Struct({ email: Email, token: Token }),
  model: ({ email }) => emailConfirmed(email),
  decide: (confirmed, { email, token }) =>
    confirmed
      ? Effect.fail(new EmailAlreadyConfirmed({ email }))
      : Effect.map(Clock.currentTimeMillis, (now) => [
        SignUpInitiated.make({ email, token, expiresAtMillis: now + Duration.toMillis(tokenLifetime) })
      ])
})

/**
 * Confirms an e-mail address with its token: once, and before it expires.
 *
 * @category commands
 * @since 0.1.0
 */
export const ConfirmSignUp = Command.make({
  name: "ConfirmSignUp",
  input: Schema.Struct({ email: Email, token: Token }),
  model: ({ email, token: t }) => DecisionModel.combine({ token: token(email, t), confirmed: emailConfirmed(email) }),
  decide: (state, { email, token }) =>
    Effect.gen(function* () {
      if (state.token.expiresAtMillis === undefined) return yield* new TokenNotFound({ email })
      if (state.token.used) return yield* new TokenAlreadyUsed({ email })
      if (state.confirmed) return yield* new EmailAlreadyConfirmed({ email })
      if ((yield* Clock.currentTimeMillis) > state.token.expiresAtMillis) return yield* new TokenExpired({ email })
      return [SignUpConfirmed.make({ email, token })]
    })
})
