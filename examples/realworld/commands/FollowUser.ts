/**
 * Follows a user (following twice changes nothing).
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import { DecisionModel } from "fairway/Dcb"
import { Command, Registry } from "fairway/Module"
import { NotFound, Unprocessable } from "../domain/errors.ts"
import { UserFollowed } from "../domain/events.ts"
import { follows, user } from "../domain/models.ts"

/** @category commands @since 0.1.0 */
export const FollowUser = Registry.register(Command.make({
  name: "FollowUser",
  input: Schema.Struct({ followerId: Schema.String, followeeId: Schema.String }),
  model: ({ followeeId, followerId }) =>
    DecisionModel.combine({ followee: user(followeeId), follows: follows(followerId, followeeId) }),
  decide: (state, input) => {
    if (Option.isNone(state.followee)) return Effect.fail(new NotFound({ message: "profile not found" }))
    if (input.followerId === input.followeeId) return Effect.fail(new Unprocessable({ message: "you cannot follow yourself" }))
    return Effect.succeed(state.follows ? [] : [UserFollowed.make(input)])
  }
}))
