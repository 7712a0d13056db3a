/**
 * `fairway events read --before`: paging the demo store's log backwards.
 */
import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestConsole } from "effect/testing"
import * as Main from "fairway/Cli/Main"

const cli = (...argv: Array<string>) =>
  Effect.gen(function* () {
    const before = (yield* TestConsole.logLines).length
    yield* Main.run(argv)
    return (yield* TestConsole.logLines).slice(before).map(String)
  }).pipe(Effect.provide(NodeServices.layer))

const positionOf = (line: string) => line.match(/^#(\d+) /)![1]!

describe("fairway events read --before", () => {
  it.effect("pages the log backwards, newest first, each page before the last one's oldest event", () =>
    Effect.gen(function* () {
      const page1 = yield* cli("events", "read", "--backwards", "--limit", "3")
      expect(page1.map(positionOf)).toEqual(["10", "9", "8"])
      const page2 = yield* cli("events", "read", "--backwards", "--limit", "3", "--before", positionOf(page1.at(-1)!))
      expect(page2.map(positionOf)).toEqual(["7", "6", "5"])
      // with a filter, and with --after: a window
      const math = yield* cli("events", "read", "--tag", "course:math", "--before", "9", "--after", "1")
      expect(math.map(positionOf)).toEqual(["4", "5", "8"])
      expect((yield* Effect.exit(cli("events", "read", "--before", "nope")))._tag).toBe("Failure")
    }))
})
