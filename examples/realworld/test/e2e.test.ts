import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, References } from "effect"
import { HttpServer } from "effect/http"
import { memoryStores, serve } from "../server.ts"

describe("Conduit over a real socket", () => {
  it.live("register, publish, read back on 127.0.0.1", () =>
    Effect.gen(function*() {
      // no request log lines (info) nor the random-JWT-secret warning in the test output
      const quiet = Layer.succeed(References.MinimumLogLevel, "Error")
      const context = yield* Layer.build(serve(memoryStores, { port: 0, host: "127.0.0.1" }).pipe(Layer.provide(quiet)))
      const base = yield* HttpServer.addressFormattedWith(Effect.succeed).pipe(Effect.provide(context))
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const call = (method: string, path: string, body?: unknown, token?: string, key?: string) =>
        Effect.promise(async () => {
          const headers: Record<string, string> = { "content-type": "application/json" }
          if (token !== undefined) headers["authorization"] = `Token ${token}`
          if (key !== undefined) headers["idempotency-key"] = key
          const init: RequestInit = { method, headers }
          if (body !== undefined) init.body = JSON.stringify(body)
          const response = await fetch(`${base}${path}`, init)
          return { status: response.status, body: await response.json().catch(() => undefined) as any }
        })
      const user = yield* call("POST", "/api/users", { user: { username: "wire", email: "wire@x.y", password: "password" } })
      expect(user.status).toBe(201)
      const token = user.body.user.token
      const article = yield* call("POST", "/api/articles", {
        article: { title: "Over the wire", description: "d", body: "b", tagList: ["net"] }
      }, token)
      expect(article.status).toBe(201)
      expect((yield* call("GET", "/api/articles/over-the-wire")).body.article.author.username).toBe("wire")
      expect((yield* call("GET", "/api/articles?tag=net")).body.articlesCount).toBe(1)
      expect((yield* call("GET", "/api/user")).status).toBe(401)
      // a retried request with an Idempotency-Key: the first response, one article
      const retried = yield* Effect.all(
        Array.from({ length: 5 }, () =>
          call("POST", "/api/articles", { article: { title: "Once", description: "d", body: "b" } }, token, "req-1")),
        { concurrency: "unbounded" }
      )
      expect(retried.every((r) => r.status === 201)).toBe(true)
      expect(new Set(retried.map((r) => r.body.article.slug))).toEqual(new Set(["once"]))
      expect((yield* call("GET", "/api/articles?author=wire")).body.articlesCount).toBe(2)
      const openapi = yield* call("GET", "/api/openapi.json")
      expect(Object.keys(openapi.body.paths)).toContain("/api/articles/{slug}/comments/{id}")
      // the document names the API (not "Api 0.0.1")
      expect(openapi.body.info).toMatchObject({ title: "Conduit API (RealWorld, on Fairway)", version: "1.0.0" })
    }))
})
