import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, Option, References, Schema, Stream } from "effect"
import { HttpApiEndpoint } from "effect/http-api"
import * as DecisionModel from "fairway/Dcb/DecisionModel"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as App from "fairway/Http/App"
import * as Idempotency from "fairway/Http/Idempotency"
import * as Route from "fairway/Http/Route"
import * as Command from "fairway/Module/Command"

// A sign-up that answers with a secret token (as RealWorld answers with a JWT), and a note that counts runs.
const SignedUp = Event.define("SignedUp", {
  payload: Schema.Struct({ user: Schema.String }),
  tags: (p) => [`user:${p.user}`]
})
const Noted = Event.define("Noted", { payload: Schema.Struct({ text: Schema.String }), tags: () => ["notes"] })

class AlreadyTaken extends Schema.TaggedError<AlreadyTaken>()("AlreadyTaken", { user: Schema.String }) {}

const users = (user: string) =>
  DecisionModel.make({ query: Query.item({ tags: [`user:${user}`] }), initial: false, events: [SignedUp], evolve: () => true })

const SignUp = Command.make({
  name: "SignUp",
  input: Schema.Struct({ user: Schema.String }),
  model: ({ user }) => users(user),
  decide: (taken, { user }) => taken ? Effect.fail(new AlreadyTaken({ user })) : Effect.succeed([SignedUp.make({ user })])
})
const Note = Command.make({
  name: "Note",
  input: Schema.Struct({ text: Schema.String }),
  model: () => DecisionModel.make({ query: Query.item({ tags: ["notes"] }), initial: 0, events: [Noted], evolve: (n) => n + 1 }),
  decide: (_, { text }) => Effect.succeed([Noted.make({ text })])
})

let statusToAnswer = 200
const statusErrors = new Map<number, new() => object>()
for (const status of [401, 403, 404, 409, 429, 500, 503]) {
  statusErrors.set(status, class extends Schema.TaggedError<any>()(`Status${status}`, {}, { httpApiStatus: status }) {})
}
const statusError = (status: number) => new (statusErrors.get(status)!)()
const routes = [
  Route.command("signUp", "POST", "/users", SignUp, {
    success: Schema.Struct({ token: Schema.String, replayed: Schema.Boolean }),
    // the "token" names the caller who ran the request: a replay to anyone else would leak it
    respond: (result, input) =>
      Effect.map(Effect.serviceOption(Idempotency.CurrentPrincipal), () => ({
        token: `secret-of-${input.user}-${Math.random()}`,
        replayed: result.replayed
      }))
  }),
  Route.command("note", "POST", "/notes", Note),
  Route.withMaxBodyBytes(Route.command("bigNote", "POST", "/big-notes", Note), 5_000_000),
  // a route that identifies its caller by an API key instead of the Authorization header
  Route.withPrincipal(
    Route.command("keyedNote", "POST", "/keyed-notes/:box", Note, {
      params: { box: Schema.String },
      input: ({ payload }) => payload,
      payload: Schema.Struct({ text: Schema.String })
    }),
    (request) => Effect.succeed(`api-key:${request.headers["x-api-key"] ?? "none"}`)
  ),
  Route.route(
    HttpApiEndpoint.post("status", "/status", { payload: Schema.Struct({ n: Schema.Number }) }),
    () =>
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        yield* store.append([Event.make("StatusRun", ["status"])])
        if (statusToAnswer !== 200) return yield* Effect.fail(statusError(statusToAnswer))
      })
  ),
  Route.route(
    HttpApiEndpoint.post("tooBig", "/too-big", { payload: Schema.Struct({ tags: Schema.Number }) }),
    ({ payload }) =>
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        yield* store.append([Event.make("Tagged", Array.from({ length: payload.tags }, (_, i) => `t:${i}`))])
      })
  ),
  Route.route(
    HttpApiEndpoint.post("huge", "/huge", { payload: Schema.Struct({ bytes: Schema.Number }) }),
    ({ payload }) =>
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        yield* store.append([{ type: "Huge", tags: [], data: new Uint8Array(payload.bytes) }])
      })
  )
] as const

