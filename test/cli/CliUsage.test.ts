/**
 * The `fairway` executable as a user meets it: user errors print one line
 * (no timestamp, no stack) and exit 1, `--verbose` adds the cause; `events
 * --json` prints payloads as JSON; `events tail` says it waits and prints
 * events as they come; `events` reads an app's store from its module.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

const repo = path.join(import.meta.dirname, "../..")
const bin = path.join(repo, "bin/fairway.ts")
// inside the repository, so that the app module resolves `fairway/…` and `effect`
const work = path.join(import.meta.dirname, `.usage-${process.pid}`)
fs.mkdirSync(work, { recursive: true })
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const fairway = (args: ReadonlyArray<string>, cwd = work) => {
  const r = spawnSync(process.execPath, ["--conditions=fairway-source", bin, ...args], { cwd, encoding: "utf8", timeout: 60_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.trim() }
}
const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "")
const timestamp = /\d\d:\d\d:\d\d\.\d{3}/

describe("fairway: user errors", () => {
  it("a module that exists, a bad name, --limit -1, a missing FoundationDB client: one line, exit 1", () => {
    expect(fairway(["generate", "view", "Seats", "--dir", "mods"]).status).toBe(0)
    const cases: Array<[ReadonlyArray<string>, string]> = [
      [["generate", "view", "Seats", "--dir", "mods"], "mods/Seats.ts already exists: nothing written"],
      [["generate", "command", "seats", "--dir", "mods"], "invalid module name \"seats\""],
      [["events", "read", "--limit", "-1"], "the limit must be a positive integer, got -1"],
      [["events", "stats", "--cluster-file", path.join(work, "none.cluster")], "the FoundationDB client could not be loaded"]
    ]
    for (const [args, message] of cases) {
      const r = fairway(args)
      expect(r.status, args.join(" ")).toBe(1)
      const errors = lines(r.stderr).filter((l) => !l.startsWith("(the demo store"))
      expect(errors, args.join(" ")).toHaveLength(1)
      expect(errors[0]).toContain(`fairway: ${message}`)
      expect(errors[0]).toContain("(--verbose for the cause)")
      expect(r.stderr).not.toMatch(timestamp)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })

  it("--verbose shows the cause", () => {
    const r = fairway(["events", "stats", "--cluster-file", path.join(work, "none.cluster"), "--verbose"])
    expect(r.status).toBe(1)
    expect(lines(r.stderr)[0]).toContain("fairway: the FoundationDB client could not be loaded")
    expect(r.stderr).toContain("FdbUnavailable")
    expect(r.stderr).toMatch(/\n\s+at /)
  })
})

describe("fairway events", () => {
  it("--json: the payload is JSON, not a JSON string inside JSON", () => {
    const r = fairway(["events", "read", "--json", "--type", "CourseDefined", "--limit", "1"])
    expect(r.status).toBe(0)
    const [first] = lines(r.stdout).map((l) => JSON.parse(l))
    expect(first.payload).toEqual({ courseId: "math", capacity: 2 })
    expect(first.data).toBeUndefined()
    expect(r.stderr).toContain("the demo store")
  })

  it("in an app, reads the app's store (fairway.app in package.json, or --app), checking payloads against its definitions", () => {
    fs.writeFileSync(path.join(work, "app.ts"), `
import { Effect, Layer, Schema } from "effect"
import { Event, EventStore } from "fairway/Dcb"
export const SeatReserved = Event.define("SeatReserved", {
  payload: Schema.Struct({ seat: Schema.String }),
  tags: (p) => ["seat:" + p.seat]
})
export const layer = Layer.effect(EventStore.EventStore, Effect.gen(function* () {
  const store = yield* EventStore.makeMemory
  yield* Effect.orDie(store.append([SeatReserved.make({ seat: "A1" })]))
  yield* Effect.orDie(store.append([Event.make("SeatReserved", ["seat:B2"], JSON.stringify({ seat: 7 }))]))
  return store
}))
`)
    // a project whose package.json names its app module (which, here, sits in the repository to resolve `fairway`)
    const project = path.join(work, "project")
    fs.mkdirSync(project, { recursive: true })
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ type: "module", fairway: { app: "../app.ts" } }))
    const r = fairway(["events", "read", "--json"], project)
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    const events = lines(r.stdout).map((l) => JSON.parse(l))
    expect(events.map((e) => e.payload)).toEqual([{ seat: "A1" }, { seat: 7 }])
    expect(events[0].payloadError).toBeUndefined()
    expect(events[1].payloadError).toContain("seat")
    const viaFlag = fairway(["events", "stats", "--app", "app.ts", "--json"])
    expect(JSON.parse(viaFlag.stdout).events).toBe(2)
    const missing = fairway(["events", "stats", "--app", "nope.ts"])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toBe("fairway: app module nope.ts: no such file (--verbose for the cause)")
  })

  it("tail says it is waiting, then prints events as they are appended", async () => {
    fs.writeFileSync(path.join(work, "live.ts"), `
import { Effect, Layer } from "effect"
import { Event, EventStore } from "fairway/Dcb"
// a store with one event, and a writer appending three more, one every 200 ms, while the tail runs
export const layer = Layer.effect(EventStore.EventStore, Effect.gen(function* () {
  const store = yield* EventStore.makeMemory
  yield* Effect.orDie(store.append([Event.make("Before", [], "{}")]))
  yield* Effect.forkScoped(Effect.gen(function* () {
    for (let n = 1; n <= 3; n++) {
      yield* Effect.sleep("200 millis")
      yield* Effect.orDie(store.append([Event.make("Ping", [], JSON.stringify({ n }))]))
    }
  }))
  return store
}))
`)
    const child: ChildProcess = spawn(process.execPath, ["--conditions=fairway-source", bin, "events", "tail", "--app", "live.ts", "--json", "--count", "2"], { cwd: work })
    let out = ""
    let err = ""
    const seen: Array<{ at: number; what: string }> = []
    child.stdout!.on("data", (d: Buffer) => { out += d; seen.push({ at: Date.now(), what: "event" }) })
    child.stderr!.on("data", (d: Buffer) => { err += d; seen.push({ at: Date.now(), what: "waiting" }) })
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve))
    expect(code).toBe(0)
    expect(err).toContain("waiting for new events after #1")
    expect(seen[0]!.what).toBe("waiting")
    const events = lines(out).map((l) => JSON.parse(l))
    expect(events.map((e) => [e.type, e.payload])).toEqual([["Ping", { n: 1 }], ["Ping", { n: 2 }]])
    // printed as they came: the two lines arrived apart, not in one write at the end
    const printed = seen.filter((s) => s.what === "event")
    expect(printed.length).toBe(2)
    expect(printed[1]!.at - printed[0]!.at).toBeGreaterThan(50)
  })
})
