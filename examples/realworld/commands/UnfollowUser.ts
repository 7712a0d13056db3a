/**
 * Stops following a user (when not following, changes nothing).
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import { DecisionModel } from "fairway/Dcb"
import { Command, Registry } from "fairway/Module"
import { NotFound } from "../domain/errors.ts"
import { UserUnfollowed } from "../domain/events.ts"
import { follows, user } from "../domain/models.ts"

/** @category commands @since 0.1.0 */
export const UnfollowUser = Registry.register(Command.make({
  name: "UnfollowUser",
  input: Schema.Struct({ followerId: Schema.String, followeeId: Schema.String }),
  model: ({ followeeId, followerId }) =>
    DecisionModel.combine({ followee: user(followeeId), follows: follows(followerId, followeeId) }),
  decide: (state, input) => {
    if (Option.isNone(state.followee)) return Effect.fail(new NotFound({ message: "profile not found" }))
    return Effect.succeed(state.follows ? [UserUnfollowed.make(input)] : [])
  }
}))
