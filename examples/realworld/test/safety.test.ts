/**
 * The RealWorld backend tried as an attacker would: tokens of users that do
 * not exist, stale and unbounded tokens, guessing passwords, look-alike
 * accounts, oversized or hostile input. Each test names the defect it guards.
 */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option, Stream } from "effect"
import { TestClock } from "effect/testing"
import { EventStore, Query } from "fairway/Dcb"
import { Backend, HttpTest } from "fairway/Testing"
import { decodeJwt, SignJWT } from "jose"
import { randomBytes, scryptSync } from "node:crypto"
import { app } from "../api.ts"
import * as Auth from "../auth.ts"
import { ArticleCreated, CommentAdded, UserRegistered } from "../domain/events.ts"

const secret = "safety-test-secret-of-32-bytes-or-more"
const key = new TextEncoder().encode(secret)

const conduit = (layer: Layer.Layer<Auth.Auth, unknown> = Auth.layerSecret(secret)) =>
  HttpTest.make(app, { backend: Backend.memory, layer })

type Api = Effect.Success<ReturnType<typeof conduit>>

const auth = (token: string) => ({ headers: { authorization: `Token ${token}` } })

const register = (api: Api, username: string, email = `${username}@conduit.test`) =>
  Effect.map(
    api.post("/api/users", { user: { username, email, password: `${username}-password` } }),
    (r) => {
      expect(r.status).toBe(201)
      return r.body.user.token as string
    }
  )

const sign = (claims: Record<string, unknown>) => Effect.promise(() => new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(key))

const countEvents = (api: Api, type: string) =>
  api.use(Stream.runCollect(EventStore.read(Query.item({ types: [type] })))).pipe(
    Effect.map((events) => events.length),
    Effect.orDie
  )

describe("tokens whose user does not exist", () => {
  it.live("are 401 on every authenticated route, and write nothing", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const author = yield* register(api, "author")
      yield* api.post("/api/articles", { article: { title: "Hello", description: "d", body: "b" } }, auth(author))
      const now = Math.floor(Date.now() / 1000)
      // forged with the secret for a user that was never registered
      const ghost = yield* sign({ sub: "ghost-user", iat: now, exp: now + 3600, cv: "x" })
      // a genuine token, from a store that was then reset (a fresh memory store, same secret)
      const other = yield* conduit()
      const fromReset = yield* register(other, "ghost")
      for (const token of [ghost, fromReset]) {
        const attempts = [
          api.post("/api/articles", { article: { title: "Ghost", description: "d", body: "b" } }, auth(token)),
          api.post("/api/articles/hello/favorite", undefined, auth(token)),
          api.delete("/api/articles/hello/favorite", auth(token)),
          api.post("/api/profiles/author/follow", undefined, auth(token)),
          api.delete("/api/profiles/author/follow", auth(token)),
          api.post("/api/articles/hello/comments", { comment: { body: "boo" } }, auth(token)),
          api.put("/api/articles/hello", { article: { body: "x" } }, auth(token)),
          api.delete("/api/articles/hello", auth(token)),
          api.get("/api/user", auth(token)),
          api.put("/api/user", { user: { bio: "boo" } }, auth(token)),
          api.get("/api/articles/feed", auth(token)),
          api.get("/api/articles", auth(token)),
          api.get("/api/profiles/author", auth(token))
        ]
        for (const attempt of attempts) expect((yield* attempt).status).toBe(401)
      }
      // nothing was written, and every list still answers
      expect(yield* countEvents(api, ArticleCreated.type)).toBe(1)
      expect(yield* countEvents(api, "ArticleFavorited")).toBe(0)
      expect(yield* countEvents(api, "UserFollowed")).toBe(0)
      expect(yield* countEvents(api, CommentAdded.type)).toBe(0)
      const list = yield* api.get("/api/articles")
      expect(list).toMatchObject({ status: 200, body: { articlesCount: 1 } })
      expect((yield* api.get("/api/articles/hello")).body.article.favoritesCount).toBe(0)
    }))

  it.live("reads never fail on an article or comment whose author does not exist", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const author = yield* register(api, "author")
      yield* api.post("/api/articles", { article: { title: "Kept", description: "d", body: "b", tagList: ["t"] } }, auth(author))
      // events written before the fix (or by another version) with an author no store knows
      yield* api.use(EventStore.append([
        ArticleCreated.make({
          articleId: "orphan",
          slug: "orphan",
          authorId: "nobody",
          title: "Orphan",
          description: "d",
          body: "b",
          tagList: ["t"],
          createdAt: "2026-01-01T00:00:00.000Z"
        }),
        CommentAdded.make({ articleId: "orphan", commentId: 1, authorId: "nobody", body: "c", createdAt: "2026-01-01T00:00:00.000Z" })
      ])).pipe(Effect.orDie)
      const kept = yield* api.get("/api/articles/kept")
      const slugOfKept = kept.body.article.slug
      yield* api.use(EventStore.append([
        CommentAdded.make({ articleId: "missing", commentId: 1, authorId: "nobody", body: "c", createdAt: "2026-01-01T00:00:00.000Z" })
      ])).pipe(Effect.orDie)
      for (const path of ["/api/articles", "/api/articles?tag=t", "/api/tags", `/api/articles/${slugOfKept}/comments`]) {
        expect((yield* api.get(path)).status).toBe(200)
      }
      expect((yield* api.get("/api/articles")).body.articles.map((a: { slug: string }) => a.slug)).toEqual(["kept"])
      expect((yield* api.get("/api/articles/orphan")).status).toBe(404)
      expect((yield* api.get("/api/articles/feed", auth(author))).status).toBe(200)
    }))
})

