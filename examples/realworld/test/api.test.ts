import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Backend, HttpTest } from "fairway/Testing"
import { app } from "../api.ts"
import * as Auth from "../auth.ts"

const isoMillis = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

const conduit = (backend: Backend.Backend) =>
  HttpTest.make(app, { backend, layer: Auth.layerSecret("test-secret-of-at-least-32-bytes!!") })

type Api = Effect.Success<ReturnType<typeof conduit>>

const auth = (token: string) => ({ headers: { authorization: `Token ${token}` } })

const register = (api: Api, username: string) =>
  Effect.map(
    api.post("/api/users", { user: { username, email: `${username}@conduit.test`, password: `${username}-password` } }),
    (r) => r.body.user.token as string
  )

for (const backend of Backend.all) {
  describe(`Conduit API on ${backend.name}`, () => {
    it.effect("users: register, login, current user, update; 401 and 422 as the spec says", () =>
      Effect.gen(function*() {
        const api = yield* conduit(backend)
        const created = yield* api.post("/api/users", {
          user: { username: "jake", email: "jake@jake.jake", password: "jakejake" }
        })
        expect(created.status).toBe(201)
        expect(created.body.user).toMatchObject({ username: "jake", email: "jake@jake.jake", bio: null, image: null })
        const token = created.body.user.token as string
        expect(token.split(".")).toHaveLength(3)

        const taken = yield* api.post("/api/users", { user: { username: "jake", email: "other@x.y", password: "password" } })
        expect(taken).toMatchObject({ status: 422, body: { errors: { body: ["username has already been taken"] } } })
        const emailTaken = yield* api.post("/api/users", { user: { username: "jake2", email: "jake@jake.jake", password: "password" } })
        expect(emailTaken.body.errors.body).toEqual(["email has already been taken"])
        const invalid = yield* api.post("/api/users", { user: { username: "", email: "nope" } })
        expect(invalid.status).toBe(422)
        expect(invalid.body.errors.body).toEqual([
          "user.username can't be blank",
          "user.email is invalid",
          expect.stringMatching(/^user\.password /)
        ])

        const login = yield* api.post("/api/users/login", { user: { email: "jake@jake.jake", password: "jakejake" } })
        expect(login).toMatchObject({ status: 200, body: { user: { username: "jake" } } })
        const wrong = yield* api.post("/api/users/login", { user: { email: "jake@jake.jake", password: "nope" } })
        expect(wrong).toMatchObject({ status: 401, body: { errors: { body: ["email or password is invalid"] } } })

        expect(yield* api.get("/api/user", auth(token))).toMatchObject({ status: 200, body: { user: { username: "jake" } } })
        expect((yield* api.get("/api/user")).status).toBe(401)
        expect((yield* api.get("/api/user", auth("not.a.token"))).status).toBe(401)

        const updated = yield* api.put("/api/user", { user: { bio: "I work at statefarm", image: "https://i.test/j.png" } }, auth(token))
        expect(updated).toMatchObject({ status: 200, body: { user: { bio: "I work at statefarm", image: "https://i.test/j.png" } } })
        const renamed = yield* api.put("/api/user", { user: { username: "jacob", password: "new-password" } }, auth(token))
        expect(renamed.body.user.username).toBe("jacob")
        // the old username is free again; the new password works
        expect((yield* api.post("/api/users", { user: { username: "jake", email: "j2@x.y", password: "password" } })).status).toBe(201)
        const relogin = yield* api.post("/api/users/login", { user: { email: "jake@jake.jake", password: "new-password" } })
        expect(relogin.body.user.username).toBe("jacob")
      }))

    it.effect("profiles: get, follow, unfollow; 404 for an unknown user", () =>
      Effect.gen(function*() {
        const api = yield* conduit(backend)
        yield* register(api, "celeb")
        const fan = yield* register(api, "fan")
        expect((yield* api.get("/api/profiles/celeb")).body).toEqual({
          profile: { username: "celeb", bio: null, image: null, following: false }
        })
        expect((yield* api.post("/api/profiles/celeb/follow", undefined, auth(fan))).body.profile.following).toBe(true)
        expect((yield* api.get("/api/profiles/celeb", auth(fan))).body.profile.following).toBe(true)
        expect((yield* api.delete("/api/profiles/celeb/follow", auth(fan))).body.profile.following).toBe(false)
        expect((yield* api.get("/api/profiles/nobody")).status).toBe(404)
        expect((yield* api.post("/api/profiles/celeb/follow")).status).toBe(401)
      }))

    it.effect("articles: create, get, list with filters, feed, update, favorite, delete; 403 for another author", () =>
      Effect.gen(function*() {
        const api = yield* conduit(backend)
        const author = yield* register(api, "author")
        const reader = yield* register(api, "reader")
        const created = yield* api.post("/api/articles", {
          article: { title: "How to train your dragon", description: "Ever wonder how?", body: "Very carefully.", tagList: ["dragons", "training"] }
        }, auth(author))
        expect(created.status).toBe(201)
        const article = created.body.article
        expect(article).toMatchObject({
          slug: "how-to-train-your-dragon",
          tagList: ["dragons", "training"],
          favorited: false,
          favoritesCount: 0,
          author: { username: "author", following: false }
        })
        expect(article.createdAt).toMatch(isoMillis)
        expect(article.updatedAt).toBe(article.createdAt)
        const second = yield* api.post("/api/articles", {
          article: { title: "How to train your dragon", description: "again", body: "b", tagList: ["dragons"] }
        }, auth(author))
        expect(second.body.article.slug).toMatch(/^how-to-train-your-dragon-[0-9a-f]{8}$/)
        yield* api.post("/api/articles", { article: { title: "Other", description: "d", body: "b" } }, auth(reader))

        expect((yield* api.get("/api/articles/how-to-train-your-dragon")).body.article.title).toBe("How to train your dragon")
        const all = yield* api.get("/api/articles")
        expect(all.body.articlesCount).toBe(3)
        expect(all.body.articles.map((a: { title: string }) => a.title)).toEqual(["Other", "How to train your dragon", "How to train your dragon"])
        expect((yield* api.get("/api/articles?tag=training")).body.articlesCount).toBe(1)
        expect((yield* api.get("/api/articles?author=author")).body.articlesCount).toBe(2)
        expect((yield* api.get("/api/articles?author=nobody")).body).toEqual({ articles: [], articlesCount: 0 })
        const paged = yield* api.get("/api/articles?limit=1&offset=1")
        expect(paged.body.articlesCount).toBe(3)
        expect(paged.body.articles).toHaveLength(1)
        expect((yield* api.get("/api/articles?limit=x")).status).toBe(422)

        // favorite
        const fav = yield* api.post("/api/articles/how-to-train-your-dragon/favorite", undefined, auth(reader))
        expect(fav.body.article).toMatchObject({ favorited: true, favoritesCount: 1 })
        expect((yield* api.get("/api/articles?favorited=reader")).body.articles.map((a: { slug: string }) => a.slug)).toEqual(["how-to-train-your-dragon"])
        const unfav = yield* api.delete("/api/articles/how-to-train-your-dragon/favorite", auth(reader))
        expect(unfav.body.article).toMatchObject({ favorited: false, favoritesCount: 0 })

        // feed
        expect((yield* api.get("/api/articles/feed", auth(reader))).body.articlesCount).toBe(0)
        yield* api.post("/api/profiles/author/follow", undefined, auth(reader))
        const feed = yield* api.get("/api/articles/feed", auth(reader))
        expect(feed.body.articlesCount).toBe(2)
        expect(feed.body.articles[0].author.following).toBe(true)
        expect((yield* api.get("/api/articles/feed")).status).toBe(401)

        // update
        expect((yield* api.put("/api/articles/how-to-train-your-dragon", { article: { body: "x" } }, auth(reader))).status).toBe(403)
        const updated = yield* api.put("/api/articles/how-to-train-your-dragon", { article: { title: "Dragons, trained" } }, auth(author))
        expect(updated.body.article).toMatchObject({ slug: "dragons-trained", title: "Dragons, trained", body: "Very carefully." })
        expect((yield* api.get("/api/articles/how-to-train-your-dragon")).status).toBe(404)

        // tags
        expect((yield* api.get("/api/tags")).body).toEqual({ tags: ["dragons", "training"] })

        // delete
        expect((yield* api.delete("/api/articles/dragons-trained", auth(reader))).status).toBe(403)
        expect((yield* api.delete("/api/articles/dragons-trained", auth(author))).status).toBe(200)
        expect((yield* api.get("/api/articles/dragons-trained")).status).toBe(404)
        expect((yield* api.get("/api/articles")).body.articlesCount).toBe(2)
        expect((yield* api.get("/api/tags")).body).toEqual({ tags: ["dragons"] })
        expect((yield* api.post("/api/articles", { article: { title: "" } }, auth(author))).status).toBe(422)
        expect((yield* api.post("/api/articles", { article: { title: "t", description: "d", body: "b" } })).status).toBe(401)
      }))

    it.effect("lists: exact pages and counts, combined filters, tags sorted, a deletion takes its entries and favorites", () =>
      Effect.gen(function*() {
        const api = yield* conduit(backend)
        const alice = yield* register(api, "alice")
        const bob = yield* register(api, "bob")
        const slugs: Array<string> = []
        for (let i = 0; i < 7; i++) {
          const created = yield* api.post("/api/articles", {
            article: { title: `A${i}`, description: "d", body: "b", tagList: i % 2 === 0 ? ["zeta", "even", "alpha"] : ["odd"] }
          }, auth(i < 4 ? alice : bob))
          slugs.push(created.body.article.slug)
        }
        // the reference implementation's order, whatever the order given
        expect((yield* api.get(`/api/articles/${slugs[0]}`)).body.article.tagList).toEqual(["alpha", "even", "zeta"])
        const newestFirst = [...slugs].reverse()
        const pages: Array<string> = []
        for (let offset = 0; offset < 8; offset += 3) {
          const page = yield* api.get(`/api/articles?limit=3&offset=${offset}`)
          expect(page.body.articlesCount).toBe(7)
          pages.push(...page.body.articles.map((a: { slug: string }) => a.slug))
        }
        expect(pages).toEqual(newestFirst)
        const evenByAlice = yield* api.get("/api/articles?tag=even&author=alice")
        expect(evenByAlice.body).toMatchObject({ articlesCount: 2 })
        expect(evenByAlice.body.articles.map((a: { slug: string }) => a.slug)).toEqual([slugs[2], slugs[0]])
        expect((yield* api.get("/api/articles?tag=even&author=alice&limit=1&offset=1")).body.articles[0].slug).toBe(slugs[0])
        expect((yield* api.get("/api/tags")).body).toEqual({ tags: ["alpha", "even", "odd", "zeta"] })
        // bob favorites two of alice's; alice deletes one of them
        yield* api.post(`/api/articles/${slugs[0]}/favorite`, undefined, auth(bob))
        yield* api.post(`/api/articles/${slugs[2]}/favorite`, undefined, auth(bob))
        const favorites = yield* api.get("/api/articles?favorited=bob")
        expect(favorites.body.articles.map((a: { slug: string }) => a.slug)).toEqual([slugs[2], slugs[0]])
        expect((yield* api.delete(`/api/articles/${slugs[2]}`, auth(alice))).status).toBe(200)
        expect((yield* api.get("/api/articles?favorited=bob")).body).toMatchObject({ articlesCount: 1 })
        expect((yield* api.get("/api/articles?tag=even")).body.articlesCount).toBe(3)
        expect((yield* api.get("/api/articles?author=alice")).body.articlesCount).toBe(3)
        expect((yield* api.get("/api/articles")).body.articlesCount).toBe(6)
        // the feed: bob follows alice
        yield* api.post("/api/profiles/alice/follow", undefined, auth(bob))
        const feed = yield* api.get("/api/articles/feed?limit=2&offset=1", auth(bob))
        expect(feed.body.articlesCount).toBe(3)
        expect(feed.body.articles.map((a: { slug: string }) => a.slug)).toEqual([slugs[1], slugs[0]])
      }))

    it.effect("comments: add, list, delete; 403 for another's comment, 404 for an unknown one", () =>
      Effect.gen(function*() {
        const api = yield* conduit(backend)
        const author = yield* register(api, "author")
        const other = yield* register(api, "other")
        yield* api.post("/api/articles", { article: { title: "Talk", description: "d", body: "b" } }, auth(author))
        const added = yield* api.post("/api/articles/talk/comments", { comment: { body: "First!" } }, auth(other))
        expect(added.status).toBe(200)
        expect(added.body.comment).toMatchObject({ id: 1, body: "First!", author: { username: "other" } })
        expect(added.body.comment.createdAt).toMatch(isoMillis)
        const second = yield* api.post("/api/articles/talk/comments", { comment: { body: "Second" } }, auth(author))
        expect(second.body.comment.id).toBe(2)
        expect((yield* api.get("/api/articles/talk/comments")).body.comments.map((c: { id: number }) => c.id)).toEqual([1, 2])
        expect((yield* api.delete("/api/articles/talk/comments/1", auth(author))).status).toBe(403)
        expect((yield* api.delete("/api/articles/talk/comments/1", auth(other))).status).toBe(200)
        expect((yield* api.delete("/api/articles/talk/comments/9", auth(other))).status).toBe(404)
        expect((yield* api.get("/api/articles/talk/comments")).body.comments.map((c: { id: number }) => c.id)).toEqual([2])
        expect((yield* api.get("/api/articles/nope/comments")).status).toBe(404)
        expect((yield* api.post("/api/articles/talk/comments", { comment: { body: "" } }, auth(other))).status).toBe(422)
      }))
  })
}

