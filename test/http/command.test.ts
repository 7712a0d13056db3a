import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option, References, Schema, Stream, Tracer } from "effect"
import { HttpClientRequest } from "effect/http"
import * as DecisionModel from "fairway/Dcb/DecisionModel"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as App from "fairway/Http/App"
import * as Route from "fairway/Http/Route"
import * as Command from "fairway/Module/Command"
import * as View from "fairway/Module/View"
import * as ViewStore from "fairway/Module/ViewStore"

// a concert with seats: booking never oversells
const ConcertScheduled = Event.define("ConcertScheduled", {
  payload: Schema.Struct({ concertId: Schema.String, seats: Schema.Int }),
  tags: (p) => [`concert:${p.concertId}`]
})
const SeatBooked = Event.define("SeatBooked", {
  payload: Schema.Struct({ concertId: Schema.String, buyer: Schema.String }),
  tags: (p) => [`concert:${p.concertId}`]
})

class ConcertNotFound extends Schema.TaggedError<ConcertNotFound>()("ConcertNotFound", {
  concertId: Schema.String
}, { httpApiStatus: 404 }) {}
class SoldOut extends Schema.TaggedError<SoldOut>()("SoldOut", { concertId: Schema.String }, { httpApiStatus: 409 }) {}

const concert = (concertId: string) =>
  DecisionModel.make({
    query: Query.item({ tags: [`concert:${concertId}`] }),
    events: [ConcertScheduled, SeatBooked],
    initial: Option.none<{ seats: number; sold: number }>(),
    evolve: (state, event) =>
      event.type === "ConcertScheduled"
        ? Option.some({ seats: event.payload.seats, sold: 0 })
        : Option.map(state, (s) => ({ ...s, sold: s.sold + 1 }))
  })

const Schedule = Command.make({
  name: "ScheduleConcert",
  input: Schema.Struct({ concertId: Schema.NonEmptyString, seats: Schema.Int.check(Schema.isGreaterThan(0)) }),
  model: ({ concertId }) => concert(concertId),
  decide: (state, input) => Effect.succeed(Option.isSome(state) ? [] : [ConcertScheduled.make(input)])
})

const Book = Command.make({
  name: "BookSeat",
  input: Schema.Struct({ concertId: Schema.String, buyer: Schema.NonEmptyString }),
  model: ({ concertId }) => concert(concertId),
  decide: (state, input) =>
    Option.match(state, {
      onNone: () => Effect.fail(new ConcertNotFound({ concertId: input.concertId })),
      onSome: (s) =>
        s.sold >= s.seats ? Effect.fail(new SoldOut({ concertId: input.concertId })) : Effect.succeed([SeatBooked.make(input)])
    })
})

// a decision that always loses the race: a sneaky writer appends to its boundary each time
const Contended = Command.make({
  name: "Contended",
  input: Schema.Struct({ concertId: Schema.String }),
  model: ({ concertId }) => concert(concertId),
  decide: (_, { concertId }) =>
    Effect.gen(function*() {
      yield* EventStore.append([SeatBooked.make({ concertId, buyer: "sneaky" })])
      return [SeatBooked.make({ concertId, buyer: "loser" })]
    }),
  retry: { times: 2, base: "1 millis" }
})

// blocks until released: holds the limiter's only slot
const gate = Deferred.makeUnsafe<void>()
const entered = Deferred.makeUnsafe<void>()
const Slow = Command.make({
  name: "Slow",
  input: Schema.Struct({ id: Schema.String }),
  model: ({ id }) => concert(id),
  decide: () => Deferred.succeed(entered, undefined).pipe(Effect.andThen(Deferred.await(gate)), Effect.as([]))
})

const SoldSeats = View.make({
  name: "SoldSeats",
  version: 1,
  query: Query.item({ types: [SeatBooked.type] }),
  events: [SeatBooked],
  initial: 0,
  evolve: (n) => n + 1,
  key: (event) => event.payload.concertId
})

