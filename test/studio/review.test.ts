/**
 * Review of Fairway Studio (issue 17): regression tests for the problems a
 * security and newcomer review found (each failed before its fix).
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Layer, Schema, Stream } from "effect"
import * as HttpServer from "effect/http/HttpServer"
import { createServer, request as httpRequest } from "node:http"
import * as DecisionModel from "fairway/Dcb/DecisionModel"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as SequencePosition from "fairway/Dcb/SequencePosition"
import * as App from "fairway/Http/App"
import * as Memory from "fairway/Layer/Memory"
import * as Simulated from "fairway/Layer/Simulated"
import * as Command from "fairway/Module/Command"
import * as ViewStore from "fairway/Module/ViewStore"
import { Boundaries, Demo, Studio } from "fairway/Studio"
import * as StudioCli from "fairway/Studio/Cli"

const token = "a-token-of-at-least-16-chars"

const Claimed = Event.define("Claimed", {
  payload: Schema.Struct({ slot: Schema.String, by: Schema.String }),
  tags: (p) => [`slot:${p.slot}`]
})

const Claim = Command.make({
  name: "Claim",
  input: Schema.Struct({ slot: Schema.String, by: Schema.String }),
  model: ({ slot }) =>
    DecisionModel.make({
      query: Query.item({ types: [Claimed.type], tags: [`slot:${slot}`] }),
      initial: 0,
      events: [Claimed],
      evolve: (n) => n + 1
    }),
  decide: (_, input) => Effect.succeed([Claimed.make(input)])
})

/** The Studio as a web handler over the stores in context. */
const studio = (options: Studio.Options) =>
  Effect.gen(function* () {
    const handler = yield* App.webHandler(Studio.layer({ modules: Demo.modules, events: [Claimed, ...Demo.events], ...options }))
    const get = (path: string, headers: Record<string, string> = {}) =>
      Effect.promise(async () => {
        const response = await handler(new Request(`http://studio.test${path}`, { headers }))
        return { status: response.status, body: await response.text() }
      })
    return { get }
  })

/** A raw HTTP request (any Host header) to a served Studio; resolves on the status and headers. */
const rawGet = (url: string, path: string, headers: Record<string, string>) =>
  Effect.callback<{ status: number; body: string }>((resume) => {
    const request = httpRequest(new URL(path, url), { headers }, (response) => {
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => (body += chunk))
      response.on("end", () => resume(Effect.succeed({ status: response.statusCode ?? 0, body })))
    })
    request.on("error", (error) => resume(Effect.die(error)))
    request.end()
  })

/** Serves the Studio on an ephemeral loopback port over the stores in context; the page's URL. */
const served = (options: Studio.Options = {}) =>
  Effect.gen(function* () {
    const listening = yield* Deferred.make<string>()
    const stores = yield* Effect.context<Memory.Stores>()
    yield* Layer.build(
      Layer.effectDiscard(HttpServer.addressFormattedWith((address) => Deferred.succeed(listening, `${address}/`))).pipe(
        Layer.provideMerge(Studio.serve({ modules: Demo.modules, ...options })),
        Layer.provide(Layer.succeedContext(stores))
      )
    )
    return yield* Deferred.await(listening)
  })

/**
 * A boundary recorder (flushed only when asked) on memory stores whose
 * view-store commits go through `commit` (given the real store and the
 * commit's number, from 1).
 */
const recordingOn = (
  commit: (
    views: ViewStore.ViewStoreShape,
    call: number,
    ...args: Parameters<ViewStore.ViewStoreShape["commit"]>
  ) => ReturnType<ViewStore.ViewStoreShape["commit"]>
) =>
  Boundaries.layer({ flushEvery: "1 hour" }).pipe(
    Layer.provideMerge(Layer.effect(ViewStore.ViewStore)(Effect.map(ViewStore.ViewStore, (views) => {
      let calls = 0
      return ViewStore.ViewStore.of({ ...views, commit: (...args) => commit(views, ++calls, ...args) })
    }))),
    Layer.provideMerge(Memory.layer())
  )

