import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { EventStore } from "fairway/Dcb"
import { View } from "fairway/Module"
import { Backend, Scenario } from "fairway/Testing"
import { FavoriteArticle } from "../commands/FavoriteArticle.ts"
import { RegisterUser } from "../commands/RegisterUser.ts"
import { UpdateUser } from "../commands/UpdateUser.ts"
import { Unprocessable } from "../domain/errors.ts"
import { ArticleCreated, ArticleDeleted, ArticleFavorited, UserRegistered, UserUpdated } from "../domain/events.ts"
import { ArticleCounts, countKey } from "../views/ArticleCounts.ts"
import { ArticleIndex, listPrefix } from "../views/ArticleIndex.ts"

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

    it.effect("FavoriteArticle favorites once, carrying the article's position", () =>
      Effect.gen(function*() {
        const position = yield* EventStore.append([ArticleCreated.make(article)]).pipe(Effect.provide(backend.layer))
        yield* Scenario.command(FavoriteArticle, {
          backend,
          given: [ArticleCreated.make(article)],
          when: { articleId: "a1", userId: "u2" },
          then: [ArticleFavorited.make({ articleId: "a1", userId: "u2", articlePosition: String(position) })]
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

    it.effect("ArticleIndex lists by tag, newest first, one key per entry; ArticleCounts counts them; a deletion removes both", () =>
      Effect.gen(function*() {
        const second = { ...article, articleId: "a2", slug: "more", tagList: ["dragons", "a:b"] }
        const p1 = yield* EventStore.append([ArticleCreated.make(article)])
        yield* EventStore.append([ArticleCreated.make(second)])
        yield* View.catchUp(ArticleIndex)
        yield* View.catchUp(ArticleCounts)
        const ids = (prefix: string) =>
          Effect.map(View.list(ArticleIndex, { prefix }), (entries) => entries.map((e) => e.state.articleId))
        const count = (key: string) => Effect.map(View.get(ArticleCounts, key), Option.getOrElse(() => 0))
        expect(yield* ids(listPrefix({ _tag: "tag", id: "dragons" }))).toEqual(["a2", "a1"])
        expect(yield* ids(listPrefix({ _tag: "all" }))).toEqual(["a2", "a1"])
        // a tag holding the separator does not run into another tag's list
        expect(yield* ids(listPrefix({ _tag: "tag", id: "a" }))).toEqual([])
        expect(yield* ids(listPrefix({ _tag: "tag", id: "a:b" }))).toEqual(["a2"])
        expect(yield* count(countKey({ _tag: "tag", id: "dragons" }))).toBe(2)
        yield* EventStore.append([
          ArticleFavorited.make({ articleId: "a1", userId: "u2", articlePosition: String(p1) }),
          ArticleDeleted.make({
            articleId: "a1",
            slug: "dragons",
            authorId: "u1",
            tagList: ["dragons"],
            articlePosition: String(p1)
          })
        ])
        yield* View.catchUp(ArticleIndex)
        yield* View.catchUp(ArticleCounts)
        expect(yield* ids(listPrefix({ _tag: "tag", id: "dragons" }))).toEqual(["a2"])
        expect(yield* ids(listPrefix({ _tag: "author", id: "u1" }))).toEqual(["a2"])
        expect(yield* ids(listPrefix({ _tag: "favorited", id: "u2" }))).toEqual(["a1"])
        expect(yield* count(countKey({ _tag: "all" }))).toBe(1)
        expect(yield* count(countKey({ _tag: "tag", id: "dragons" }))).toBe(1)
        expect(yield* count(countKey({ _tag: "favorited", id: "u2" }))).toBe(1)
      }).pipe(Effect.provide(backend.layer)))
  })
}
