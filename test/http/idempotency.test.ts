import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Logger, References, Schema, Stream, Tracer } from "effect"
import { HttpClientRequest } from "effect/http"
import { HttpApiEndpoint } from "effect/http-api"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as App from "fairway/Http/App"
import * as Idempotency from "fairway/Http/Idempotency"
import * as Route from "fairway/Http/Route"

// a non-idempotent handler: every run appends an event and answers with the count so far
const Counted = Schema.Struct({ count: Schema.Int, note: Schema.String })
const routes = [
  Route.route(
    HttpApiEndpoint.post("count", "/count", { payload: Schema.Struct({ note: Schema.String }), success: Counted }),
    ({ payload }) =>
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        yield* Effect.sleep(0) // let racing requests interleave
        yield* store.append([Event.make("Counted", ["counter:1"], payload.note)])
        const all = yield* Stream.runCollect(store.read(Query.all()))
        return { count: all.length, note: payload.note }
      }).pipe(Effect.withSpan("count.handler"))
  ),
  Route.route(
    HttpApiEndpoint.post("fail", "/fail"),
    () => Effect.die("boom")
  )
] as const
const app = App.make("counter", routes)

const setup = Effect.gen(function*() {
  const store = yield* EventStore.makeMemory
  const handler = yield* App.webHandler(
    app.layer.pipe(Layer.provide([Layer.succeed(EventStore.EventStore, store), App.layerDefaults]))
  )
  const http = App.clientFor(handler)
  const post = (path: string, body: unknown, key?: string) =>
    Effect.gen(function*() {
      let request = HttpClientRequest.post(path).pipe(HttpClientRequest.bodyJsonUnsafe(body))
      if (key !== undefined) request = request.pipe(HttpClientRequest.setHeader("Idempotency-Key", key))
      const response = yield* http.execute(request)
      const text = yield* response.text
      return { status: response.status, replayed: response.headers["idempotency-replayed"], text }
    })
  const stored = Effect.map(Stream.runCollect(store.read(Query.all())), (events) => events.length)
  return { post, stored }
})

describe("Idempotency-Key", () => {
  it.effect("a repeated request returns the first response and writes nothing", () =>
    Effect.gen(function*() {
      const { post, stored } = yield* setup
      const first = yield* post("/count", { note: "a" }, "k1")
      const second = yield* post("/count", { note: "a" }, "k1")
      expect(first.status).toBe(200)
      expect(second).toEqual({ ...first, replayed: "true" })
      expect(yield* stored).toBe(1)
      // without a key, every request runs
      yield* post("/count", { note: "a" })
      yield* post("/count", { note: "a" })
      expect(yield* stored).toBe(3)
    }))

  it.live("racing requests with one key: one run, one response for all", () =>
    Effect.gen(function*() {
      const { post, stored } = yield* setup
      const responses = yield* Effect.forEach(
        Array.from({ length: 20 }, () => post("/count", { note: "race" }, "k-race")),
        (e) => e,
        { concurrency: "unbounded" }
      )
      expect(yield* stored).toBe(1)
      expect(new Set(responses.map((r) => r.text)).size).toBe(1)
      expect(JSON.parse(responses[0]!.text)).toEqual({ count: 1, note: "race" })
      expect(responses.filter((r) => r.replayed === undefined).length).toBe(1)
      // a different key in the same race runs on its own
      const other = yield* post("/count", { note: "race" }, "k-other")
      expect(JSON.parse(other.text)).toEqual({ count: 2, note: "race" })
    }).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))) // it.live: no request log lines in the output

  it.effect("a key reused for a different request: 422, nothing run", () =>
    Effect.gen(function*() {
      const { post, stored } = yield* setup
      yield* post("/count", { note: "a" }, "k2")
      const reused = yield* post("/count", { note: "b" }, "k2")
      expect(reused.status).toBe(422)
      expect(JSON.parse(reused.text)).toMatchObject({ _tag: "IdempotencyKeyReused", key: "k2" })
      expect(yield* stored).toBe(1)
    }))

  it.effect("a first attempt ending in 5xx is not recorded: the retry runs", () =>
    Effect.gen(function*() {
      const { post } = yield* setup
      const a = yield* post("/fail", {}, "k3")
      const b = yield* post("/fail", {}, "k3")
      expect([a.status, b.status]).toEqual([500, 500])
      expect(b.replayed).toBeUndefined()
    }))
})

