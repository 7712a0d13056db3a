import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema, Stream } from "effect"
import { HttpApiEndpoint } from "effect/http-api"
import { HttpClient, HttpClientRequest } from "effect/http"
import * as AppendCondition from "fairway/Dcb/AppendCondition"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as App from "fairway/Http/App"
import * as Route from "fairway/Http/Route"

class ItemNotFound extends Schema.TaggedError<ItemNotFound>()("ItemNotFound", { id: Schema.String }, {
  httpApiStatus: 404
}) {}
class NotYourItem extends Schema.TaggedError<NotYourItem>()("NotYourItem", { id: Schema.String }, {
  httpApiStatus: 403
}) {
  override get message() {
    return `item ${this.id} belongs to someone else`
  }
}
class Overloaded extends Schema.TaggedError<Overloaded>()("Overloaded", { retryAfterSeconds: Schema.Number }) {}

const Item = Schema.Struct({
  name: Schema.NonEmptyString,
  qty: Schema.Int.check(Schema.isGreaterThan(0))
})

const routes = [
  Route.route(
    HttpApiEndpoint.post("createItem", "/items", { payload: Item, success: Item }),
    ({ payload }) => Effect.succeed(payload)
  ),
  Route.route(
    HttpApiEndpoint.get("getItem", "/items/:id", {
      params: { id: Schema.String.check(Schema.isMaxLength(3)) },
      success: Item,
      error: ItemNotFound
    }),
    ({ params }) => Effect.fail(new ItemNotFound({ id: params.id }))
  ),
  Route.route(
    HttpApiEndpoint.delete("deleteItem", "/items/:id", { params: { id: Schema.String } }),
    ({ params }) => Effect.fail(new NotYourItem({ id: params.id }))
  ),
  Route.route(
    HttpApiEndpoint.post("conflict", "/conflict"),
    () =>
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        const query = Query.fromItems([{ tags: ["seat:1"] }])
        yield* store.append([Event.make("SeatBooked", ["seat:1"])])
        // a decision made before that event: its condition fails
        yield* store.append([Event.make("SeatBooked", ["seat:1"])], { condition: AppendCondition.make(query) })
      })
  ),
  Route.route(
    HttpApiEndpoint.post("overloaded", "/overloaded"),
    () => Effect.fail(new Overloaded({ retryAfterSeconds: 2.2 }))
  ),
  Route.route(
    HttpApiEndpoint.get("boom", "/boom"),
    () => Effect.die(new Error("secret internals: db password is hunter2"))
  ),
  Route.route(
    HttpApiEndpoint.get("plainError", "/plain-error"),
    () => Effect.fail(new Error("secret internals"))
  )
] as const

const app = App.make("items", routes)

const client = Effect.gen(function*() {
  const handler = yield* App.webHandler(
    app.layer.pipe(Layer.provide([EventStore.layerMemory, App.layerDefaults]))
  )
  return App.clientFor(handler)
})

const call = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.gen(function*() {
    const http = yield* client
    const response = yield* http.execute(request)
    const text = yield* response.text
    return { status: response.status, headers: response.headers, text, body: text === "" ? undefined : JSON.parse(text) }
  })

