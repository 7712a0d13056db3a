/**
 * Adds a comment to an article; comment ids count up per article. An article
 * takes at most `limits.commentsPerArticle` comments, deleted ones included:
 * its thread, read whole by this decision and by every comment list, stays
 * bounded.
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import { DecisionModel } from "fairway/Dcb"
import { Command, Registry } from "fairway/Module"
import { NotFound, Unprocessable } from "../domain/errors.ts"
import { CommentAdded } from "../domain/events.ts"
import { article, comments } from "../domain/models.ts"
import { now } from "../domain/text.ts"
import { limits } from "../schemas.ts"

/** @category commands @since 0.1.0 */
export const AddComment = Registry.register(Command.make({
  name: "AddComment",
  input: Schema.Struct({ articleId: Schema.String, authorId: Schema.String, body: Schema.String }),
  model: ({ articleId }) => DecisionModel.combine({ article: article(articleId), comments: comments(articleId) }),
  decide: (state, input) =>
    Effect.gen(function*() {
      if (Option.isNone(state.article)) return yield* new NotFound({ message: "article not found" })
      if (state.comments.lastId >= limits.commentsPerArticle) {
        return yield* new Unprocessable({ message: `an article takes at most ${limits.commentsPerArticle} comments` })
      }
      return [CommentAdded.make({ ...input, commentId: state.comments.lastId + 1, createdAt: yield* now })]
    }),
  retry: { times: 20 }
}))
