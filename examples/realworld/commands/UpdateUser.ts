/**
 * Updates the current user's settings. A new username or e-mail address is
 * claimed (and the old one released) in the same event, under the append
 * condition of both claims.
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import { DecisionModel } from "fairway/Dcb"
import { Command, Registry } from "fairway/Module"
import { NotFound, Unprocessable } from "../domain/errors.ts"
import { UserUpdated } from "../domain/events.ts"
import { emailOwner, user, usernameOwner } from "../domain/models.ts"

/** @category commands @since 0.1.0 */
export const UpdateUser = Registry.register(Command.make({
  name: "UpdateUser",
  input: Schema.Struct({
    userId: Schema.String,
    username: Schema.optionalKey(Schema.String),
    email: Schema.optionalKey(Schema.String),
    passwordHash: Schema.optionalKey(Schema.String),
    bio: Schema.optionalKey(Schema.NullOr(Schema.String)),
    image: Schema.optionalKey(Schema.NullOr(Schema.String))
  }),
  model: (input) =>
    DecisionModel.combine({
      user: user(input.userId),
      username: usernameOwner(input.username ?? ""),
      email: emailOwner(input.email ?? "")
    }),
  decide: (state, input) => {
    if (Option.isNone(state.user)) return Effect.fail(new NotFound({ message: "user not found" }))
    const current = state.user.value
    const takenByOther = (owner: Option.Option<string>) => Option.isSome(owner) && owner.value !== input.userId
    if (input.username !== undefined && takenByOther(state.username)) {
      return Effect.fail(new Unprocessable({ message: "username has already been taken" }))
    }
    if (input.email !== undefined && takenByOther(state.email)) {
      return Effect.fail(new Unprocessable({ message: "email has already been taken" }))
    }
    return Effect.succeed([UserUpdated.make({
      userId: input.userId,
      username: input.username ?? current.username,
      previousUsername: current.username,
      email: input.email ?? current.email,
      previousEmail: current.email,
      passwordHash: input.passwordHash ?? current.passwordHash,
      bio: input.bio !== undefined ? input.bio : current.bio,
      image: input.image !== undefined ? input.image : current.image
    })])
  }
}))