describe("Http error mapping", () => {
  it.effect("a body failing its schema: 422 naming every problem", () =>
    Effect.gen(function*() {
      const r = yield* call(HttpClientRequest.post("/items").pipe(HttpClientRequest.bodyJsonUnsafe({ name: "", qty: 1.5 })))
      expect(r.status).toBe(422)
      expect(r.body._tag).toBe("ValidationFailed")
      expect(r.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(["payload.name", "payload.qty"])
      expect(r.body.message).toContain("payload.name")
    }))

  it.effect("a missing field and a body that is not JSON: 422, never an empty 400", () =>
    Effect.gen(function*() {
      const missing = yield* call(HttpClientRequest.post("/items").pipe(HttpClientRequest.bodyJsonUnsafe({ name: "x" })))
      expect(missing.status).toBe(422)
      expect(missing.body.issues).toEqual([{ path: "payload.qty", message: expect.stringContaining("Missing") }])
      const notJson = yield* call(
        HttpClientRequest.post("/items").pipe(HttpClientRequest.bodyText("{nope", "application/json"))
      )
      expect(notJson.status).toBe(422)
      expect(notJson.body.issues.length).toBeGreaterThan(0)
    }))

  it.effect("a valid body passes", () =>
    Effect.gen(function*() {
      const r = yield* call(HttpClientRequest.post("/items").pipe(HttpClientRequest.bodyJsonUnsafe({ name: "x", qty: 2 })))
      expect(r).toMatchObject({ status: 200, body: { name: "x", qty: 2 } })
    }))

  it.effect("a path parameter failing its schema: 422", () =>
    Effect.gen(function*() {
      const r = yield* call(HttpClientRequest.get("/items/abcdef"))
      expect(r.status).toBe(422)
      expect(r.body.issues[0].path).toBe("params.id")
    }))

  it.effect("a domain error declared on the endpoint: its own status and body", () =>
    Effect.gen(function*() {
      const r = yield* call(HttpClientRequest.get("/items/7"))
      expect(r).toMatchObject({ status: 404, body: { _tag: "ItemNotFound", id: "7" } })
    }))

  it.effect("a domain error not declared on the endpoint: the status on its class", () =>
    Effect.gen(function*() {
      const r = yield* call(HttpClientRequest.delete("/items/7"))
      expect(r).toMatchObject({
        status: 403,
        body: { _tag: "NotYourItem", id: "7", message: "item 7 belongs to someone else" }
      })
    }))

  it.effect("AppendConditionFailed: 409", () =>
    Effect.gen(function*() {
      const r = yield* call(HttpClientRequest.post("/conflict"))
      expect(r).toMatchObject({ status: 409, body: { _tag: "Conflict" } })
    }))

  it.effect("Overloaded: 503 with Retry-After", () =>
    Effect.gen(function*() {
      const r = yield* call(HttpClientRequest.post("/overloaded"))
      expect(r.status).toBe(503)
      expect(r.headers["retry-after"]).toBe("3")
      expect(r.body).toMatchObject({ _tag: "ServiceUnavailable", retryAfterSeconds: 3 })
    }))

  it.effect("a defect or an unknown error: 500 with no internals", () =>
    Effect.gen(function*() {
      for (const path of ["/boom", "/plain-error"]) {
        const r = yield* call(HttpClientRequest.get(path))
        expect(r.status).toBe(500)
        expect(r.body).toEqual({ _tag: "InternalServerError", message: "internal server error" })
        expect(r.text).not.toContain("secret")
      }
    }))

  it.effect("the OpenAPI document lists every route and the 422", () =>
    Effect.gen(function*() {
      const r = yield* call(HttpClientRequest.get("/openapi.json"))
      expect(r.status).toBe(200)
      expect(Object.keys(r.body.paths).sort()).toEqual(
        ["/boom", "/conflict", "/items", "/items/{id}", "/overloaded", "/plain-error"]
      )
      expect(Object.keys(r.body.paths["/items"].post.responses)).toContain("422")
    }))

  it.effect("the typed client decodes declared errors", () =>
    Effect.gen(function*() {
      const handler = yield* App.webHandler(app.layer.pipe(Layer.provide([EventStore.layerMemory, App.layerDefaults])))
      const typed = yield* App.typedClient(app, handler)
      expect(yield* typed.createItem({ payload: { name: "a", qty: 1 } })).toEqual({ name: "a", qty: 1 })
      const error = yield* Effect.flip(typed.getItem({ params: { id: "3" } }))
      expect(error).toBeInstanceOf(ItemNotFound)
    }))

  it.effect("the store is untouched by unrelated requests", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.makeMemory
      const handler = yield* App.webHandler(
        app.layer.pipe(Layer.provide([Layer.succeed(EventStore.EventStore, store), App.layerDefaults]))
      )
      const http = App.clientFor(handler)
      yield* http.execute(HttpClientRequest.post("/conflict"))
      // the first append went through, the conditional one did not
      expect((yield* Stream.runCollect(store.read(Query.all()))).length).toBe(1)
      void HttpClient
    }))
})
