/**
 * Deletes an article (its author only). The favorites are taken back in the
 * same append (one small `ArticleUnfavorited` each), so the deletion event
 * stays small however popular the article was; past `releaseBatch` of them
 * (an append holds at most 10,000 events), the rest are taken back by the
 * automation `ReleaseFavoritesOfDeletedArticles` right after.
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import { DecisionModel } from "fairway/Dcb"
import { Command, Registry } from "fairway/Module"
import { Forbidden, NotFound } from "../domain/errors.ts"
import { ArticleDeleted, ArticleUnfavorited } from "../domain/events.ts"
import { article, favoriters } from "../domain/models.ts"
import { releaseBatch } from "./ReleaseFavorites.ts"

/** @category commands @since 0.1.0 */
export const DeleteArticle = Registry.register(Command.make({
  name: "DeleteArticle",
  input: Schema.Struct({ articleId: Schema.String, userId: Schema.String }),
  model: ({ articleId }) => DecisionModel.combine({ article: article(articleId), favoriters: favoriters(articleId) }),
  decide: (state, input) => {
    if (Option.isNone(state.article)) return Effect.fail(new NotFound({ message: "article not found" }))
    const a = state.article.value
    if (a.authorId !== input.userId) return Effect.fail(new Forbidden({ message: "only the author may delete an article" }))
    return Effect.succeed([
      ...Array.from(state.favoriters).slice(0, releaseBatch).map((userId) =>
        ArticleUnfavorited.make({ articleId: a.articleId, userId, articlePosition: a.position })
      ),
      ArticleDeleted.make({
        articleId: a.articleId,
        slug: a.slug,
        authorId: a.authorId,
        tagList: a.tagList,
        articlePosition: a.position
      })
    ])
  }
}))
