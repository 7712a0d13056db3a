/**
 * Edits an article (its author only). A new title moves the article to a new
 * slug, claimed under the append condition.
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import { DecisionModel } from "fairway/Dcb"
import { Command, Registry } from "fairway/Module"
import { Forbidden, NotFound, Unprocessable } from "../domain/errors.ts"
import { ArticleUpdated } from "../domain/events.ts"
import { article, slugOwner } from "../domain/models.ts"
import { alternativeSlug, now, slugify } from "../domain/text.ts"

/** @category commands @since 0.1.0 */
export const UpdateArticle = Registry.register(Command.make({
  name: "UpdateArticle",
  input: Schema.Struct({
    articleId: Schema.String,
    userId: Schema.String,
    title: Schema.optionalKey(Schema.String),
    description: Schema.optionalKey(Schema.String),
    body: Schema.optionalKey(Schema.String)
  }),
  model: (input) =>
    DecisionModel.combine({
      article: article(input.articleId),
      slug: slugOwner(slugify(input.title ?? "")),
      alternative: slugOwner(alternativeSlug(input.title ?? "", input.articleId))
    }),
  decide: (state, input) =>
    Effect.gen(function*() {
      if (Option.isNone(state.article)) return yield* new NotFound({ message: "article not found" })
      const current = state.article.value
      if (current.authorId !== input.userId) return yield* new Forbidden({ message: "only the author may edit an article" })
      let slug = current.slug
      if (input.title !== undefined && input.title !== current.title) {
        const mine = (owner: Option.Option<string>) => Option.isNone(owner) || owner.value === input.articleId
        slug = mine(state.slug)
          ? slugify(input.title)
          : mine(state.alternative)
          ? alternativeSlug(input.title, input.articleId)
          : yield* new Unprocessable({ message: "slug has already been taken" })
      }
      return [ArticleUpdated.make({
        articleId: input.articleId,
        slug,
        previousSlug: current.slug,
        title: input.title ?? current.title,
        description: input.description ?? current.description,
        body: input.body ?? current.body,
        updatedAt: yield* now
      })]
    })
}))
