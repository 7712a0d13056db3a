import { describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Backend, Scenario } from "../../../src/Testing/index.ts"
import { FavoriteArticle } from "../commands/FavoriteArticle.ts"
import { RegisterUser } from "../commands/RegisterUser.ts"
import { UpdateUser } from "../commands/UpdateUser.ts"
import { Unprocessable } from "../domain/errors.ts"
import { ArticleCreated, ArticleFavorited, UserRegistered, UserUpdated } from "../domain/events.ts"
import { ArticleIndex } from "../views/ArticleIndex.ts"

const jake = { userId: "u1", username: "jake", email: "jake@x.y", passwordHash: "h" }
const article = {
  articleId: "a1",
  slug: "dragons",
  authorId: "u1",
  title: "Dragons",
  description: "d",
  body: "b",
  tagList: ["dragons"],
  createdAt: "2026-01-01T00:00:00.000Z"
}

for (const backend of Backend.all) {
  describe(`Conduit modules on ${backend.name}`, () => {
    it.effect("RegisterUser claims a username once", () =>
      Effect.gen(function*() {
        yield* Scenario.command(RegisterUser, { backend, when: jake, then: [UserRegistered.make(jake)] })
        yield* Scenario.command(RegisterUser, {
          backend,
          given: [UserRegistered.make(jake)],
          when: { ...jake, userId: "u2", email: "other@x.y" },
          thenFails: Unprocessable
        })
      }))

    it.effect("a renamed user frees the old username", () =>
      Scenario.command(RegisterUser, {
        backend,
        given: [
          UserRegistered.make(jake),
          UserUpdated.make({
            userId: "u1",
            username: "jacob",
            previousUsername: "jake",
            email: jake.email,
            previousEmail: jake.email,
            passwordHash: "h",
            bio: null,
            image: null
          })
        ],
        when: { userId: "u2", username: "jake", email: "new@x.y", passwordHash: "h2" },
        then: [UserRegistered.make({ userId: "u2", username: "jake", email: "new@x.y", passwordHash: "h2" })]
      }))

    it.effect("UpdateUser refuses a username held by another user", () =>
      Scenario.command(UpdateUser, {
        backend,
        given: [UserRegistered.make(jake), UserRegistered.make({ ...jake, userId: "u2", username: "jane", email: "jane@x.y" })],
        when: { userId: "u2", username: "jake" },
        thenFails: "Unprocessable"
      }))

    it.effect("FavoriteArticle favorites once", () =>
      Effect.gen(function*() {
        yield* Scenario.command(FavoriteArticle, {
          backend,
          given: [ArticleCreated.make(article)],
          when: { articleId: "a1", userId: "u2" },
          then: [ArticleFavorited.make({ articleId: "a1", userId: "u2" })]
        })
        yield* Scenario.command(FavoriteArticle, {
          backend,
          given: [ArticleCreated.make(article), ArticleFavorited.make({ articleId: "a1", userId: "u2" })],
          when: { articleId: "a1", userId: "u2" },
          then: []
        })
        yield* Scenario.command(FavoriteArticle, {
          backend,
          when: { articleId: "nope", userId: "u2" },
          thenFails: "NotFound"
        })
      }))

    it.effect("ArticleIndex lists by tag, newest first, and drops deleted articles", () =>
      Scenario.view(ArticleIndex, {
        backend,
        given: [
          ArticleCreated.make(article),
          ArticleCreated.make({ ...article, articleId: "a2", slug: "more", createdAt: "2026-01-02T00:00:00.000Z" })
        ],
        key: "tag:dragons",
        then: [
          { articleId: "a2", createdAt: "2026-01-02T00:00:00.000Z" },
          { articleId: "a1", createdAt: "2026-01-01T00:00:00.000Z" }
        ]
      }))
  })
}