// the app, with an error class per status a test wants the "/status" route to answer
const app = App.make("defaults", routes)

const setup = (options?: Idempotency.StoreOptions) =>
  Effect.gen(function*() {
    const store = yield* EventStore.makeMemory
    const handler = yield* App.webHandler(
      app.layer.pipe(Layer.provide([Layer.succeed(EventStore.EventStore, store), Idempotency.layerMemory(options)]))
    )
    const send = (
      method: string,
      path: string,
      body: unknown,
      headers: Record<string, string> = {}
    ) =>
      Effect.promise(async () => {
        const init: RequestInit = { method, headers: { "content-type": "application/json", ...headers } }
        if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body)
        const response = await handler(new Request(`http://app.test${path}`, init))
        const text = await response.text()
        let json: any
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        return { status: response.status, replayed: response.headers.get("idempotency-replayed"), text, json }
      })
    const count = (type: string) =>
      Effect.map(Stream.runCollect(store.read(Query.item({ types: [type] }))), (events) => events.length)
    return { send, count, handler }
  })

const alice = { authorization: "Token alice-jwt" }
const bob = { authorization: "Token bob-jwt" }
const quiet = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, References.MinimumLogLevel, "Error")

describe("Idempotency-Key belongs to its caller", () => {
  it.effect("another caller (or nobody) sending the same key and body never gets the first caller's response", () =>
    quiet(Effect.gen(function*() {
      const { count, send } = yield* setup()
      const a = yield* send("POST", "/notes", { text: "hello" }, { ...alice, "idempotency-key": "k1" })
      expect(a.status).toBe(200)
      const b = yield* send("POST", "/notes", { text: "hello" }, { ...bob, "idempotency-key": "k1" })
      const anon = yield* send("POST", "/notes", { text: "hello" }, { "idempotency-key": "k1" })
      expect(b.replayed).toBeNull()
      expect(anon.replayed).toBeNull()
      expect(b.json.replayed).toBe(false) // B's own write was done
      expect(anon.json.replayed).toBe(false)
      expect(yield* count("Noted")).toBe(3)
      // the first caller's retry is a replay
      const again = yield* send("POST", "/notes", { text: "hello" }, { ...alice, "idempotency-key": "k1" })
      expect(again.replayed).toBe("true")
      expect(yield* count("Noted")).toBe(3)
    })))

  it.effect("a secret in a response is replayed to its caller only", () =>
    quiet(Effect.gen(function*() {
      const { send } = yield* setup()
      const first = yield* send("POST", "/users", { user: "ann" }, { "idempotency-key": "signup" })
      expect(first.status).toBe(200)
      const attacker = yield* send("POST", "/users", { user: "ann" }, { ...bob, "idempotency-key": "signup" })
      expect(attacker.text).not.toContain(first.json.token)
      expect(attacker.status).toBe(400) // AlreadyTaken: a domain error without a status is a 400, not a replay
      expect(attacker.json._tag).toBe("AlreadyTaken")
    })))

  it.effect("the body's `replayed` says what the Idempotency-Replayed header says", () =>
    quiet(Effect.gen(function*() {
      const { send } = yield* setup()
      const first = yield* send("POST", "/notes", { text: "x" }, { ...alice, "idempotency-key": "r" })
      expect([first.replayed, first.json.replayed]).toEqual([null, false])
      const again = yield* send("POST", "/notes", { text: "x" }, { ...alice, "idempotency-key": "r" })
      expect([again.replayed, again.json.replayed]).toEqual(["true", true])
    })))

  it.effect("the same caller reusing a key with another body: 422, nothing run", () =>
    quiet(Effect.gen(function*() {
      const { count, send } = yield* setup()
      yield* send("POST", "/notes", { text: "a" }, { ...alice, "idempotency-key": "k" })
      const reused = yield* send("POST", "/notes", { text: "b" }, { ...alice, "idempotency-key": "k" })
      expect(reused.status).toBe(422)
      expect(reused.json._tag).toBe("IdempotencyKeyReused")
      expect(yield* count("Noted")).toBe(1)
    })))

  it.effect("only final outcomes are stored: 401, 403, 409, 429 and 5xx run again", () =>
    quiet(Effect.gen(function*() {
      const { count, send } = yield* setup()
      let runs = 0
      for (const status of [401, 403, 409, 429, 500, 503]) {
        statusToAnswer = status
        const first = yield* send("POST", "/status", { n: status }, { ...alice, "idempotency-key": `s${status}` })
        expect(first.status).toBe(status)
        statusToAnswer = 200
        const retry = yield* send("POST", "/status", { n: status }, { ...alice, "idempotency-key": `s${status}` })
        expect(retry.status).toBe(204)
        expect(retry.replayed).toBeNull()
        runs += 2
      }
      expect(yield* count("StatusRun")).toBe(runs)
      // a deterministic 4xx is final: replayed
      statusToAnswer = 404
      yield* send("POST", "/status", { n: 1 }, { ...alice, "idempotency-key": "s404" })
      statusToAnswer = 200
      const replayed = yield* send("POST", "/status", { n: 1 }, { ...alice, "idempotency-key": "s404" })
      expect([replayed.status, replayed.replayed]).toEqual([404, "true"])
    })))

  it.effect("a key over 255 characters is a 400; the store is bounded by bytes", () =>
    quiet(Effect.gen(function*() {
      const { count, send } = yield* setup({ maxBytes: 2_000 })
      const long = yield* send("POST", "/notes", { text: "x" }, { ...alice, "idempotency-key": "k".repeat(256) })
      expect(long.status).toBe(400)
      expect(long.json._tag).toBe("IdempotencyKeyInvalid")
      expect(yield* count("Noted")).toBe(0)
      const ok = yield* send("POST", "/notes", { text: "x" }, { ...alice, "idempotency-key": "k".repeat(255) })
      expect(ok.status).toBe(200)
      // 40 responses of ~100 bytes do not fit in 2,000 bytes: the first key was evicted (its command key still replays)
      for (let i = 0; i < 40; i++) yield* send("POST", "/notes", { text: `n${i}` }, { ...alice, "idempotency-key": `e${i}` })
      const evicted = yield* send("POST", "/notes", { text: "n0" }, { ...alice, "idempotency-key": "e0" })
      expect(evicted.json.replayed).toBe(true) // the command replayed it…
      expect(evicted.replayed).toBe("true") // …and the header says so
      expect(yield* count("Noted")).toBe(41)
    })))
})