describe("request log and span", () => {
  it.effect("one log line per request with status and duration; the handler's span is a child of the request's", () =>
    Effect.gen(function*() {
      const lines: Array<{ message: unknown; annotations: Record<string, unknown> }> = []
      const spans: Array<{ name: string; parent: string | undefined; kind: string }> = []
      const byId = new Map<string, string>()
      const tracer = Tracer.make({
        span: (options) => {
          const span = Tracer.nativeTracer.span(options)
          byId.set(span.spanId, options.name)
          spans.push({
            name: options.name,
            kind: options.kind,
            parent: options.parent._tag === "Some" && options.parent.value._tag === "Span" ? byId.get(options.parent.value.spanId) : undefined
          })
          return span
        }
      })
      const logger = Logger.make(({ fiber, message }) => {
        lines.push({ message, annotations: { ...fiber.getRef(References.CurrentLogAnnotations) } })
      })
      yield* Effect.gen(function*() {
        const { post } = yield* setup
        yield* post("/count", { note: "x" })
      }).pipe(
        Effect.withTracer(tracer),
        Effect.provide(Logger.layer([logger]))
      )
      const requestLines = lines.filter((l) => "http.status" in l.annotations)
      expect(requestLines).toHaveLength(1)
      expect(requestLines[0]!.annotations).toMatchObject({
        "http.method": "POST",
        "http.path": "/count",
        "http.status": 200
      })
      expect(typeof requestLines[0]!.annotations["http.duration_ms"]).toBe("number")
      const server = spans.find((s) => s.kind === "server")
      expect(server).toBeDefined()
      expect(spans.find((s) => s.name === "count.handler")?.parent).toBe(server!.name)
    }))
})

describe("Idempotency-Key across processes (responses recorded in the event store)", () => {
  const twoProcesses = Effect.gen(function*() {
    const store = yield* EventStore.makeMemory
    const storeLayer = Layer.succeed(EventStore.EventStore, store)
    // two app instances sharing the store but nothing else (as two processes would)
    const instance = () =>
      App.webHandler(app.layer.pipe(Layer.provide(Idempotency.layerEventStore()), Layer.provide(storeLayer))).pipe(
        Effect.provideService(References.MinimumLogLevel, "Warn")
      )
    const clients = [App.clientFor(yield* instance()), App.clientFor(yield* instance())]
    const post = (i: number, note: string, key: string) =>
      Effect.gen(function*() {
        const request = HttpClientRequest.post("/count").pipe(
          HttpClientRequest.bodyJsonUnsafe({ note }),
          HttpClientRequest.setHeader("Idempotency-Key", key)
        )
        const response = yield* clients[i]!.execute(request)
        return { status: response.status, replayed: response.headers["idempotency-replayed"], text: yield* response.text }
      })
    const counted = Effect.map(
      Stream.runCollect(store.read(Query.item({ types: ["Counted"] }))),
      (events) => events.length
    )
    return { post, counted }
  })

  it.effect("a request repeated on another instance gets the first response", () =>
    Effect.gen(function*() {
      const { counted, post } = yield* twoProcesses
      const first = yield* post(0, "a", "k1")
      const again = yield* post(1, "a", "k1")
      expect(again).toEqual({ ...first, replayed: "true" })
      expect(yield* counted).toBe(1)
      expect((yield* post(1, "b", "k1")).status).toBe(422)
    }))

  it.live("instances racing on one key answer with one response", () =>
    Effect.gen(function*() {
      const { post } = yield* twoProcesses
      const responses = yield* Effect.forEach(
        Array.from({ length: 10 }, (_, i) => post(i % 2, "race", "k-race")),
        (e) => e,
        { concurrency: "unbounded" }
      )
      // the handler is not idempotent itself (no command key here): each instance may run once,
      // but every client sees the first recorded response
      expect(new Set(responses.map((r) => r.text)).size).toBe(1)
    }))
})

describe("Idempotency-Key: an interrupted request releases its key", () => {
  it.live("interrupted while the event-store-backed store looks the key up: the next request runs", () =>
    Effect.gen(function*() {
      const memory = yield* EventStore.makeMemory
      const gate = yield* Deferred.make<void>()
      // reads wait for the gate: the first begin is interrupted while it looks the key up
      const slowReads: EventStore.EventStoreShape = {
        ...memory,
        read: (query, options) => Stream.unwrap(Effect.as(Deferred.await(gate), memory.read(query, options)))
      }
      const idempotency = yield* Idempotency.makeEventStore().pipe(
        Effect.provideService(EventStore.EventStore, slowReads)
      )
      const first = yield* Effect.forkChild(idempotency.begin("k", "fp"), { startImmediately: true })
      yield* Effect.yieldNow
      yield* Fiber.interrupt(first)
      yield* Deferred.succeed(gate, undefined)
      const again = yield* idempotency.begin("k", "fp").pipe(Effect.timeout("1 second"))
      expect(again._tag).toBe("Run")
    }))
})
