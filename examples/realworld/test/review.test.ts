/**
 * The RealWorld backend reviewed as an attacker and an operator would: each
 * test names the defect it guards (found in review of issue 13), and failed
 * on the code before its fix.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, HashSet, Layer, Option, Stream } from "effect"
import { TestClock } from "effect/testing"
import { decodeJwt, SignJWT } from "jose"
import * as NodeCrypto from "node:crypto"
import { DecisionModel, EventStore, Query } from "fairway/Dcb"
import { Automation, AutomationStore, ViewStore } from "fairway/Module"
import { Backend, HttpTest } from "fairway/Testing"
import { app } from "../api.ts"
import * as Auth from "../auth.ts"
import { ReleaseFavoritesOfDeletedArticles } from "../automations/ReleaseFavoritesOfDeletedArticles.ts"
import { favoriters } from "../domain/models.ts"
import {
  ArticleCreated,
  ArticleFavorited,
  CommentAdded,
  UserFollowed,
  UserRegistered,
  UserUnfollowed
} from "../domain/events.ts"
import { limits } from "../schemas.ts"

const secret = "review-test-secret-of-32-bytes-or-more"

const conduit = (layer: Layer.Layer<Auth.Auth, unknown> = Auth.layerSecret(secret)) =>
  HttpTest.make(app, { backend: Backend.memory, layer })

type Api = Effect.Success<ReturnType<typeof conduit>>

const auth = (token: string) => ({ headers: { authorization: `Token ${token}` } })

const register = (api: Api, username: string, email = `${username.length}-${Math.random()}@conduit.test`) =>
  Effect.map(
    api.post("/api/users", { user: { username, email, password: `${username}-password` } }),
    (r) => {
      expect(r.status, username).toBe(201)
      return r.body.user.token as string
    }
  )

/** The first article published: its id, author and position. */
const firstArticle = (api: Api) =>
  Effect.map(
    api.use(Stream.runCollect(EventStore.read(Query.item({ types: [ArticleCreated.type] })))).pipe(Effect.orDie),
    (created) => ({
      ...(JSON.parse(new TextDecoder().decode(created[0]!.data)) as { articleId: string; authorId: string }),
      articlePosition: String(created[0]!.position)
    })
  )

describe("oversized path parameters and e-mail addresses", () => {
  it.live("a long slug or username in the URL is a 404, never a 500", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const token = yield* register(api, "jake")
      const long = "a".repeat(300)
      const requests = [
        api.get(`/api/articles/${long}`),
        api.get(`/api/articles/${long}/comments`),
        api.post(`/api/articles/${long}/favorite`, undefined, auth(token)),
        api.post(`/api/articles/${long}/comments`, { comment: { body: "x" } }, auth(token)),
        api.delete(`/api/articles/${long}`, auth(token)),
        api.get(`/api/profiles/${long}`),
        api.post(`/api/profiles/${long}/follow`, undefined, auth(token))
      ]
      for (const request of requests) {
        const r = yield* request
        expect(r.status, JSON.stringify(r.body)).toBe(404)
      }
    }))

  it.live("an e-mail address at the length limit registers and logs in (its claim fits the store's tag limit)", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const email = `${"x".repeat(254 - "@conduit.test".length)}@conduit.test`
      expect(email.length).toBe(254)
      const created = yield* api.post("/api/users", { user: { username: "long", email, password: "password1" } })
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      const login = yield* api.post("/api/users/login", { user: { email, password: "password1" } })
      expect(login.status).toBe(200)
      const taken = yield* api.post("/api/users", { user: { username: "long2", email: email.toUpperCase(), password: "password1" } })
      expect(taken.status).toBe(422)
    }))
})