describe("tokens", () => {
  it.live("a token without `exp` is refused", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const token = yield* register(api, "jake")
      const { exp: _, ...claims } = decodeJwt(token)
      const unbounded = yield* sign(claims)
      expect((yield* api.get("/api/user", auth(token))).status).toBe(200)
      expect((yield* api.get("/api/user", auth(unbounded))).status).toBe(401)
    }))

  it.live("a password change invalidates the tokens issued before it", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const before = yield* register(api, "jake")
      const other = yield* register(api, "jane")
      // changing the bio keeps the tokens
      expect((yield* api.put("/api/user", { user: { bio: "hi" } }, auth(before))).status).toBe(200)
      expect((yield* api.get("/api/user", auth(before))).status).toBe(200)
      const changed = yield* api.put("/api/user", { user: { password: "a-new-password" } }, auth(before))
      expect(changed.status).toBe(200)
      const after = changed.body.user.token as string
      expect((yield* api.get("/api/user", auth(before))).status).toBe(401)
      expect((yield* api.post("/api/articles", { article: { title: "t", description: "d", body: "b" } }, auth(before))).status)
        .toBe(401)
      expect((yield* api.get("/api/user", auth(after))).body.user.username).toBe("jake")
      expect((yield* api.get("/api/user", auth(other))).status).toBe(200)
      const login = yield* api.post("/api/users/login", { user: { email: "jake@conduit.test", password: "a-new-password" } })
      expect((yield* api.get("/api/user", auth(login.body.user.token))).status).toBe(200)
    }))

  it.effect("the secret has at least 32 bytes, and must be set when the store is shared", () =>
    Effect.gen(function*() {
      const build = (shared: boolean, env: Record<string, string>) =>
        Layer.build(Auth.layerJwt({ shared }).pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord(env))))).pipe(
          Effect.scoped,
          Effect.exit
        )
      const missing = yield* build(true, {})
      expect(missing._tag).toBe("Failure")
      expect(String(missing)).toContain("REALWORLD_JWT_SECRET must be set")
      const short = yield* build(true, { REALWORLD_JWT_SECRET: "too-short-secret" })
      expect(String(short)).toContain("at least 32 bytes")
      expect((yield* build(false, { REALWORLD_JWT_SECRET: "too-short-secret" }))._tag).toBe("Failure")
      expect((yield* build(true, { REALWORLD_JWT_SECRET: secret }))._tag).toBe("Success")
      // in memory, a random secret (with a warning) is fine
      expect((yield* build(false, {}))._tag).toBe("Success")
    }))
})