describe("HTTP defaults", () => {
  it.effect("a body over 1 MB is a 413 before it is parsed; a route may allow more", () =>
    quiet(Effect.gen(function*() {
      const { count, send } = yield* setup()
      const big = JSON.stringify({ text: "x".repeat(1_100_000) })
      const refused = yield* send("POST", "/notes", big)
      expect(refused.status).toBe(413)
      expect(refused.json._tag).toBe("PayloadTooLarge")
      // the route allowing 5 MB reads and parses it; the event store then refuses the 1.1 MB event, naming it
      const allowed = yield* send("POST", "/big-notes", big)
      expect(allowed.status).toBe(413)
      expect(allowed.json._tag).toBe("InvalidEvent")
      expect(allowed.json.message).toContain("bytes")
      const small = yield* send("POST", "/big-notes", { text: "x".repeat(50_000) })
      expect(small.status).toBe(200)
      expect(yield* count("Noted")).toBe(1)
    })))

  it.effect("a streamed body without Content-Length stops at the limit: 413", () =>
    quiet(Effect.gen(function*() {
      const { handler } = yield* setup()
      let sent = 0
      const chunk = new TextEncoder().encode("x".repeat(64 * 1024))
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("{\"text\":\""))
        },
        pull(controller) {
          sent += chunk.length
          if (sent > 50_000_000) controller.close()
          else controller.enqueue(chunk)
        }
      })
      const response = yield* Effect.promise(() =>
        handler(new Request("http://app.test/notes", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          duplex: "half"
        } as RequestInit))
      )
      expect(response.status).toBe(413)
      expect(sent).toBeLessThan(5_000_000) // stopped reading near the limit, not at the end
    })))

  it.effect("store limits answer 413 or 422 naming the problem, not 500", () =>
    quiet(Effect.gen(function*() {
      const { send } = yield* setup()
      const tags = yield* send("POST", "/too-big", { tags: EventStore.limits.maxTagsPerEvent + 1 })
      expect(tags.status).toBe(422)
      expect(tags.json._tag).toBe("InvalidEvent")
      expect(tags.json.message).toContain("tags")
      const huge = yield* send("POST", "/huge", { bytes: EventStore.limits.maxDataBytes + 1 })
      expect(huge.status).toBe(413)
      expect(huge.json.message).toContain("bytes")
    })))

  it.effect("a command's domain error without a declared status: 400 with its tag, not 500", () =>
    quiet(Effect.gen(function*() {
      const { send } = yield* setup()
      yield* send("POST", "/users", { user: "bo" })
      const taken = yield* send("POST", "/users", { user: "bo" })
      expect(taken.status).toBe(400)
      expect(taken.json).toMatchObject({ _tag: "AlreadyTaken", user: "bo" })
    })))

  it.effect("unknown routes: 404 in the JSON error shape, logged at info; 415 in the JSON shape too", () =>
    Effect.gen(function*() {
      const lines: Array<{ level: string; message: unknown }> = []
      const logger = Logger.make<unknown, void>(({ logLevel, message }) => {
        lines.push({ level: logLevel, message })
      })
      const { send } = yield* setup().pipe(
        Effect.provide(Logger.layer([logger])),
        Effect.provideService(References.MinimumLogLevel, "Info")
      )
      const missing = yield* send("GET", "/nowhere", undefined)
      expect(missing.status).toBe(404)
      expect(missing.json).toMatchObject({ _tag: "NotFound" })
      const line = lines.find((l) => String(l.message).includes("/nowhere"))
      expect(line?.level).toBe("Info")
      expect(lines.some((l) => l.level === "Error")).toBe(false)
      const unsupported = yield* send("POST", "/notes", "text=1", { "content-type": "text/csv" })
      expect(unsupported.status).toBe(415)
      expect(unsupported.json._tag).toBe("UnsupportedMediaType")
    }))
})

