/**
 * Takes back a favorite (when not favorited, changes nothing).
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import { DecisionModel } from "fairway/Dcb"
import { Command, Registry } from "fairway/Module"
import { NotFound } from "../domain/errors.ts"
import { ArticleUnfavorited } from "../domain/events.ts"
import { article, favorite } from "../domain/models.ts"

/** @category commands @since 0.1.0 */
export const UnfavoriteArticle = Registry.register(Command.make({
  name: "UnfavoriteArticle",
  input: Schema.Struct({ articleId: Schema.String, userId: Schema.String }),
  model: ({ articleId, userId }) =>
    DecisionModel.combine({ article: article(articleId), favorite: favorite(articleId, userId) }),
  decide: (state, input) => {
    if (Option.isNone(state.article)) return Effect.fail(new NotFound({ message: "article not found" }))
    const articlePosition = state.article.value.position
    return Effect.succeed(state.favorite ? [ArticleUnfavorited.make({ ...input, articlePosition })] : [])
  },
  retry: { times: 20 }
}))
