/**
 * Registers a user. The username and the e-mail address are claimed through
 * the append condition: the decision reads both claims, and two concurrent
 * registrations of one username cannot both append.
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import { DecisionModel } from "fairway/Dcb"
import { Command, Registry } from "fairway/Module"
import { Unprocessable } from "../domain/errors.ts"
import { UserRegistered } from "../domain/events.ts"
import { emailOwner, usernameOwner } from "../domain/models.ts"

/** @category commands @since 0.1.0 */
export const RegisterUser = Registry.register(Command.make({
  name: "RegisterUser",
  input: Schema.Struct({
    userId: Schema.String,
    username: Schema.String,
    email: Schema.String,
    passwordHash: Schema.String
  }),
  model: ({ email, username }) => DecisionModel.combine({ username: usernameOwner(username), email: emailOwner(email) }),
  decide: (claims, input) => {
    if (Option.isSome(claims.username)) return Effect.fail(new Unprocessable({ message: "username has already been taken" }))
    if (Option.isSome(claims.email)) return Effect.fail(new Unprocessable({ message: "email has already been taken" }))
    return Effect.succeed([UserRegistered.make(input)])
  }
}))