const routes = [
  Route.command("scheduleConcert", "POST", "/concerts", Schedule),
  Route.command("bookSeat", "POST", "/concerts/:concertId/bookings", Book, {
    params: { concertId: Schema.String },
    payload: Schema.Struct({ buyer: Schema.NonEmptyString }),
    input: ({ params, payload }) => ({ concertId: params.concertId, buyer: payload.buyer }),
    success: Schema.Struct({ booked: Schema.Boolean, replayed: Schema.Boolean }),
    respond: (result) => ({ booked: true, replayed: result.replayed }),
    error: [ConcertNotFound, SoldOut]
  }),
  Route.command("contended", "PUT", "/concerts/:concertId/contended", Contended, {
    params: { concertId: Schema.String },
    input: ({ params }) => ({ concertId: params.concertId })
  }),
  Route.command("slow", "DELETE", "/slow/:id", Slow, {
    params: { id: Schema.String },
    input: ({ params }) => ({ id: params.id })
  }),
  Route.view("soldSeats", "/concerts/:concertId/sold", SoldSeats, {
    params: ["concertId"],
    success: Schema.Int,
    consistent: true
  })
] as const

const app = App.make("concerts", routes)

const setup = Effect.gen(function*() {
  const store = yield* EventStore.makeMemory
  const handler = yield* App.webHandler(app.layer.pipe(Layer.provide([
    Layer.succeed(EventStore.EventStore, store),
    ViewStore.layerMemory,
    Command.layerLimiter({ maxInFlight: 1 }),
    App.layerDefaults
  ]))).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")) // no request log lines in the test output
  const http = App.clientFor(handler)
  const send = (request: HttpClientRequest.HttpClientRequest) =>
    Effect.gen(function*() {
      const response = yield* http.execute(request)
      const text = yield* response.text
      return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) }
    })
  const post = (path: string, body: unknown, key?: string) =>
    send(HttpClientRequest.post(path).pipe(
      HttpClientRequest.bodyJsonUnsafe(body),
      key === undefined ? (r) => r : HttpClientRequest.setHeader("Idempotency-Key", key)
    ))
  const events = (type: string) =>
    Effect.map(Stream.runCollect(store.read(Query.item({ types: [type] }))), (all) => all.length)
  return { send, post, events }
})

describe("Http.command", () => {
  it.effect("runs the command: 200 with the position; bad input 422 naming each field, nothing written", () =>
    Effect.gen(function*() {
      const { events, post } = yield* setup
      const ok = yield* post("/concerts", { concertId: "c1", seats: 2 })
      expect(ok.status).toBe(200)
      expect(ok.body).toMatchObject({ events: 1, replayed: false })
      expect(typeof ok.body.position).toBe("string")
      const bad = yield* post("/concerts", { concertId: "", seats: 0 })
      expect(bad.status).toBe(422)
      expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(["payload.concertId", "payload.seats"])
      expect(yield* events(ConcertScheduled.type)).toBe(1)
    }))

  it.effect("domain errors answer with the status on their class", () =>
    Effect.gen(function*() {
      const { post } = yield* setup
      const missing = yield* post("/concerts/nope/bookings", { buyer: "ann" })
      expect(missing).toMatchObject({ status: 404, body: { _tag: "ConcertNotFound", concertId: "nope" } })
      yield* post("/concerts", { concertId: "c1", seats: 1 })
      expect((yield* post("/concerts/c1/bookings", { buyer: "ann" })).status).toBe(200)
      const sold = yield* post("/concerts/c1/bookings", { buyer: "bob" })
      expect(sold).toMatchObject({ status: 409, body: { _tag: "SoldOut" } })
    }))

  it.live("concurrent bookings never oversell; a racing Idempotency-Key books once", () =>
    Effect.gen(function*() {
      const { events, post } = yield* setup
      yield* post("/concerts", { concertId: "c1", seats: 5 })
      const racing = yield* Effect.forEach(
        Array.from({ length: 10 }, () => post("/concerts/c1/bookings", { buyer: "ann" }, "booking-1")),
        (e) => e,
        { concurrency: "unbounded" }
      )
      expect(racing.every((r) => r.status === 200)).toBe(true)
      expect(yield* events(SeatBooked.type)).toBe(1)
      const buyers = yield* Effect.forEach(
        Array.from({ length: 10 }, (_, i) => post("/concerts/c1/bookings", { buyer: `b${i}` })),
        (e) => e,
        { concurrency: "unbounded" }
      )
      expect(yield* events(SeatBooked.type)).toBe(5)
      // the limiter (one in flight) may shed some with 503; every other loser is SoldOut
      expect(buyers.filter((r) => r.status === 200).length).toBe(4)
      expect(buyers.every((r) => [200, 409, 503].includes(r.status))).toBe(true)
    }))

  it.live("an append condition that keeps failing after the retries: 409", () =>
    Effect.gen(function*() {
      const { events, send } = yield* setup
      const r = yield* send(HttpClientRequest.put("/concerts/c9/contended"))
      expect(r).toMatchObject({ status: 409, body: { _tag: "Conflict" } })
      expect(yield* events(SeatBooked.type)).toBe(3) // the sneaky writer's, one per attempt; the loser's none
    }))

  it.effect("Overloaded: 503 with Retry-After while the only slot is taken", () =>
    Effect.gen(function*() {
      const { send } = yield* setup
      const first = yield* Effect.forkChild(send(HttpClientRequest.delete("/slow/a")), { startImmediately: true })
      yield* Deferred.await(entered)
      const second = yield* send(HttpClientRequest.delete("/slow/b"))
      expect(second.status).toBe(503)
      expect(second.headers["retry-after"]).toBe("1")
      yield* Deferred.succeed(gate, undefined)
      expect((yield* Fiber.join(first)).status).toBe(200)
    }))

  it.effect("a View behind GET: the state, or 404", () =>
    Effect.gen(function*() {
      const { post, send } = yield* setup
      yield* post("/concerts", { concertId: "c1", seats: 3 })
      yield* post("/concerts/c1/bookings", { buyer: "ann" })
      yield* post("/concerts/c1/bookings", { buyer: "bob" })
      expect(yield* send(HttpClientRequest.get("/concerts/c1/sold"))).toMatchObject({ status: 200, body: 2 })
      expect((yield* send(HttpClientRequest.get("/concerts/c2/sold"))).status).toBe(404)
    }))
})