describe("a route may derive the principal itself", () => {
  it.effect("Route.withPrincipal: the API key decides whose response is replayed, not the Authorization header", () =>
    quiet(Effect.gen(function*() {
      const { count, send } = yield* setup()
      const k1 = { "x-api-key": "key-1", "idempotency-key": "n" }
      const k2 = { "x-api-key": "key-2", "idempotency-key": "n" }
      const first = yield* send("POST", "/keyed-notes/b1", { text: "t" }, { ...alice, ...k1 })
      const other = yield* send("POST", "/keyed-notes/b1", { text: "t" }, { ...alice, ...k2 })
      expect([first.replayed, other.replayed]).toEqual([null, null])
      expect(yield* count("Noted")).toBe(2)
      const again = yield* send("POST", "/keyed-notes/b1", { text: "t" }, { ...bob, ...k1 })
      expect(again.replayed).toBe("true")
      expect(yield* count("Noted")).toBe(2)
    })))
})

describe("Route.command scopes the command's key to the principal", () => {
  it.effect("two callers with one key both write; each replays its own", () =>
    quiet(Effect.gen(function*() {
      const { count, send } = yield* setup({ capacity: 1 }) // the HTTP store forgets: the command keys decide
      yield* send("POST", "/notes", { text: "same" }, { ...alice, "idempotency-key": "shared" })
      yield* send("POST", "/notes", { text: "other" }, { ...alice, "idempotency-key": "fill" })
      yield* send("POST", "/notes", { text: "same" }, { ...bob, "idempotency-key": "shared" })
      expect(yield* count("Noted")).toBe(3)
      const again = yield* send("POST", "/notes", { text: "same" }, { ...bob, "idempotency-key": "shared" })
      expect(again.json.replayed).toBe(true)
      expect(yield* count("Noted")).toBe(3)
      expect(Option.isSome(Option.some(again))).toBe(true)
    })))
})