describe("passwords and logins", () => {
  it.live("passwords are hashed with Argon2id at the OWASP parameters", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      yield* register(api, "jake")
      const events = yield* api.use(Stream.runCollect(EventStore.read(Query.item({ types: [UserRegistered.type] })))).pipe(
        Effect.orDie
      )
      const hash = (JSON.parse(new TextDecoder().decode(events[0]!.data)) as { passwordHash: string }).passwordHash
      expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/)
      expect(yield* Auth.verifyPassword("jake-password", hash)).toBe(true)
      expect(yield* Auth.verifyPassword("jake-passwore", hash)).toBe(false)
    }))

  it.live("hashes of the earlier scrypt format still verify (accounts registered before Argon2id)", () =>
    Effect.gen(function*() {
      const salt = randomBytes(16)
      const key = scryptSync("old-password", salt, 32, { N: 16384, r: 8, p: 1 })
      const legacy = `scrypt$16384$8$1$${salt.toString("base64")}$${key.toString("base64")}`
      expect(yield* Auth.verifyPassword("old-password", legacy)).toBe(true)
      expect(yield* Auth.verifyPassword("old-passwore", legacy)).toBe(false)
      // a stored hash cannot make a login allocate without bound
      expect(yield* Auth.verifyPassword("x", `scrypt$1048576$32$1$${salt.toString("base64")}$${key.toString("base64")}`)).toBe(false)
      expect(yield* Auth.verifyPassword("x", "$argon2id$v=19$m=4000000,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA")).toBe(false)
    }))

  it.live("a login for an unknown e-mail runs the KDF, as one with a wrong password does", () =>
    Effect.gen(function*() {
      const calls: Array<"known" | "unknown"> = []
      // the real Passwords service, observed: which accounts the login checked a password for
      const observed = Layer.effect(
        Auth.Passwords,
        Effect.gen(function*() {
          const real = yield* Auth.Passwords
          return Auth.Passwords.of({
            hash: real.hash,
            verify: (password, hash) => {
              calls.push(Option.isSome(hash) ? "known" : "unknown")
              return real.verify(password, hash)
            }
          })
        })
      ).pipe(Layer.provide(Auth.layerPasswords))
      const api = yield* conduit(Layer.mergeAll(Auth.layerJwtSecret(secret), observed, Auth.layerLoginThrottle()))
      yield* register(api, "jake")
      const wrong = yield* api.post("/api/users/login", { user: { email: "jake@conduit.test", password: "not-the-password" } })
      const unknown = yield* api.post("/api/users/login", { user: { email: "nobody@conduit.test", password: "not-the-password" } })
      expect(wrong.status).toBe(401)
      expect(unknown.status).toBe(401)
      expect(unknown.body).toEqual(wrong.body)
      expect(calls).toEqual(["known", "unknown"])
      // and the dummy check says no, whatever the password
      const passwords = yield* Effect.provide(Effect.gen(function*() { return yield* Auth.Passwords }), Auth.layerPasswords)
      expect(yield* passwords.verify("", Option.none())).toBe(false)
    }))

  it.live("logins are limited per account: the sixth attempt in the window is a 429", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      yield* register(api, "jake")
      yield* register(api, "jane")
      for (let i = 0; i < 5; i++) {
        const r = yield* api.post("/api/users/login", { user: { email: "jake@conduit.test", password: `guess-${i}-xx` } })
        expect(r.status).toBe(401)
      }
      // even the right password waits for the window
      const limited = yield* api.post("/api/users/login", { user: { email: "JAKE@conduit.test", password: "jake-password" } })
      expect(limited.status).toBe(429)
      expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0)
      expect(limited.body.errors.body[0]).toMatch(/too many login attempts/)
      // other accounts are not affected
      const jane = yield* api.post("/api/users/login", { user: { email: "jane@conduit.test", password: "jane-password" } })
      expect(jane.status).toBe(200)
    }))

  it.effect("the login limit opens again after its window, and a success starts afresh", () =>
    Effect.gen(function*() {
      const throttle = Auth.makeLoginThrottle({ attempts: 2, window: "1 minute", accounts: 2 })
      yield* throttle.attempt("a")
      yield* throttle.attempt("a")
      const third = yield* Effect.flip(throttle.attempt("a"))
      expect(third).toMatchObject({ _tag: "TooManyLoginAttempts", retryAfterSeconds: 60 })
      yield* TestClock.adjust("59 seconds")
      expect((yield* Effect.exit(throttle.attempt("a")))._tag).toBe("Failure")
      yield* TestClock.adjust("1 second")
      yield* throttle.attempt("a")
      yield* throttle.succeeded("a")
      yield* throttle.attempt("a")
      yield* throttle.attempt("a")
      // bounded: tracking a third account forgets one, the oldest that is not locked out (`a` stays locked)
      yield* throttle.attempt("b")
      yield* throttle.attempt("c")
      expect((yield* Effect.exit(throttle.attempt("a")))._tag).toBe("Failure")
    }))
})

