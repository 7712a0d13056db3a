/**
 * Deletes a comment (its author only).
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { Command, Registry } from "fairway/Module"
import { Forbidden, NotFound } from "../domain/errors.ts"
import { CommentDeleted } from "../domain/events.ts"
import { comments } from "../domain/models.ts"

/** @category commands @since 0.1.0 */
export const DeleteComment = Registry.register(Command.make({
  name: "DeleteComment",
  input: Schema.Struct({ articleId: Schema.String, commentId: Schema.Int, userId: Schema.String }),
  model: ({ articleId }) => comments(articleId),
  decide: (state, input) => {
    const comment = state.comments.find((c) => c.commentId === input.commentId)
    if (comment === undefined) return Effect.fail(new NotFound({ message: "comment not found" }))
    if (comment.authorId !== input.userId) return Effect.fail(new Forbidden({ message: "only the author may delete a comment" }))
    return Effect.succeed([CommentDeleted.make({ articleId: input.articleId, commentId: input.commentId })])
  }
}))
