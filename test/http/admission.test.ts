import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, References, Schema } from "effect"
import { HttpClientRequest } from "effect/http"
import * as DecisionModel from "fairway/Dcb/DecisionModel"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as App from "fairway/Http/App"
import * as Route from "fairway/Http/Route"
import * as Admission from "fairway/Module/Admission"
import * as Command from "fairway/Module/Command"

const Noted = Event.define("Noted", {
  payload: Schema.Struct({ board: Schema.String }),
  tags: (p) => [`board:${p.board}`]
})

const notes = (board: string) =>
  DecisionModel.make({
    query: Query.item({ types: [Noted.type], tags: [`board:${board}`] }),
    initial: 0,
    events: [Noted],
    evolve: (n) => n + 1
  })

// holds its boundary until released
const gate = Deferred.makeUnsafe<void>()
const entered = Deferred.makeUnsafe<void>()
const Note = Command.make({
  name: "Note",
  input: Schema.Struct({ board: Schema.String }),
  model: ({ board }) => notes(board),
  decide: (_, { board }) =>
    board === "held"
      ? Deferred.succeed(entered, undefined).pipe(Effect.andThen(Deferred.await(gate)), Effect.as([Noted.make({ board })]))
      : Effect.succeed([Noted.make({ board })])
})

const app = App.make("boards", [
  Route.command("note", "POST", "/boards/:board/notes", Note, {
    params: { board: Schema.String },
    input: ({ params }) => ({ board: params.board })
  })
] as const)

describe("Admission over HTTP", () => {
  it.effect("a full boundary answers 503 with Retry-After; another boundary answers 200", () =>
    Effect.gen(function*() {
      const handler = yield* App.webHandler(app.layer.pipe(Layer.provide([
        EventStore.layerMemory,
        Admission.layer({ maxWaiting: 0 }),
        App.layerDefaults
      ]))).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))
      const http = App.clientFor(handler)
      const post = (path: string) => Effect.map(http.execute(HttpClientRequest.post(path)), (r) => r)
      const first = yield* Effect.forkChild(post("/boards/held/notes"), { startImmediately: true })
      yield* Deferred.await(entered)
      const rejected = yield* post("/boards/held/notes")
      expect(rejected.status).toBe(503)
      expect(Number(rejected.headers["retry-after"])).toBeGreaterThanOrEqual(1)
      const other = yield* post("/boards/free/notes")
      expect(other.status).toBe(200)
      yield* Deferred.succeed(gate, undefined)
      expect((yield* Fiber.join(first)).status).toBe(200)
    }))
})
