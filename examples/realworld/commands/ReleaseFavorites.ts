/**
 * Takes back favorites of a deleted article, at most {@link releaseBatch} in
 * one append (an append holds at most 10,000 events): `DeleteArticle` takes
 * back the first batch with the deletion, the automation
 * `ReleaseFavoritesOfDeletedArticles` runs this until none is left.
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import { DecisionModel } from "fairway/Dcb"
import { Command, Registry } from "fairway/Module"
import { ArticleUnfavorited } from "../domain/events.ts"
import { article, favoriters } from "../domain/models.ts"

/**
 * The most favorites taken back in one append.
 *
 * @category constants
 * @since 0.1.0
 */
export const releaseBatch = 1_000

/** @category commands @since 0.1.0 */
export const ReleaseFavorites = Registry.register(Command.make({
  name: "ReleaseFavorites",
  input: Schema.Struct({ articleId: Schema.String, articlePosition: Schema.String }),
  model: ({ articleId }) => DecisionModel.combine({ article: article(articleId), favoriters: favoriters(articleId) }),
  // only once the article is gone (a live article keeps its favorites)
  decide: (state, input) =>
    Effect.succeed(
      Option.isSome(state.article)
        ? []
        : Array.from(state.favoriters).slice(0, releaseBatch).map((userId) => ArticleUnfavorited.make({ ...input, userId }))
    )
}))