describe("Studio review", () => {
  it.live("answers only requests addressed to the loopback host it serves on (no DNS rebinding)", () =>
    Effect.gen(function* () {
      const url = yield* served()
      const port = new URL(url).port
      // a page on evil.example whose name was rebound to 127.0.0.1 sends its own host name
      const rebound = yield* rawGet(url, "/api/events", { host: `evil.example:${port}` })
      expect(rebound.status).toBe(403)
      expect(rebound.body).not.toContain("events")
      expect((yield* rawGet(url, "/", { host: `evil.example:${port}` })).status).toBe(403)
      expect((yield* rawGet(url, "/api/overview", { host: `127.0.0.1:${port}` })).status).toBe(200)
      expect((yield* rawGet(url, "/api/overview", { host: `localhost:${port}` })).status).toBe(200)
    }).pipe(Effect.scoped, Effect.provide(Memory.layer())))

  it.effect("the page allows only its own script, style and API, and no framing", () =>
    Effect.gen(function* () {
      const handler = yield* App.webHandler(Studio.layer({ path: "/_fairway" }))
      const page = yield* Effect.promise(() => handler(new Request("http://studio.test/_fairway/")))
      const policy = page.headers.get("content-security-policy") ?? ""
      expect(policy).toContain("script-src 'self'")
      expect(policy).toContain("frame-ancestors 'none'")
      expect(policy).not.toContain("unsafe-inline")
      const api = yield* Effect.promise(() => handler(new Request("http://studio.test/_fairway/api/overview")))
      expect(api.headers.get("x-content-type-options")).toBe("nosniff")
    }).pipe(Effect.provide(Memory.layer())))

  it.live("never sends an id the app marks secret in a boundary record (list, run, event page)", () =>
    Effect.gen(function* () {
      yield* Command.run(Claim, { slot: "s1", by: "a" }, { idempotencyKey: "card-4242-4242", correlationId: "corr-secret-1" })
      yield* Effect.flatMap(Boundaries.BoundaryLog, (log) => log.flush)
      const secretMetadata = [Command.metadataKeys.idempotencyKey, Command.metadataKeys.correlationId]
      const readOnly = yield* studio({ secretMetadata })
      const list = yield* readOnly.get("/api/boundaries")
      const sequence = JSON.parse(list.body).records[0].sequence
      for (const path of ["/api/boundaries", `/api/boundaries/${sequence}`, "/api/events/1", "/api/events"]) {
        const response = yield* readOnly.get(path)
        expect(response.status).toBe(200)
        expect(response.body).not.toContain("card-4242-4242")
        expect(response.body).not.toContain("corr-secret-1")
      }
      expect(JSON.parse(list.body).records[0]).toMatchObject({ idempotencyKey: "[redacted]", correlationId: "[redacted]" })
      // with actions enabled, the token's holder sees them
      const withToken = yield* studio({ secretMetadata, actions: { token } })
      const revealed = yield* withToken.get(`/api/boundaries/${sequence}`, { authorization: `Bearer ${token}` })
      expect(revealed.body).toContain("card-4242-4242")
      expect(revealed.body).toContain("corr-secret-1")
    }).pipe(Effect.provide(Boundaries.layer().pipe(Layer.provideMerge(Memory.layer())))))

  it.live("an event's page shows the run that wrote it, not every run of its correlation id", () =>
    Effect.gen(function* () {
      // one workflow (one correlation id, as an automation passes it on) runs Claim twice
      const first = yield* Command.run(Claim, { slot: "s1", by: "a" }, { correlationId: "workflow-1" })
      const second = yield* Command.run(Claim, { slot: "s2", by: "a" }, { correlationId: "workflow-1" })
      yield* Effect.flatMap(Boundaries.BoundaryLog, (log) => log.flush)
      const { get } = yield* studio({})
      for (const result of [first, second]) {
        const page = JSON.parse((yield* get(`/api/events/${result.position}`)).body)
        expect(page.boundaries.map((b: { position: string; outcome: string }) => [b.outcome, b.position])).toEqual([
          ["appended", String(result.position)]
        ])
      }
    }).pipe(Effect.provide(Boundaries.layer().pipe(Layer.provideMerge(Memory.layer())))))

  it.live("live updates carry each event's position as its SSE id, and resume after Last-Event-ID without repeating", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      for (let i = 0; i < 3; i++) yield* store.append([Claimed.make({ slot: `s${i}`, by: "a" })])
      const url = yield* served()
      // the browser's EventSource reconnects with the id of the last event it received
      const body = yield* Effect.promise(async () => {
        const controller = new AbortController()
        const response = await fetch(`${url}api/live?after=0`, { signal: controller.signal, headers: { "last-event-id": "2" } })
        const reader = response.body!.getReader()
        let text = ""
        const decoder = new TextDecoder()
        while (!text.includes("data:")) text += decoder.decode((await reader.read()).value)
        controller.abort()
        return text
      })
      expect(body).toContain("id: 3\n")
      expect(body).not.toContain(`"position":"1"`)
      expect(body).not.toContain(`"position":"2"`)
      expect(body).toContain(`"position":"3"`)
    }).pipe(Effect.scoped, Effect.provide(Memory.layer())))

  it.live("releases a live subscription when its client disconnects", () =>
    Effect.gen(function* () {
      let active = 0
      const counting = Layer.effect(EventStore.EventStore)(Effect.map(EventStore.EventStore, (store) =>
        EventStore.EventStore.of({
          ...store,
          subscribe: (query, options) =>
            Stream.unwrap(Effect.sync(() => {
              active++
              return store.subscribe(query, options).pipe(Stream.ensuring(Effect.sync(() => active--)))
            }))
        })))
      const url = yield* served().pipe(Effect.provide(counting))
      yield* Effect.promise(async () => {
        const controller = new AbortController()
        const response = await fetch(`${url}api/live`, { signal: controller.signal })
        await response.body!.getReader().read()
        controller.abort()
      })
      let waited = 0
      while (active > 0 && waited < 50) {
        yield* Effect.sleep("20 millis")
        waited++
      }
      expect(active).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(Memory.layer())))

  it.effect("refuses filters no event can match or too wide to read cheaply: 400, for the log, the live stream and the explorer", () =>
    Effect.gen(function* () {
      const { get } = yield* studio({})
      const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(",")
      for (const route of ["/api/events", "/api/live", "/api/explore"]) {
        for (const filter of [`tags=${many("t", 17)}`, `types=${many("T", 65)}`, `tags=${"x".repeat(257)}`, `types=${"X".repeat(257)}`]) {
          const response = yield* get(`${route}?${filter}`)
          expect(response.status).toBe(400)
          expect(JSON.parse(response.body).error).toMatch(/at most/)
        }
      }
      // at the bounds: answered
      expect((yield* get(`/api/events?tags=${many("t", 16)}&types=${many("T", 64)}`)).status).toBe(200)
    }).pipe(Effect.provide(Memory.layer())))

  it.effect("explores from the start for a decision that read nothing: every matching append conflicts with it", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      for (let i = 0; i < 30; i++) yield* store.append([Claimed.make({ slot: "s", by: `p${i}` })])
      const { get } = yield* studio({})
      const fromStart = JSON.parse((yield* get("/api/explore?tags=slot:s&after=start")).body)
      expect(fromStart.after).toBeNull()
      expect(fromStart.conflicts.length).toBe(30)
      // without a position: before the last 20 appends
      expect(JSON.parse((yield* get("/api/explore?tags=slot:s")).body).conflicts.length).toBe(20)
      expect((yield* get("/api/explore?tags=slot:s&after=begin")).status).toBe(400)
    }).pipe(Effect.provide(Memory.layer())))

  it.live("a batch of boundary records whose write failed is written by the next flush, not silently lost", () =>
    Effect.gen(function* () {
      yield* Command.run(Claim, { slot: "s1", by: "a" })
      const log = yield* Boundaries.BoundaryLog
      expect(Exit.isFailure(yield* Effect.exit(log.flush))).toBe(true) // the store refused the first commit
      yield* log.flush
      const records = yield* log.list()
      expect(records.map((r) => [r.sequence, r.command, r.outcome])).toEqual([[1, "Claim", "appended"]])
      expect(yield* log.dropped).toBe(0)
    }).pipe(Effect.provide(recordingOn((views, call, ...args) =>
      call === 1 ? Effect.fail(new EventStore.StorageError({ reason: "the cluster is unavailable" })) : views.commit(...args)
    ))))

  it.live("a batch whose write has an unknown outcome is counted as dropped, not written twice", () =>
    Effect.gen(function* () {
      yield* Command.run(Claim, { slot: "s1", by: "a" })
      yield* Command.run(Claim, { slot: "s2", by: "a" })
      const log = yield* Boundaries.BoundaryLog
      expect(Exit.isFailure(yield* Effect.exit(log.flush))).toBe(true) // stored, but the store could not say so
      yield* log.flush
      expect((yield* log.list()).length).toBe(2)
      expect(yield* log.dropped).toBe(2)
    }).pipe(Effect.provide(recordingOn((views, call, ...args) =>
      call === 1
        ? Effect.andThen(
          views.commit(...args),
          Effect.fail(new EventStore.StorageError({ reason: "commit_unknown_result", unknownResult: true }))
        )
        : views.commit(...args)
    ))))

  it.live("a batch the store refuses is dropped (counted), not retried forever ahead of the records after it", () =>
    Effect.gen(function* () {
      const Poison = Command.make({
        name: "Poison",
        input: Schema.Struct({}),
        model: () => DecisionModel.make({ query: Query.item({ tags: ["poison"] }), initial: 0, events: [], evolve: (n) => n }),
        decide: () => Effect.succeed([])
      })
      yield* Command.run(Poison, {})
      const log = yield* Boundaries.BoundaryLog
      expect(Exit.isFailure(yield* Effect.exit(log.flush))).toBe(true)
      yield* Command.run(Claim, { slot: "s1", by: "a" })
      yield* log.flush
      expect((yield* log.list()).map((r) => r.command)).toEqual(["Claim"])
      expect(yield* log.dropped).toBe(1)
    }).pipe(Effect.provide(recordingOn((views, _, view, version, commit) => {
      // a store that refuses any batch holding a Poison record (as it would a record over its value limit)
      const values = [...commit.update(new Map()).values()].map((v) => (v === null ? "" : new TextDecoder().decode(v)))
      return values.some((v) => v.includes(`"command":"Poison"`))
        ? Effect.fail(new ViewStore.InvalidViewKey({ reason: "refused" }))
        : views.commit(view, version, commit)
    }))))

  it.live("keeps every record within its byte bound, a dependent model's huge first read included", () =>
    Effect.gen(function* () {
      // one query item naming 200 long event types (40 KB), then a second read: two append conditions
      const wide = Query.item({ types: Array.from({ length: 200 }, (_, i) => `${"T".repeat(200)}${i}`) })
      const Wide = Command.make({
        name: "Wide",
        input: Schema.Struct({}),
        model: () =>
          DecisionModel.andThen(
            DecisionModel.make({ query: wide, initial: 0, events: [], evolve: (n) => n }),
            () => DecisionModel.make({ query: Query.item({ tags: ["slot:x"] }), initial: 0, events: [], evolve: (n) => n })
          ),
        decide: () => Effect.succeed([Claimed.make({ slot: "x", by: "a" })])
      })
      yield* Command.run(Wide, {})
      const log = yield* Boundaries.BoundaryLog
      yield* log.flush
      const stored = yield* Effect.flatMap(ViewStore.ViewStore, (views) => views.list(Boundaries.keyspace, 0))
      expect(stored.length).toBe(1)
      expect(stored[0]![1].byteLength).toBeLessThanOrEqual(Boundaries.maxRecordBytes)
      const [record] = yield* log.list()
      expect(record).toMatchObject({ command: "Wide", outcome: "appended", appendedCount: 1 })
      expect(record!.error).toContain(`record over ${Boundaries.maxRecordBytes} bytes`)
    }).pipe(Effect.provide(Boundaries.layer().pipe(Layer.provideMerge(Memory.layer())))))

  it.live("a run's page counts a decision's read up to a bound, not through the whole boundary", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      for (let i = 0; i < 11; i++) {
        yield* store.append(Array.from({ length: 1_000 }, (_, j) => Claimed.make({ slot: "big", by: `p${i}-${j}` })))
      }
      yield* Command.run(Claim, { slot: "big", by: "me" }) // its decision reads 11,000 events
      yield* Effect.flatMap(Boundaries.BoundaryLog, (log) => log.flush)
      let streamed = 0
      const counting = EventStore.EventStore.of({
        ...store,
        read: (query, options) => store.read(query, options).pipe(Stream.tap(() => Effect.sync(() => streamed++)))
      })
      const { get } = yield* studio({}).pipe(Effect.provideService(EventStore.EventStore, counting))
      const run = JSON.parse((yield* get("/api/boundaries/1")).body)
      expect(run.attempts[0]).toMatchObject({ readCount: 10_000, readCountAtLeast: true })
      expect(run.attempts[0].read.length).toBe(50)
      expect(streamed).toBeLessThan(10_100)
    }).pipe(Effect.provide(Boundaries.layer().pipe(Layer.provideMerge(Memory.layer())))), { timeout: 60_000 })

  it.live("pages a filtered log newest first while events are appended: every matching event once, none missing", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const claim = (i: number) => store.append([Claimed.make({ slot: i % 3 === 0 ? "a" : "b", by: `p${i}` })])
      for (let i = 0; i < 90; i++) yield* claim(i)
      const { get } = yield* studio({})
      const seen: Array<string> = []
      let before: string | null = ""
      let appended = 90
      let firstPageHead: string | undefined
      while (before !== null) {
        const page: { events: ReadonlyArray<{ position: string; tags: ReadonlyArray<string> }>; next: string | null } = JSON.parse(
          (yield* get(`/api/events?tags=slot:a&types=Claimed&limit=7${before === "" ? "" : `&before=${before}`}`)).body
        )
        firstPageHead ??= page.events[0]!.position
        seen.push(...page.events.map((e) => e.position))
        expect(page.events.every((e) => e.tags.includes("slot:a"))).toBe(true)
        before = page.next
        for (let k = 0; k < 3; k++) yield* claim(appended++) // the log moves on between pages
      }
      const expected = (yield* Stream.runCollect(store.read(Query.item({ types: ["Claimed"], tags: ["slot:a"] }), {
        backwards: true,
        before: SequencePosition.make(BigInt(firstPageHead!) + 1n)
      }))).map((e) => String(e.position))
      expect(seen).toEqual(expected)
      expect(seen.length).toBe(30)
    }).pipe(Effect.provide(Simulated.layer({ seed: 5 }))))

  it.live("`fairway studio` on a port in use says so, and how to choose another", () =>
    Effect.gen(function* () {
      const busy = createServer()
      yield* Effect.promise(() => new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve)))
      yield* Effect.addFinalizer(() => Effect.promise(() => new Promise<void>((resolve) => busy.close(() => resolve()))))
      const port = (busy.address() as { port: number }).port
      const exit = yield* Effect.exit(Layer.build(StudioCli.layer({ store: "memory", port })))
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      expect(error).toMatchObject({ _tag: "ListenFailed" })
      expect((error as Error).message).toBe(
        `Fairway Studio cannot listen on 127.0.0.1:${port}: the port is in use; choose another port with --port (0 picks a free one)`
      )
    }).pipe(Effect.scoped), { timeout: 60_000 })
})
