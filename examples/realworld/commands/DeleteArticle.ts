/**
 * Deletes an article (its author only).
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import { DecisionModel } from "../../../src/Dcb/index.ts"
import { Command, Registry } from "../../../src/Module/index.ts"
import { Forbidden, NotFound } from "../domain/errors.ts"
import { ArticleDeleted } from "../domain/events.ts"
import { article, favoriters } from "../domain/models.ts"

/** @category commands @since 0.1.0 */
export const DeleteArticle = Registry.register(Command.make({
  name: "DeleteArticle",
  input: Schema.Struct({ articleId: Schema.String, userId: Schema.String }),
  model: ({ articleId }) => DecisionModel.combine({ article: article(articleId), favoriters: favoriters(articleId) }),
  decide: (state, input) => {
    if (Option.isNone(state.article)) return Effect.fail(new NotFound({ message: "article not found" }))
    const a = state.article.value
    if (a.authorId !== input.userId) return Effect.fail(new Forbidden({ message: "only the author may delete an article" }))
    return Effect.succeed([ArticleDeleted.make({
      articleId: a.articleId,
      slug: a.slug,
      authorId: a.authorId,
      tagList: a.tagList,
      favoritedBy: state.favoriters
    })])
  }
}))
