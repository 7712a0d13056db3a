/**
 * Takes back a favorite (when not favorited, changes nothing).
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import { DecisionModel } from "../../../src/Dcb/index.ts"
import { Command, Registry } from "../../../src/Module/index.ts"
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
    return Effect.succeed(state.favorite ? [ArticleUnfavorited.make(input)] : [])
  },
  retry: { times: 20 }
}))
