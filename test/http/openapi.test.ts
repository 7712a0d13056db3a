import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiEndpoint } from "effect/http-api"
import * as EventStore from "fairway/Dcb/EventStore"
import * as App from "fairway/Http/App"
import * as Route from "fairway/Http/Route"

const routes = [
  Route.route(
    HttpApiEndpoint.get("ping", "/ping", { success: Schema.String }),
    () => Effect.succeed("pong")
  )
] as const

const openapiOf = (app: App.App<any, any, any>) =>
  Effect.gen(function*() {
    const handler = yield* App.webHandler(app.layer.pipe(Layer.provide([EventStore.layerMemory, App.layerDefaults])))
    const http = App.clientFor(handler)
    const response = yield* HttpClient.execute(HttpClientRequest.get("/openapi.json")).pipe(
      Effect.provideService(HttpClient.HttpClient, http)
    )
    return JSON.parse(yield* response.text)
  })

describe("App.make: the OpenAPI document names the API", () => {
  it.effect("by default: the app's id as title", () =>
    Effect.gen(function*() {
      const doc = yield* openapiOf(App.make("inventory", routes))
      expect(doc.info.title).toBe("inventory")
      expect(doc.info.version).toBe("0.1.0")
    }))

  it.effect("as the app says: title, version, description", () =>
    Effect.gen(function*() {
      const doc = yield* openapiOf(
        App.make("inventory", routes, { openapi: { title: "Inventory API", version: "2.3.0", description: "stock" } })
      )
      expect(doc.info).toMatchObject({ title: "Inventory API", version: "2.3.0", description: "stock" })
    }))
})