describe("usernames: one account per name, whatever its case or compatibility form", () => {
  it.live("a variant of a taken username in case (ß/SS too) or in compatibility form (fullwidth) is refused", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      yield* register(api, "alice")
      yield* register(api, "Straße")
      const variants = ["Alice", "ALICE", "\uff41\uff4c\uff49\uff43\uff45", "STRASSE", "strasse"]
      for (const username of variants) {
        const r = yield* api.post("/api/users", { user: { username, email: `${Math.random()}@x.io`, password: "password1" } })
        expect(r.status, username).toBe(422)
        expect(r.body.errors.body, username).toEqual(["username has already been taken"])
      }
      // a variant finds the account it stands for
      expect((yield* api.get("/api/profiles/ALICE")).body.profile.username).toBe("alice")
      // and a rename may change the case of one's own name, not take another's
      const bob = yield* register(api, "bob")
      expect((yield* api.put("/api/user", { user: { username: "Alice" } }, auth(bob))).status).toBe(422)
      const renamed = yield* api.put("/api/user", { user: { username: "Bob" } }, auth(bob))
      expect(renamed.body.user.username).toBe("Bob")
      expect((yield* api.get("/api/profiles/bob")).body.profile.username).toBe("Bob")
    }))

  for (const backend of [Backend.memory, Backend.simulator({ seed: 13, faults: true })]) {
    it.live(`concurrent registrations of variants of one username: exactly one wins (${backend.name})`, () =>
      Effect.gen(function*() {
        const api = yield* HttpTest.make(app, { backend, layer: Auth.layerSecret(secret) })
        const variants = ["carol", "Carol", "CAROL", "cArOl", "\uff43arol", "caroL"]
        const results = yield* Effect.forEach(
          variants,
          (username, i) => api.post("/api/users", { user: { username, email: `carol${i}@x.io`, password: "password1" } }),
          { concurrency: "unbounded" }
        )
        const statuses = results.map((r) => r.status)
        // with injected faults a request may also fail (503: retry later); never two winners
        expect(statuses.filter((s) => s === 201), String(statuses)).toHaveLength(1)
        expect(statuses.every((s) => s === 201 || s === 422 || s === 503), String(statuses)).toBe(true)
        const winner = results.find((r) => r.status === 201)!.body.user.username
        for (const variant of variants) {
          expect((yield* api.get(`/api/profiles/${encodeURIComponent(variant)}`)).body.profile.username).toBe(winner)
        }
      }))
  }

  it.live("a username whose compatibility form is long still registers (its claim fits the tag limit)", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      // U+FDFA is one letter whose compatibility form has 18 characters
      const r = yield* api.post("/api/users", { user: { username: "\ufdfa".repeat(32), email: "long@x.io", password: "password1" } })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
      expect((yield* api.get(`/api/profiles/${encodeURIComponent("\ufdfa".repeat(32))}`)).status).toBe(200)
    }))
})

describe("the login limit cannot be flushed", () => {
  it.effect("trying many other accounts does not make a locked account forget its attempts", () =>
    Effect.gen(function*() {
      const throttle = Auth.makeLoginThrottle({ attempts: 2, window: "15 minutes", accounts: 3 })
      yield* throttle.attempt("victim")
      yield* throttle.attempt("victim")
      expect((yield* Effect.exit(throttle.attempt("victim")))._tag).toBe("Failure")
      // an attacker floods the table with accounts of its own, one attempt each
      for (let i = 0; i < 10; i++) yield* throttle.attempt(`flood-${i}`)
      expect((yield* Effect.exit(throttle.attempt("victim")))._tag).toBe("Failure")
      // the window still ends
      yield* TestClock.adjust("15 minutes")
      yield* throttle.attempt("victim")
    }))
})

