import { NodeServices } from "@effect/platform-node"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { TestConsole } from "effect/testing"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Generate from "fairway/Cli/Generate"
import * as Main from "fairway/Cli/Main"
import * as Memory from "fairway/Layer/Memory"
import * as Automation from "fairway/Module/Automation"
import * as Command from "fairway/Module/Command"
import * as Registry from "fairway/Module/Registry"
import * as View from "fairway/Module/View"

// generated files must live inside the repository so that they resolve `effect`
const root = path.join(import.meta.dirname, `.generated-${process.pid}`)
const dirA = path.join(root, "a")
const dirB = path.join(root, "b")
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

const cli = (...argv: Array<string>) =>
  Effect.gen(function* () {
    const before = (yield* TestConsole.logLines).length
    yield* Main.run(argv)
    return (yield* TestConsole.logLines).slice(before)
  }).pipe(Effect.provide(NodeServices.layer))

describe("fairway generate", () => {
  it.effect("writes a module and its test per kind, and an index that does not depend on the order", () =>
    Effect.gen(function* () {
      // the default: generated code imports "fairway/…" as in an app (inside this repository: the sources)
      const importFrom = "fairway"
      const order = [["command", "ReserveSeat"], ["view", "SeatsLeft"], ["automation", "NotifyStudent"]] as const
      for (const [kind, name] of order) yield* Generate.generate(kind, name, { dir: dirA, importFrom })
      for (const [kind, name] of [...order].reverse()) yield* Generate.generate(kind, name, { dir: dirB, importFrom })
      const files = fs.readdirSync(dirA).sort()
      expect(files).toEqual([
        "NotifyStudent.test.ts",
        "NotifyStudent.ts",
        "ReserveSeat.test.ts",
        "ReserveSeat.ts",
        "SeatsLeft.test.ts",
        "SeatsLeft.ts",
        "index.ts"
      ])
      const indexA = fs.readFileSync(path.join(dirA, "index.ts"), "utf8")
      expect(fs.readFileSync(path.join(dirB, "index.ts"), "utf8")).toBe(indexA)
      expect(indexA).toContain(`import * as NotifyStudent from "./NotifyStudent.ts"\nimport * as ReserveSeat from "./ReserveSeat.ts"`)
      // regenerating is a no-op
      yield* Generate.writeIndex({ dir: dirA, importFrom })
      expect(fs.readFileSync(path.join(dirA, "index.ts"), "utf8")).toBe(indexA)
      // and the generated code type-checks inside the repository, with its compiler options
      fs.writeFileSync(path.join(root, "tsconfig.json"), JSON.stringify({ extends: "../../../tsconfig.json", include: ["a"] }))
      const tsc = spawnSync(process.execPath, [path.join(import.meta.dirname, "../../node_modules/typescript/bin/tsc"), "-p", root], {
        encoding: "utf8"
      })
      expect(tsc.stdout + tsc.stderr).toBe("")
      expect(tsc.status).toBe(0)
    }))

  it.effect("the generated modules work: a command, a view and an automation, collected by the index", () =>
    Effect.gen(function* () {
      const command = yield* Effect.promise(() => import(path.join(dirA, "ReserveSeat.ts")))
      const view = yield* Effect.promise(() => import(path.join(dirA, "SeatsLeft.ts")))
      const automation = yield* Effect.promise(() => import(path.join(dirA, "NotifyStudent.ts")))
      const index = yield* Effect.promise(() => import(path.join(dirA, "index.ts")))
      const registry = index.modules as Registry.Registry
      expect(registry.modules.map((m) => `${Registry.kindOf(m)}:${m.name}`)).toEqual([
        "automation:NotifyStudent",
        "command:ReserveSeat",
        "view:SeatsLeft"
      ])
      expect(Automation.isAutomation(automation.NotifyStudent)).toBe(true)
      const ReserveSeat = command.ReserveSeat as Command.Command<any, any, never, never>
      const SeatsLeft = view.SeatsLeft as View.View<{ readonly count: number }>
      const first = yield* Command.run(ReserveSeat, { id: "s1" })
      const again = yield* Command.run(ReserveSeat, { id: "s1" })
      expect([first.events.length, again.events.length]).toEqual([1, 0])
      yield* EventStore.append([view.SomethingHappened.make({ id: "x" })])
      yield* View.catchUp(SeatsLeft)
      expect(yield* View.get(SeatsLeft, "x")).toEqual(Option.some({ count: 1 }))
    }).pipe(Effect.provide(Memory.layer())))

  it.effect("bad names and existing modules are typed errors; nothing is written", () =>
    Effect.gen(function* () {
      const dir = path.join(root, "c")
      // the last ones clash with what the generated files import or declare
      for (const name of ["lowercase", "With-Dash", "", "../Escape", "Registry", "Command", "SomethingHappened"]) {
        const error = yield* Effect.flip(Generate.generate("view", name, { dir }))
        expect(error._tag).toBe("InvalidModuleName")
      }
      expect(fs.existsSync(dir)).toBe(false)
      yield* Generate.generate("view", "Once", { dir })
      const error = yield* Effect.flip(Generate.generate("command", "Once", { dir }))
      expect(error._tag).toBe("ModuleExists")
      expect(fs.readFileSync(path.join(dir, "Once.ts"), "utf8")).toContain("View.make")
      expect(fs.readFileSync(path.join(dir, "Once.ts"), "utf8")).toContain(`from "fairway/Module"`)
    }))

  it.effect("through the CLI", () =>
    Effect.gen(function* () {
      const dir = path.join(root, "d")
      const lines = yield* cli("generate", "automation", "Remind", "--dir", dir)
      expect(lines).toEqual([
        `created ${path.join(dir, "Remind.ts")}`,
        `created ${path.join(dir, "Remind.test.ts")}`,
        `updated ${path.join(dir, "index.ts")}`
      ])
      yield* cli("generate", "command", "Book", "--dir", dir, "--test-dir", path.join(root, "tests"))
      expect(fs.readFileSync(path.join(root, "tests", "Book.test.ts"), "utf8")).toContain(`from "../d/Book.ts"`)
      fs.rmSync(path.join(dir, "Book.ts"))
      const exit = yield* Effect.exit(cli("generate", "view", "bad name", "--dir", dir))
      expect(exit._tag).toBe("Failure")
      expect(fs.readdirSync(dir).sort()).toEqual(["Remind.test.ts", "Remind.ts", "index.ts"])
    }))
})

