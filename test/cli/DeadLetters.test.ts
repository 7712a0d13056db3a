import { NodeServices } from "@effect/platform-node"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestConsole } from "effect/testing"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Main from "fairway/Cli/Main"

// an app module whose layer holds a view and an automation that each parked one event
const dir = path.join(import.meta.dirname, `.dead-letters-${process.pid}`)
const appModule = path.join(dir, "app.ts")
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
fs.mkdirSync(dir, { recursive: true })
fs.writeFileSync(
  appModule,
  `import { Effect, Layer, References, Schedule, Schema } from "effect"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as Memory from "fairway/Layer/Memory"
import * as AutomationStore from "fairway/Module/AutomationStore"
import * as View from "fairway/Module/View"

const Posted = Event.define("Posted", { payload: Schema.Struct({ id: Schema.String }), tags: () => [] })
const Index = View.make({
  name: "Index", version: 1, query: Query.item({ types: [Posted.type] }), events: [Posted], initial: 0,
  maxAttempts: 2, retry: Schedule.recurs(5), key: (e) => e.payload.id,
  evolve: (n, e) => { if (e.payload.id === "bad") throw new Error("cannot index bad"); return n + 1 }
})
export const layer = Layer.effectContext(Effect.gen(function* () {
  const context = yield* Layer.build(Memory.layer())
  yield* Effect.gen(function* () {
    yield* EventStore.append([Posted.make({ id: "ok" })])
    const bad = yield* EventStore.append([Posted.make({ id: "bad" })])
    yield* View.catchUp(Index)
    const automations = yield* AutomationStore.AutomationStore
    yield* automations.putDeadLetter({ automation: "Mailer", position: bad, eventType: "Posted", attempts: 5,
      error: "SmtpDown: no route to host", failedAt: 0 })
  }).pipe(Effect.provide(context), Effect.provideService(References.MinimumLogLevel, "Error"))
  return context
}))
`
)

const cli = (...argv: Array<string>) =>
  Effect.gen(function* () {
    const before = (yield* TestConsole.logLines).length
    yield* Main.run(argv)
    return (yield* TestConsole.logLines).slice(before).map(String)
  }).pipe(Effect.provide(NodeServices.layer))

describe("fairway dead-letters", () => {
  it.effect("lists a view's parked events", () =>
    Effect.gen(function* () {
      const lines = yield* cli("dead-letters", "--app", appModule, "--view", "Index")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^\d+\tPosted\t2 attempts\t.*cannot index bad/)
    }))

  it.effect("lists an automation's parked events, as JSON too", () =>
    Effect.gen(function* () {
      const lines = yield* cli("dead-letters", "--app", appModule, "--automation", "Mailer", "--json")
      expect(lines).toHaveLength(1)
      expect(JSON.parse(lines[0]!)).toMatchObject({ eventType: "Posted", attempts: 5, error: "SmtpDown: no route to host" })
    }))

  it.effect("asks for exactly one of --view and --automation", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(cli("dead-letters", "--app", appModule))
      expect(exit._tag).toBe("Failure")
      const errors = (yield* TestConsole.errorLines).map(String).join("\n")
      expect(errors).toContain("exactly one of --view")
    }))
})