describe("password hashing on a Node.js without crypto.argon2 (before 24.7)", () => {
  it.live("falls back to scrypt at OWASP parameters; hashes, verifies, and refuses Argon2 hashes without crashing", () =>
    Effect.gen(function*() {
      const withoutArgon2 = Auth.makePasswordHashing({ scrypt: NodeCrypto.scrypt })
      expect(withoutArgon2.kdf).toBe("scrypt")
      const hash = yield* withoutArgon2.hash("correct horse")
      expect(hash).toMatch(/^scrypt\$65536\$8\$2\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/)
      expect(yield* withoutArgon2.verify("correct horse", hash)).toBe(true)
      expect(yield* withoutArgon2.verify("correct horsf", hash)).toBe(false)
      // where Argon2 exists it is chosen (and the scrypt hashes above still verify there: one `verify`)
      const withArgon2 = Auth.makePasswordHashing(NodeCrypto)
      expect(withArgon2.kdf).toBe(typeof NodeCrypto.argon2 === "function" ? "argon2id" : "scrypt")
      // an Argon2id hash (made on a newer node) is a failed login there, not a crash
      const argonHash = `$argon2id$v=19$m=19456,t=2,p=1$${"A".repeat(22)}==$${"A".repeat(43)}=`
      expect(yield* withoutArgon2.verify("correct horse", argonHash)).toBe(false)
      // the dummy check for unknown accounts uses the fallback too
      const passwords = yield* Auth.makePasswords(withoutArgon2)
      expect(yield* passwords.verify("correct horse", Option.none())).toBe(false)
    }))
})

describe("the feed reads what its page needs", () => {
  it.live("a deep page of the feed reads about offset + limit entries, not that many per followed author", () =>
    Effect.gen(function*() {
      // the memory backend, with the view store's range reads counted
      let listed = 0
      const counted = Layer.effect(
        ViewStore.ViewStore,
        Effect.gen(function*() {
          const store = yield* ViewStore.ViewStore
          // the real store, its `list` counted (the service's other members may live on its prototype)
          const wrapped: typeof store = Object.create(store)
          Object.defineProperty(wrapped, "list", {
            value: (...args: Parameters<typeof store.list>) =>
              Effect.map(store.list(...args), (rows) => {
                listed += rows.length
                return rows
              })
          })
          return wrapped
        })
      ).pipe(Layer.provide(ViewStore.layerMemory))
      const backend: Backend.Backend = {
        name: "memory (counted lists)",
        layer: Layer.mergeAll(EventStore.layerMemory, counted, AutomationStore.layerMemory)
      }
      const api = yield* HttpTest.make(app, { backend, layer: Auth.layerSecret(secret) })
      const reader = yield* register(api, "reader")
      const authors = 10
      const perAuthor = 60
      yield* api.use(EventStore.append(Array.from({ length: authors }, (_, a) =>
        UserRegistered.make({ userId: `author-${a}`, username: `author${a}`, email: `a${a}@x.io`, passwordHash: "unused" })
      ))).pipe(Effect.orDie)
      const me = (yield* api.get("/api/user", auth(reader))).body.user.username as string
      expect(me).toBe("reader")
      for (let a = 0; a < authors; a++) {
        expect((yield* api.post(`/api/profiles/author${a}/follow`, undefined, auth(reader))).status).toBe(200)
      }
      // articles interleaved across the authors
      yield* api.use(EventStore.append(Array.from({ length: authors * perAuthor }, (_, i) =>
        ArticleCreated.make({
          articleId: `article-${i}`,
          slug: `article-${i}`,
          authorId: `author-${i % authors}`,
          title: `Article ${i}`,
          description: "d",
          body: "b",
          tagList: [],
          createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()
        })
      ))).pipe(Effect.orDie)
      const slugs = (r: { body: { articles: ReadonlyArray<{ slug: string }> } }) => r.body.articles.map((a) => a.slug)
      yield* api.get("/api/articles?limit=1") // the views caught up before counting
      for (const [offset, limit] of [[0, 20], [37, 10], [200, 20], [590, 20]] as const) {
        const all = yield* api.get(`/api/articles?offset=${offset}&limit=${limit}`)
        listed = 0
        const feed = yield* api.get(`/api/articles/feed?offset=${offset}&limit=${limit}`, auth(reader))
        const read = listed
        expect(feed.body.articlesCount).toBe(authors * perAuthor)
        // the same page as the whole list (every article is by a followed author)
        expect(slugs(feed), `offset ${offset}`).toEqual(slugs(all))
        expect(read, `offset ${offset}: ${read} entries read`).toBeLessThanOrEqual(3 * (offset + limit) + 2 * authors)
      }
    }))
})