describe("registered routes", () => {
  it.effect("one call serves every registered route", () =>
    Effect.gen(function*() {
      Route.clearRegistered()
      Route.register(routes[0])
      Route.register(routes[4])
      Route.register(routes[0])
      const registeredApp = App.make("registered", Route.registered())
      const store = yield* EventStore.makeMemory
      const handler = yield* App.webHandler(registeredApp.layer.pipe(Layer.provide([
        Layer.succeed(EventStore.EventStore, store),
        ViewStore.layerMemory,
        App.layerDefaults
      ])))
      const http = App.clientFor(handler)
      const created = yield* http.execute(
        HttpClientRequest.post("/concerts").pipe(HttpClientRequest.bodyJsonUnsafe({ concertId: "c1", seats: 1 }))
      )
      expect(created.status).toBe(200)
      expect((yield* http.execute(HttpClientRequest.get("/concerts/c1/sold"))).status).toBe(404)
      expect((yield* http.execute(HttpClientRequest.put("/concerts/c1/contended"))).status).toBe(404)
      Route.clearRegistered()
    }))
})

describe("tracing", () => {
  it.effect("a command's span is a child of the request's server span", () =>
    Effect.gen(function*() {
      const spans: Array<{ name: string; kind: string; parent: string | undefined }> = []
      const names = new Map<string, string>()
      const tracer = Tracer.make({
        span: (options) => {
          const span = Tracer.nativeTracer.span(options)
          names.set(span.spanId, options.name)
          const parent = options.parent._tag === "Some" && options.parent.value._tag === "Span"
            ? names.get(options.parent.value.spanId)
            : undefined
          spans.push({ name: options.name, kind: options.kind, parent })
          return span
        }
      })
      yield* Effect.gen(function*() {
        const { post } = yield* setup
        expect((yield* post("/concerts", { concertId: "c1", seats: 1 })).status).toBe(200)
      }).pipe(Effect.withTracer(tracer))
      const server = spans.find((s) => s.kind === "server")!
      expect(server).toBeDefined()
      expect(spans.find((s) => s.name === "Http.command ScheduleConcert")?.parent).toBe(server.name)
      expect(spans.find((s) => s.name === "Command.run ScheduleConcert")?.parent).toBe("Http.command ScheduleConcert")
    }))
})
