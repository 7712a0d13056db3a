import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as SequencePosition from "fairway/Dcb/SequencePosition"
import * as App from "fairway/Http/App"
import * as Memory from "fairway/Layer/Memory"
import * as Simulated from "fairway/Layer/Simulated"
import * as AutomationStore from "fairway/Module/AutomationStore"
import { Demo, Studio } from "fairway/Studio"

const token = "a-token-of-at-least-16-chars"

/** A web handler for the Studio over fresh memory stores, and the stores. */
const studio = (options: Studio.Options) =>
  Effect.gen(function* () {
    const handler = yield* App.webHandler(Studio.layer({ modules: Demo.modules, events: Demo.events, ...options }))
    const get = (path: string, headers: Record<string, string> = {}) =>
      Effect.promise(async () => {
        const response = await handler(new Request(`http://studio.test${path}`, { headers }))
        return { status: response.status, body: await response.text() }
      })
    const json = (path: string, headers: Record<string, string> = {}) =>
      Effect.map(get(path, headers), (r) => ({ status: r.status, body: JSON.parse(r.body) }))
    const post = (path: string, headers: Record<string, string> = {}) =>
      Effect.promise(async () => {
        const response = await handler(new Request(`http://studio.test${path}`, { method: "POST", headers }))
        return { status: response.status, body: await response.json() }
      })
    return { get, json, post }
  })

const seats = (n: number) =>
  Effect.gen(function* () {
    const store = yield* EventStore.EventStore
    for (let i = 1; i <= n; i++) {
      yield* store.append([Demo.SeatTaken.make({ studentId: `s${i}`, courseId: i % 2 === 0 ? "even" : "odd" }, { session: `secret-${i}` })])
    }
  })

const positions = (body: { events: ReadonlyArray<{ position: string }> }) => body.events.map((e) => Number(e.position))

