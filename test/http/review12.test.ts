/**
 * Review of issue 12 (HTTP): per-route settings (principal, body limit) hold for every URL the router serves
 * the route at; a command's HTTP-scoped key never lets two principals meet; cookie sessions are callers too;
 * a storage failure in a decision is not a stored 400; the body limit holds on a Node server for chunked
 * bodies; the in-process store stays within its bytes.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, References, Schema, Stream } from "effect"
import * as HttpServer from "effect/http/HttpServer"
import * as Http from "node:http"
import * as DecisionModel from "fairway/Dcb/DecisionModel"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as App from "fairway/Http/App"
import * as Idempotency from "fairway/Http/Idempotency"
import * as Route from "fairway/Http/Route"
import * as Command from "fairway/Module/Command"

const Noted = Event.define("ReviewNoted", { payload: Schema.Struct({ text: Schema.String }), tags: () => ["notes"] })
const Note = Command.make({
  name: "ReviewNote",
  input: Schema.Struct({ text: Schema.String }),
  model: () => DecisionModel.make({ query: Query.item({ tags: ["notes"] }), initial: 0, events: [Noted], evolve: (n) => n + 1 }),
  decide: (_, { text }) => Effect.succeed([Noted.make({ text })])
})

// a decision that reads storage (here: the storage is down) — an outage, not a domain error
let storageDown = true
const Checked = Command.make({
  name: "ReviewChecked",
  input: Schema.Struct({ text: Schema.String }),
  model: () => DecisionModel.make({ query: Query.item({ tags: ["notes"] }), initial: 0, events: [Noted], evolve: (n) => n + 1 }),
  decide: (_, { text }) =>
    storageDown
      ? Effect.fail(new EventStore.StorageError({ reason: "cluster unavailable" }))
      : Effect.succeed([Noted.make({ text })])
})

const routes = [
  Route.command("checkedNote", "POST", "/checked-notes", Checked),
  // callers identified by an API key (no Authorization header: the app's default principal would be "anonymous")
  Route.withPrincipal(
    Route.command("keyedNote", "POST", "/keyed-notes/:box", Note, {
      params: { box: Schema.String },
      input: ({ payload }) => payload,
      payload: Schema.Struct({ text: Schema.String })
    }),
    (request) => Effect.succeed(`api-key:${request.headers["x-api-key"] ?? "none"}`)
  ),
  // a route allowing small bodies only
  Route.withMaxBodyBytes(Route.command("smallNote", "POST", "/small-notes", Note), 1_000)
] as const

const app = App.make("review12", routes)

const setup = Effect.gen(function*() {
  const store = yield* EventStore.makeMemory
  const handler = yield* App.webHandler(
    app.layer.pipe(Layer.provide([Layer.succeed(EventStore.EventStore, store), Idempotency.layerMemory()]))
  )
  const send = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    Effect.promise(async () => {
      const response = await handler(new Request(`http://app.test${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body)
      }))
      const text = await response.text()
      return { status: response.status, replayed: response.headers.get("idempotency-replayed"), text }
    })
  const count = Effect.map(Stream.runCollect(store.read(Query.item({ types: [Noted.type] }))), (events) => events.length)
  return { send, count }
})

const quiet = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, References.MinimumLogLevel, "Error")

describe("per-route settings follow the router's matching", () => {
  // the router matches paths case-insensitively, ignoring duplicate and trailing slashes, percent-decoded
  for (const path of ["/KEYED-NOTES/b1", "//keyed-notes/b1", "/keyed-notes//b1", "/keyed%2Dnotes/b1"]) {
    it.effect(`a route's principal holds at ${path}: two API keys never share a response`, () =>
      quiet(Effect.gen(function*() {
        const { count, send } = yield* setup
        const first = yield* send(path, { text: "t" }, { "x-api-key": "key-1", "idempotency-key": "n" })
        expect(first.status).toBe(200)
        const other = yield* send(path, { text: "t" }, { "x-api-key": "key-2", "idempotency-key": "n" })
        expect(other.status).toBe(200)
        expect(other.replayed).toBeNull()
        expect(JSON.parse(other.text).replayed).toBe(false) // key-2's own write was done
        expect(yield* count).toBe(2)
      })))
  }

  it.effect("a route's smaller body limit holds whatever the case of the path", () =>
    quiet(Effect.gen(function*() {
      const { count, send } = yield* setup
      for (const path of ["/small-notes", "/SMALL-NOTES", "//small-notes"]) {
        const refused = yield* send(path, { text: "x".repeat(5_000) })
        expect([path, refused.status]).toEqual([path, 413])
      }
      expect(yield* count).toBe(0)
    })))
})

describe("a storage failure inside a command's decision", () => {
  it.effect("is a server error (not a 400 domain error) and is not replayed: the retry runs", () =>
    quiet(Effect.gen(function*() {
      const { count, send } = yield* setup
      storageDown = true
      const failed = yield* send("/checked-notes", { text: "t" }, { authorization: "Token a", "idempotency-key": "o" })
      expect(failed.status).toBeGreaterThanOrEqual(500)
      expect(failed.text).not.toContain("cluster unavailable") // internals stay in the log
      storageDown = false
      const retry = yield* send("/checked-notes", { text: "t" }, { authorization: "Token a", "idempotency-key": "o" })
      expect([retry.status, retry.replayed]).toEqual([200, null])
      expect(yield* count).toBe(1)
    })))
})

describe("the default principal", () => {
  it.effect("callers identified by a session cookie (no Authorization header) never share a response", () =>
    quiet(Effect.gen(function*() {
      const { count, send } = yield* setup
      const first = yield* send("/small-notes", { text: "t" }, { cookie: "session=alice", "idempotency-key": "c" })
      expect(first.status).toBe(200)
      const other = yield* send("/small-notes", { text: "t" }, { cookie: "session=bob", "idempotency-key": "c" })
      expect(other.replayed).toBeNull()
      expect(JSON.parse(other.text).replayed).toBe(false) // bob's own write was done
      expect(yield* count).toBe(2)
      // the same caller's retry replays
      const again = yield* send("/small-notes", { text: "t" }, { cookie: "session=alice", "idempotency-key": "c" })
      expect(again.replayed).toBe("true")
      expect(yield* count).toBe(2)
    })))
})

describe("Route.commandKey", () => {
  it("two principals never give the same command key, whatever their keys", () => {
    // principals are strings a route derives (they may contain the separator)
    expect(Route.commandKey("api-key:a", "b:c")).not.toBe(Route.commandKey("api-key:a:b", "c"))
    expect(Route.commandKey("user:1", "x")).not.toBe(Route.commandKey("user", "1:x"))
    // the same principal and key: the same command key (a retry replays)
    expect(Route.commandKey("user:1", "x")).toBe(Route.commandKey("user:1", "x"))
  })
})

describe("the body limit on a Node server (chunked, no Content-Length)", () => {
  it.live("a chunked body past the limit is a 413 and is not read to its end", () =>
    quiet(Effect.scoped(Effect.gen(function*() {
      const store = yield* EventStore.makeMemory
      const served = App.serve(
        app.layer.pipe(Layer.provide([Layer.succeed(EventStore.EventStore, store), Idempotency.layerMemory()])),
        { port: 0, host: "127.0.0.1" }
      )
      const context = yield* Layer.build(served)
      const server = Context.get(context, HttpServer.HttpServer)
      const port = (server.address as { readonly port: number }).port
      const result = yield* Effect.promise(() =>
        new Promise<{ status: number; sent: number }>((resolve, reject) => {
          let sent = 0
          const request = Http.request({
            host: "127.0.0.1",
            port,
            method: "POST",
            path: "/keyed-notes/b1",
            headers: { "content-type": "application/json", "transfer-encoding": "chunked", "idempotency-key": "big" }
          }, (response) => {
            response.resume()
            response.on("end", () => resolve({ status: response.statusCode ?? 0, sent }))
          })
          request.on("error", (error) => (sent > 0 ? resolve({ status: -1, sent }) : reject(error)))
          const chunk = "x".repeat(64 * 1024)
          request.write("{\"text\":\"")
          const pump = () => {
            while (sent < 50_000_000) {
              sent += chunk.length
              if (!request.write(chunk)) return void request.once("drain", pump)
            }
            request.end("\"}")
          }
          pump()
        })
      )
      expect(result.status).toBe(413)
      expect(result.sent).toBeLessThan(20_000_000)
      expect(yield* Effect.map(Stream.runCollect(store.read(Query.item({ types: [Noted.type] }))), (e) => e.length)).toBe(0)
    }))), 30_000)
})

describe("the in-process idempotency store is bounded by bytes", () => {
  it.effect("the responses it keeps never add up to more than maxBytes, one over the bound included", () =>
    Effect.gen(function*() {
      const store = yield* Idempotency.makeMemory({ maxBytes: 10_000, capacity: 1_000 })
      const response = (bytes: number): Idempotency.RecordedResponse =>
        ({ status: 200, headers: {}, contentType: "application/json", body: new Uint8Array(bytes) })
      for (let i = 0; i < 50; i++) {
        const begin = yield* store.begin(`k${i}`, "f")
        assert(begin._tag === "Run")
        yield* begin.complete(response(i === 25 ? 50_000 : 1_000))
      }
      let kept = 0
      let keptBytes = 0
      for (let i = 0; i < 50; i++) {
        const begin = yield* store.begin(`k${i}`, "f")
        if (begin._tag === "Replay") {
          const recorded = yield* begin.response
          kept++
          keptBytes += recorded!.body.byteLength
        } else if (begin._tag === "Run") yield* begin.abandon
      }
      expect(keptBytes).toBeLessThanOrEqual(10_000)
      expect(kept).toBeGreaterThan(0) // the latest responses are kept
    }))
})