describe("lists after favorites and deletions, paged", () => {
  it.live("every filter pages through exactly the live articles, once each, with matching counts", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const author = yield* register(api, "writer")
      const fan = yield* register(api, "fan")
      const titles = Array.from({ length: 9 }, (_, i) => `Post ${i}`)
      for (const [i, title] of titles.entries()) {
        const tagList = i % 2 === 0 ? ["even", "all"] : ["odd", "all"]
        expect((yield* api.post("/api/articles", { article: { title, description: "d", body: "b", tagList } }, auth(author))).status)
          .toBe(201)
      }
      for (const i of [0, 1, 2, 3, 4]) {
        // twice: the second changes nothing
        yield* api.post(`/api/articles/post-${i}/favorite`, undefined, auth(fan))
        const again = yield* api.post(`/api/articles/post-${i}/favorite`, undefined, auth(fan))
        expect(again.body.article.favoritesCount).toBe(1)
      }
      expect((yield* api.post("/api/profiles/writer/follow", undefined, auth(fan))).status).toBe(200)
      expect((yield* api.post("/api/profiles/fan/follow", undefined, auth(fan))).status).toBe(422)
      // deletions: a favorited even one, an unfavorited odd one
      for (const slug of ["post-2", "post-7"]) expect((yield* api.delete(`/api/articles/${slug}`, auth(author))).status).toBe(200)
      const live = [8, 6, 5, 4, 3, 1, 0]
      const cases: ReadonlyArray<readonly [string, ReadonlyArray<number>, string | undefined]> = [
        ["/api/articles?", live, undefined],
        ["/api/articles?tag=all&", live, undefined],
        ["/api/articles?tag=even&", [8, 6, 4, 0], undefined],
        ["/api/articles?author=writer&", live, undefined],
        ["/api/articles?favorited=fan&", [4, 3, 1, 0], undefined],
        ["/api/articles?favorited=fan&tag=even&", [4, 0], undefined],
        ["/api/articles?author=writer&tag=odd&", [5, 3, 1], undefined],
        ["/api/articles/feed?", live, fan]
      ]
      for (const [path, expected, token] of cases) {
        const seen: Array<string> = []
        for (let offset = 0; offset < 12; offset += 2) {
          const r = yield* api.get(`${path}limit=2&offset=${offset}`, token === undefined ? undefined : auth(token))
          expect(r.status, path).toBe(200)
          expect(r.body.articlesCount, path).toBe(expected.length)
          seen.push(...r.body.articles.map((a: { slug: string }) => a.slug))
        }
        expect(seen, path).toEqual(expected.map((i) => `post-${i}`))
      }
      expect((yield* api.get("/api/articles/post-2")).status).toBe(404)
      expect((yield* api.get("/api/tags")).body.tags).toEqual(["all", "even", "odd"])
    }))
})

describe("Idempotency-Key is scoped to the caller", () => {
  it.live("two users sending one key and one body each publish their own article", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const alice = yield* register(api, "alice")
      const bob = yield* register(api, "bob")
      const body = { article: { title: "Same", description: "d", body: "b" } }
      const key = { "idempotency-key": "shared-key-1" }
      const first = yield* api.post("/api/articles", body, { headers: { ...auth(alice).headers, ...key } })
      const second = yield* api.post("/api/articles", body, { headers: { ...auth(bob).headers, ...key } })
      expect(first.status).toBe(201)
      expect(second.status).toBe(201)
      expect(first.body.article.author.username).toBe("alice")
      expect(second.body.article.author.username).toBe("bob")
      expect(second.headers["idempotency-replayed"]).toBeUndefined()
      expect((yield* api.get("/api/articles")).body.articlesCount).toBe(2)
      // alice's retry is a replay of her own response
      const retry = yield* api.post("/api/articles", body, { headers: { ...auth(alice).headers, ...key } })
      expect(retry.body.article.slug).toBe(first.body.article.slug)
      expect((yield* api.get("/api/articles")).body.articlesCount).toBe(2)
    }))
})