describe("accounts", () => {
  it.live("e-mail addresses are unique and matched without regard to case", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const first = yield* api.post("/api/users", { user: { username: "jake", email: "Jake@Example.COM", password: "password1" } })
      expect(first.body.user.email).toBe("jake@example.com")
      const again = yield* api.post("/api/users", { user: { username: "jake2", email: "jake@example.com", password: "password1" } })
      expect(again).toMatchObject({ status: 422, body: { errors: { body: ["email has already been taken"] } } })
      const login = yield* api.post("/api/users/login", { user: { email: " JAKE@example.com", password: "password1" } })
      expect(login.status).toBe(200)
      const other = yield* register(api, "jane")
      const taken = yield* api.put("/api/user", { user: { email: "JAKE@EXAMPLE.com" } }, auth(other))
      expect(taken.status).toBe(422)
    }))

  it.live("usernames are NFC-normalized, limited in length and charset, and always found at their profile URL", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const decomposed = "Zoe\u0308" // "Zoë" with a combining diaeresis
      const created = yield* api.post("/api/users", { user: { username: decomposed, email: "zoe@x.io", password: "password1" } })
      expect(created.status).toBe(201)
      expect(created.body.user.username).toBe("Zo\u00eb")
      for (const name of ["Zo%C3%AB", encodeURIComponent(decomposed)]) {
        expect((yield* api.get(`/api/profiles/${name}`)).body.profile.username).toBe("Zo\u00eb")
      }
      const twin = yield* api.post("/api/users", { user: { username: "Zo\u00eb", email: "zoe2@x.io", password: "password1" } })
      expect(twin.body.errors.body).toEqual(["username has already been taken"])
      for (const bad of ["a/b", "a b", "..", "x?y", "a#b", "50%", "-dash", "x".repeat(33), ""]) {
        const r = yield* api.post("/api/users", { user: { username: bad, email: "bad@x.io", password: "password1" } })
        expect(r.status, bad).toBe(422)
        expect(r.body.errors.body[0], bad).toMatch(/^user\.username /)
      }
      for (const good of ["日本語", "user_name-1", "ÅsaÖberg", "x".repeat(32)]) {
        const email = `${encodeURIComponent(good).replace(/%/g, "")}@x.io`
        const r = yield* api.post("/api/users", { user: { username: good, email, password: "password1" } })
        expect(r.status, good).toBe(201)
        expect((yield* api.get(`/api/profiles/${encodeURIComponent(good)}`)).status, good).toBe(200)
      }
    }))
})