describe("Conduit under concurrency", () => {
  it.live("concurrent registrations of one username: exactly one wins", () =>
    Effect.gen(function*() {
      const api = yield* conduit(Backend.memory)
      const results = yield* Effect.forEach(
        Array.from({ length: 12 }, (_, i) =>
          api.post("/api/users", { user: { username: "popular", email: `p${i}@x.y`, password: "password" } })),
        (e) => e,
        { concurrency: "unbounded" }
      )
      expect(results.filter((r) => r.status === 201)).toHaveLength(1)
      const losers = results.filter((r) => r.status !== 201)
      expect(losers).toHaveLength(11)
      expect(losers.every((r) => r.status === 422 && r.body.errors.body[0] === "username has already been taken")).toBe(true)
    }))

  it.live("favorite counts stay exact under concurrent favorite and unfavorite", () =>
    Effect.gen(function*() {
      const api = yield* conduit(Backend.memory)
      const author = yield* register(api, "author")
      yield* api.post("/api/articles", { article: { title: "Popular", description: "d", body: "b" } }, auth(author))
      const users = yield* Effect.forEach(Array.from({ length: 16 }, (_, i) => `u${i}`), (u) => register(api, u), {
        concurrency: 4
      })
      // everyone favorites at once, twice (the second is a no-op)
      yield* Effect.forEach([...users, ...users], (t) => api.post("/api/articles/popular/favorite", undefined, auth(t)), {
        concurrency: "unbounded"
      })
      expect((yield* api.get("/api/articles/popular")).body.article.favoritesCount).toBe(16)
      // the first half takes it back while the second half favorites again, all at once
      const half = users.slice(0, 8)
      yield* Effect.forEach(
        [
          ...half.map((t) => api.delete("/api/articles/popular/favorite", auth(t))),
          ...users.slice(8).map((t) => api.post("/api/articles/popular/favorite", undefined, auth(t)))
        ],
        (e) => e,
        { concurrency: "unbounded" }
      )
      const after = yield* api.get("/api/articles/popular")
      expect(after.body.article.favoritesCount).toBe(8)
      const favoritedBy = yield* Effect.forEach(users, (t) =>
        Effect.map(api.get("/api/articles/popular", auth(t)), (r) => r.body.article.favorited as boolean))
      expect(favoritedBy.filter(Boolean)).toHaveLength(8)
      expect((yield* api.get("/api/articles?favorited=u15")).body.articlesCount).toBe(1)
      expect((yield* api.get("/api/articles?favorited=u0")).body.articlesCount).toBe(0)
    }))
})