describe("popular articles", () => {
  it.live("an article with more favorites than one append holds can still be deleted, and its favorites go with it", () =>
    Effect.gen(function*() {
      // the app as served: with the automation that releases what a deletion's own append cannot
      const api = yield* conduit(
        Layer.mergeAll(Auth.layerSecret(secret), Automation.layer(ReleaseFavoritesOfDeletedArticles)) as Layer.Layer<Auth.Auth>
      )
      const author = yield* register(api, "writer")
      const fan = yield* register(api, "fan")
      yield* api.post("/api/articles", { article: { title: "Popular", description: "d", body: "b", tagList: ["p"] } }, auth(author))
      const { articleId, articlePosition } = yield* firstArticle(api)
      // 10,000 favorites by other users (more than the 10,000 events one append may hold, with the deletion)
      for (let start = 0; start < 10_000; start += 2_000) {
        yield* api.use(EventStore.append(Array.from({ length: 2_000 }, (_, k) =>
          ArticleFavorited.make({ articleId, userId: `user-${start + k}`, articlePosition })
        ))).pipe(Effect.orDie)
      }
      yield* api.post("/api/articles/popular/favorite", undefined, auth(fan))
      expect((yield* api.get("/api/articles/popular")).body.article.favoritesCount).toBe(10_001)
      const deleted = yield* api.delete("/api/articles/popular", auth(author))
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(200)
      expect((yield* api.get("/api/articles/popular")).status).toBe(404)
      // the rest of the favorites are released by the automation, right after
      yield* Effect.gen(function*() {
        while (!(yield* api.use(Automation.status(ReleaseFavoritesOfDeletedArticles).pipe(Effect.orDie))).caughtUp) {
          yield* Effect.sleep("10 millis")
        }
      }).pipe(Effect.timeout("30 seconds"))
      expect(HashSet.size((yield* api.use(DecisionModel.read(favoriters(articleId)).pipe(Effect.orDie))).state)).toBe(0)
      expect((yield* api.get("/api/articles?favorited=fan")).body).toEqual({ articles: [], articlesCount: 0 })
      expect((yield* api.get("/api/articles?favorited=user-9999")).body).toEqual({ articles: [], articlesCount: 0 })
      expect((yield* api.get("/api/articles")).body.articlesCount).toBe(0)
      expect((yield* api.get("/api/tags")).body.tags).toEqual([])
    }), 60_000)
})

describe("lists a caller can grow without bound", () => {
  it.live("an article's comments and a user's follows are capped: 422 past the cap, nothing written", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const author = yield* register(api, "writer")
      const reader = yield* register(api, "reader")
      yield* api.post("/api/articles", { article: { title: "Talk", description: "d", body: "b" } }, auth(author))
      const { articleId, authorId } = yield* firstArticle(api)
      yield* api.use(EventStore.append(Array.from({ length: limits.commentsPerArticle }, (_, i) =>
        CommentAdded.make({ articleId, commentId: i + 1, authorId, body: "c", createdAt: "2026-01-01T00:00:00.000Z" })
      ))).pipe(Effect.orDie)
      const comment = yield* api.post("/api/articles/talk/comments", { comment: { body: "one more" } }, auth(reader))
      expect(comment.status).toBe(422)
      expect(comment.body.errors.body[0]).toMatch(/at most .* comments/)
      // deleting one does not make room (the thread's events stay bounded)
      expect((yield* api.delete("/api/articles/talk/comments/1", auth(author))).status).toBe(200)
      expect((yield* api.post("/api/articles/talk/comments", { comment: { body: "again" } }, auth(reader))).status).toBe(422)
      expect((yield* api.get("/api/articles/talk/comments")).body.comments).toHaveLength(limits.commentsPerArticle - 1)

      const me = (yield* api.use(Stream.runCollect(EventStore.read(Query.item({ types: [UserRegistered.type] }))))
        .pipe(Effect.orDie))
        .map((e) => JSON.parse(new TextDecoder().decode(e.data)) as { userId: string; username: string })
        .find((u) => u.username === "reader")!
      yield* api.use(EventStore.append(Array.from({ length: limits.follows }, (_, i) =>
        UserFollowed.make({ followerId: me.userId, followeeId: `someone-${i}` })
      ))).pipe(Effect.orDie)
      const follow = yield* api.post("/api/profiles/writer/follow", undefined, auth(reader))
      expect(follow.status).toBe(422)
      expect(follow.body.errors.body[0]).toMatch(/at most .* users/)
      // unfollowing makes room
      yield* api.use(EventStore.append([UserUnfollowed.make({ followerId: me.userId, followeeId: "someone-0" })])).pipe(
        Effect.orDie
      )
      expect((yield* api.post("/api/profiles/writer/follow", undefined, auth(reader))).status).toBe(200)
      expect((yield* api.get("/api/articles/feed", auth(reader))).body.articlesCount).toBe(1)
    }))
})