describe("input limits", () => {
  it.live("every text field and list is bounded: 422 naming the field", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const token = yield* register(api, "jake")
      const article = { title: "t", description: "d", body: "b" }
      const cases: ReadonlyArray<readonly [string, unknown, string]> = [
        ["/api/articles", { article: { ...article, title: "x".repeat(201) } }, "article.title is too long (at most 200 characters)"],
        ["/api/articles", { article: { ...article, description: "x".repeat(1_001) } }, "article.description is too long"],
        ["/api/articles", { article: { ...article, body: "x".repeat(12_001) } }, "article.body is too long"],
        ["/api/articles", { article: { ...article, tagList: Array.from({ length: 11 }, (_, i) => `t${i}`) } }, "article.tagList has at most 10 tags"],
        ["/api/articles", { article: { ...article, tagList: Array.from({ length: 5_000 }, (_, i) => `t${i}`) } }, "article.tagList has at most 10 tags"],
        ["/api/articles", { article: { ...article, tagList: ["x".repeat(33)] } }, "article.tagList.0 is too long"],
        ["/api/articles", { article: { ...article, tagList: ["  "] } }, "article.tagList.0 can't be blank"],
        ["/api/articles", { article: { ...article, title: "   " } }, "article.title can't be blank"],
        ["/api/articles/nope/comments", { comment: { body: "x".repeat(5_001) } }, "comment.body is too long"],
        ["/api/users", { user: { username: "jo", email: `${"x".repeat(250)}@x.io`, password: "password1" } }, "user.email is too long"],
        ["/api/users", { user: { username: "jo", email: "jo@x.io", password: "short" } }, "user.password is too short"],
        ["/api/users", { user: { username: "jo", email: "jo@x.io", password: "x".repeat(257) } }, "user.password is too long"]
      ]
      for (const [path, body, message] of cases) {
        const r = yield* api.post(path, body, auth(token))
        expect(r.status, message).toBe(422)
        expect(r.body.errors.body.join(" | "), message).toContain(message)
      }
      const bio = yield* api.put("/api/user", { user: { bio: "x".repeat(1_001) } }, auth(token))
      expect(bio.body.errors.body[0]).toContain("user.bio is too long")
      // nothing was written; the limits themselves are accepted
      expect(yield* countEvents(api, ArticleCreated.type)).toBe(0)
      const atLimits = yield* api.post("/api/articles", {
        article: {
          title: "x".repeat(200),
          description: "é".repeat(1_000),
          body: "\u0001".repeat(12_000),
          tagList: Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(32, "ü"))
        }
      }, auth(token))
      expect(atLimits.status).toBe(201)
      expect((yield* api.get("/api/articles")).status).toBe(200)
    }))

  it.live("`image` accepts only http(s) URLs", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const token = yield* register(api, "jake")
      for (const image of ["javascript:alert(1)", "data:image/png;base64,AAAA", "/relative.png", "ftp://x.io/a.png", "not a url"]) {
        const r = yield* api.put("/api/user", { user: { image } }, auth(token))
        expect(r.status, image).toBe(422)
        expect(r.body.errors.body, image).toEqual(["user.image must be an http(s) URL"])
      }
      expect((yield* api.put("/api/user", { user: { image: "https://i.test/j.png" } }, auth(token))).body.user.image)
        .toBe("https://i.test/j.png")
      expect((yield* api.put("/api/user", { user: { image: "" } }, auth(token))).body.user.image).toBe(null)
    }))

  it.live("`limit` and `offset` are strict whole numbers", () =>
    Effect.gen(function*() {
      const api = yield* conduit()
      const token = yield* register(api, "jake")
      for (const bad of ["1e1", "0x10", "", "%2010", "-1", "1.5", "01", "101", "Infinity", "10abc"]) {
        for (const name of ["limit", "offset"]) {
          if (name === "offset" && bad === "101") continue
          const r = yield* api.get(`/api/articles?${name}=${bad}`)
          expect(r.status, `${name}=${bad}`).toBe(422)
          expect(r.body.errors.body[0], `${name}=${bad}`).toMatch(new RegExp(`^${name} `))
        }
      }
      expect((yield* api.get("/api/articles/feed?limit=2e1", auth(token))).status).toBe(422)
      expect((yield* api.get("/api/articles?offset=100001")).status).toBe(422)
      expect((yield* api.get("/api/articles?limit=100&offset=0")).status).toBe(200)
      expect((yield* api.get("/api/articles?limit=0")).body).toEqual({ articles: [], articlesCount: 0 })
      expect((yield* api.get("/api/articles/feed?limit=0", auth(token))).status).toBe(200)
    }))
})
