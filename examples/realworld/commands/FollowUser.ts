/**
 * Follows a user (following twice changes nothing). A user follows at most
 * `limits.follows` users: the feed merges their lists.
 *
 * @since 0.1.0
 */
import { Effect, HashSet, Option, Schema } from "effect"
import { DecisionModel } from "fairway/Dcb"
import { Command, Registry } from "fairway/Module"
import { NotFound, Unprocessable } from "../domain/errors.ts"
import { UserFollowed } from "../domain/events.ts"
import { followees, follows, user } from "../domain/models.ts"
import { limits } from "../schemas.ts"

/** @category commands @since 0.1.0 */
export const FollowUser = Registry.register(Command.make({
  name: "FollowUser",
  input: Schema.Struct({ followerId: Schema.String, followeeId: Schema.String }),
  model: ({ followeeId, followerId }) =>
    DecisionModel.combine({
      followee: user(followeeId),
      follows: follows(followerId, followeeId),
      followees: followees(followerId)
    }),
  decide: (state, input) => {
    if (Option.isNone(state.followee)) return Effect.fail(new NotFound({ message: "profile not found" }))
    if (input.followerId === input.followeeId) return Effect.fail(new Unprocessable({ message: "you cannot follow yourself" }))
    if (state.follows) return Effect.succeed([])
    if (HashSet.size(state.followees) >= limits.follows) {
      return Effect.fail(new Unprocessable({ message: `you can follow at most ${limits.follows} users` }))
    }
    return Effect.succeed([UserFollowed.make(input)])
  }
}))