describe("Studio API", () => {
  it.effect("pages the log newest first with the store's `before` bound, filtered by type and tags", () =>
    Effect.gen(function* () {
      yield* seats(120)
      const { json } = yield* studio({})
      const first = yield* json("/api/events?limit=50")
      expect(positions(first.body)).toEqual(Array.from({ length: 50 }, (_, i) => 120 - i))
      expect(first.body.next).toBe("71")
      const second = yield* json(`/api/events?limit=50&before=${first.body.next}`)
      expect(positions(second.body)).toEqual(Array.from({ length: 50 }, (_, i) => 70 - i))
      const last = yield* json(`/api/events?limit=50&before=${second.body.next}`)
      expect(positions(last.body)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i))
      expect(last.body.next).toBeNull()
      const even = yield* json("/api/events?limit=3&tags=course:even&types=SeatTaken&before=11")
      expect(positions(even.body)).toEqual([10, 8, 6])
      const none = yield* json("/api/events?types=CourseOpened")
      expect(none.body.events).toEqual([])
      expect((yield* json("/api/events?before=x")).status).toBe(400)
    }).pipe(Effect.provide(Memory.layer())))

  it.effect("pages the log of a FoundationDB store (simulated): every event once, newest first", () =>
    Effect.gen(function* () {
      yield* seats(75)
      const { json } = yield* studio({})
      const seen: Array<string> = []
      let before: string | null = ""
      while (before !== null) {
        const page: { status: number; body: { events: ReadonlyArray<{ position: string }>; next: string | null } } = yield* json(
          `/api/events?limit=20${before === "" ? "" : `&before=${before}`}`
        )
        seen.push(...page.body.events.map((e) => e.position))
        before = page.body.next
      }
      const all = yield* Stream.runCollect(EventStore.read(Query.all(), { backwards: true }))
      expect(seen).toEqual(all.map((e) => String(e.position)))
      expect(seen.length).toBe(75)
    }).pipe(Effect.provide(Simulated.layer({ seed: 3 }))))

  it.effect("shows an event decoded through its definition, with its causation chain, and secret metadata redacted", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const cause = yield* store.append([Demo.CourseOpened.make({ courseId: "c", seats: 2 })])
      yield* store.append([Demo.SeatTaken.make({ studentId: "s", courseId: "c" }, {
        session: "the-secret",
        causationId: SequencePosition.format(cause)
      })])
      const readOnly = yield* studio({ secretMetadata: Demo.secretMetadata })
      const page = yield* readOnly.json("/api/events/2")
      expect(page.body.event).toMatchObject({ type: "SeatTaken", payload: { studentId: "s", courseId: "c" }, decodedBy: "definition" })
      expect(page.body.event.metadata.session).toBe("[redacted]")
      expect(page.body.causationChain.map((e: { position: string }) => e.position)).toEqual(["1"])
      // even with a token, read-only mode never reveals it
      expect((yield* readOnly.json("/api/events/2", { authorization: `Bearer ${token}` })).body.event.metadata.session).toBe("[redacted]")
      expect((yield* readOnly.get("/api/events?limit=5")).body).not.toContain("the-secret")
      const withActions = yield* studio({ secretMetadata: Demo.secretMetadata, actions: { token } })
      expect((yield* withActions.json("/api/events/2")).body.event.metadata.session).toBe("[redacted]")
      expect((yield* withActions.json("/api/events/2", { authorization: `Bearer ${token}` })).body.event.metadata.session).toBe("the-secret")
      expect((yield* readOnly.json("/api/events/9")).status).toBe(404)
    }).pipe(Effect.provide(Memory.layer())))

  it.live("refuses actions when read-only, and without the token when enabled; retries and discards with it", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      yield* store.append([Demo.SeatTaken.make({ studentId: "mallory", courseId: "c" })])
      const automations = yield* AutomationStore.AutomationStore
      const letter = {
        automation: Demo.Welcome.name,
        position: SequencePosition.make(1),
        eventType: "SeatTaken",
        attempts: 2,
        error: "MailBounced",
        failedAt: 0
      }
      yield* automations.putDeadLetter(letter)
      const path = "/api/automations/Welcome/dead-letters/1/discard"
      const readOnly = yield* studio({})
      expect((yield* readOnly.post(path, { authorization: `Bearer ${token}` })).status).toBe(403)
      const enabled = yield* studio({ actions: { token } })
      expect((yield* enabled.post(path)).status).toBe(401)
      expect((yield* enabled.post(path, { authorization: "Bearer not-the-token-but-as-long" })).status).toBe(401)
      expect((yield* automations.deadLetters("Welcome")).length).toBe(1)
      const listed = yield* enabled.json("/api/automations")
      expect(listed.body[0].deadLetters.map((d: { position: string }) => d.position)).toEqual(["1"])
      // a retry hands the event to the automation again: mallory's mail still bounces, so the letter stays, with more attempts
      const retry = "/api/automations/Welcome/dead-letters/1/retry"
      expect((yield* enabled.post(retry)).status).toBe(401)
      expect(yield* enabled.post(retry, { authorization: `Bearer ${token}` })).toEqual({ status: 200, body: { handled: false } })
      expect((yield* automations.deadLetters("Welcome")).map((d) => d.attempts)).toEqual([4])
      expect(yield* enabled.post(path, { authorization: `Bearer ${token}` })).toEqual({ status: 200, body: { discarded: true } })
      expect(yield* automations.deadLetters("Welcome")).toEqual([])
      expect((yield* enabled.post(path, { authorization: `Bearer ${token}` })).status).toBe(404)
    }).pipe(Effect.provide(Memory.layer())))

  it.effect("mounts under a path", () =>
    Effect.gen(function* () {
      const { get, json } = yield* studio({ path: "/_fairway" })
      const page = yield* get("/_fairway/")
      expect(page.status).toBe(200)
      expect((yield* get("/_fairway")).status).toBe(200)
      expect(page.body).toContain(`<meta name="studio-base" content="/_fairway/">`)
      expect(page.body).toContain(`src="/_fairway/app.js"`)
      expect((yield* get("/_fairway/app.js")).body.length).toBeGreaterThan(1000)
      expect((yield* json("/_fairway/api/overview")).body).toMatchObject({ commands: ["OpenCourse", "TakeSeat"], actions: false })
      expect((yield* get("/api/overview")).status).toBe(404)
    }).pipe(Effect.provide(Memory.layer())))

  it.effect("explores a query: matching events, and the appends after a position that would conflict", () =>
    Effect.gen(function* () {
      yield* seats(6)
      const { json } = yield* studio({})
      const result = yield* json("/api/explore?tags=course:even&after=3")
      expect(positions({ events: result.body.matching })).toEqual([6, 4, 2])
      expect(positions({ events: result.body.conflicts })).toEqual([6, 4])
      expect((yield* json("/api/explore")).status).toBe(400)
    }).pipe(Effect.provide(Memory.layer())))

  it.effect("lists views with their lag", () =>
    Effect.gen(function* () {
      yield* seats(3)
      const { json } = yield* studio({})
      const views = yield* json("/api/views")
      expect(views.body.map((v: { name: string; lag: string }) => [v.name, v.lag])).toEqual([["Roster", "4"], ["Timetable", "4"]]) // never run: head 3 minus "before the first" (-1)
    }).pipe(Effect.provide(Memory.layer())))
})