describe("text that is not well-formed UTF-16", () => {
  it.live("a lone surrogate in any text field is a 422 naming the field: never a 500, never an article missing from the lists", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const token = yield* register(api, "jake")
      const lone = "\ud800"
      const article = { title: "t", description: "d", body: "b" }
      const cases: ReadonlyArray<readonly [string, unknown, string]> = [
        ["/api/users", { user: { username: "jo", email: `j${lone}@x.io`, password: "password1" } }, "user.email"],
        ["/api/users", { user: { username: "jo", email: "jo@x.io", password: `password${lone}` } }, "user.password"],
        ["/api/users/login", { user: { email: `j${lone}@x.io`, password: "password1" } }, "user.email"],
        ["/api/articles", { article: { ...article, tagList: [`x${lone}`] } }, "article.tagList.0"],
        ["/api/articles", { article: { ...article, title: `t${lone}` } }, "article.title"],
        ["/api/articles", { article: { ...article, description: `d${lone}` } }, "article.description"],
        ["/api/articles", { article: { ...article, body: `b${lone}` } }, "article.body"]
      ]
      for (const [path, body, field] of cases) {
        const r = yield* api.post(path, body, auth(token))
        expect(r.status, `${path} ${field}`).toBe(422)
        expect(r.body.errors.body.join(" | "), field).toContain(`${field} must be well-formed Unicode text`)
      }
      const bio = yield* api.put("/api/user", { user: { bio: `b${lone}` } }, auth(token))
      expect(bio.body.errors.body).toEqual(["user.bio must be well-formed Unicode text"])
      // a list keeps listing every article
      expect((yield* api.post("/api/articles", { article: { ...article, tagList: ["ok"] } }, auth(token))).status).toBe(201)
      expect((yield* api.get("/api/articles")).body.articlesCount).toBe(1)
      expect((yield* api.get("/api/tags")).body.tags).toEqual(["ok"])
    }))
})

describe("tokens an attacker may try", () => {
  it.live("`alg: none`, another algorithm, missing claims, another secret are 401; a renamed user keeps their token", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const token = yield* register(api, "jake")
      const claims = decodeJwt(token)
      const key = new TextEncoder().encode(secret)
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url")
      const forged = [
        `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`,
        yield* Effect.promise(() => new SignJWT(claims).setProtectedHeader({ alg: "HS512" }).sign(key)),
        ...(yield* Effect.forEach(["sub", "iat", "cv"], (claim) => {
          const { [claim]: _, ...rest } = claims
          return Effect.promise(() => new SignJWT(rest).setProtectedHeader({ alg: "HS256" }).sign(key))
        })),
        yield* Effect.promise(() =>
          new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }).setProtectedHeader({ alg: "HS256" }).sign(key)
        ),
        yield* Effect.promise(() =>
          new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode("another-secret-of-32-bytes-or-more!!"))
        )
      ]
      for (const [i, t] of forged.entries()) {
        expect((yield* api.post("/api/articles", { article: { title: "x", description: "d", body: "b" } }, auth(t))).status, `${i}`)
          .toBe(401)
      }
      expect((yield* api.put("/api/user", { user: { username: "jacob" } }, auth(token))).body.user.username).toBe("jacob")
      expect((yield* api.get("/api/user", auth(token))).body.user.username).toBe("jacob")
      expect((yield* api.get("/api/profiles/jake")).status).toBe(404)
    }))
})