describe("fairway events (demo store)", () => {
  it.effect("read filters by type and tag, with a limit, as text or JSON", () =>
    Effect.gen(function* () {
      expect(yield* cli("events", "read", "--type", "CourseDefined", "--limit", "2")).toEqual([
        `#1 CourseDefined {"courseId":"math","capacity":2} [course:math]`,
        `#2 CourseDefined {"courseId":"physics","capacity":3} [course:physics]`
      ])
      const json = (yield* cli("events", "read", "--tag", "student:dave", "--json")).map((l) => JSON.parse(String(l)))
      expect(json.map((e) => [e.position, e.type])).toEqual([
        ["8", "StudentJoinedCourseWaitlist"],
        ["10", "StudentSubscribedToCourse"]
      ])
      expect((yield* cli("events", "read", "--backwards", "--limit", "1"))[0]).toMatch(/^#10 StudentSubscribedToCourse/)
    }))

  it.effect("stats counts by type and tag key", () =>
    Effect.gen(function* () {
      const [line] = yield* cli("events", "stats", "--json")
      expect(JSON.parse(String(line))).toMatchObject({
        events: 10,
        head: "10",
        types: { CourseDefined: 3, StudentSubscribedToCourse: 5 },
        tagKeys: { course: 10, student: 7 }
      })
    }))

  it.effect("tail prints events after a position, and stops after --count", () =>
    Effect.gen(function* () {
      expect(yield* cli("events", "tail", "--after", "8", "--count", "2")).toEqual([
        `#9 StudentUnsubscribedFromCourse {"studentId":"bob","courseId":"math"} [student:bob, course:math]`,
        `#10 StudentSubscribedToCourse {"studentId":"dave","courseId":"math"} [student:dave, course:math]`
      ])
    }))

  it.effect("a bad position or an unreachable cluster is an error", () =>
    Effect.gen(function* () {
      expect((yield* Effect.exit(cli("events", "read", "--after", "-3")))._tag).toBe("Failure")
      const exit = yield* Effect.exit(cli("events", "stats", "--cluster-file", "/nonexistent/fdb.cluster"))
      expect(exit._tag).toBe("Failure")
      expect(String(exit)).toContain("FdbUnavailable")
    }))
})
