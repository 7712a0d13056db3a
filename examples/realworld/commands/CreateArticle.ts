/**
 * Publishes an article. Its slug comes from its title and is claimed through
 * the append condition; when another article holds it, the slug gets the
 * start of the article id.
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import { DecisionModel } from "fairway/Dcb"
import { Command, Registry } from "fairway/Module"
import { Unprocessable } from "../domain/errors.ts"
import { ArticleCreated } from "../domain/events.ts"
import { slugOwner } from "../domain/models.ts"
import { alternativeSlug, now, slugify } from "../domain/text.ts"

/** @category commands @since 0.1.0 */
export const CreateArticle = Registry.register(Command.make({
  name: "CreateArticle",
  input: Schema.Struct({
    articleId: Schema.String,
    authorId: Schema.String,
    title: Schema.String,
    description: Schema.String,
    body: Schema.String,
    tagList: Schema.Array(Schema.String)
  }),
  model: ({ articleId, title }) =>
    DecisionModel.combine({
      slug: slugOwner(slugify(title)),
      alternative: slugOwner(alternativeSlug(title, articleId))
    }),
  decide: (claims, input) =>
    Effect.gen(function*() {
      const slug = Option.isNone(claims.slug)
        ? slugify(input.title)
        : Option.isNone(claims.alternative)
        ? alternativeSlug(input.title, input.articleId)
        : yield* Effect.fail(new Unprocessable({ message: "slug has already been taken" }))
      const tagList = [...new Set(input.tagList.map((t) => t.trim()).filter((t) => t !== ""))]
      return [ArticleCreated.make({ ...input, slug, tagList, createdAt: yield* now })]
    })
}))
