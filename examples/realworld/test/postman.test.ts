/**
 * The public RealWorld API suite (the Postman collection published by the
 * RealWorld project, stored unchanged in `postman/`), run with `newman`
 * against this backend on a fresh in-memory store, served on 127.0.0.1:
 * every request of the collection runs and every one of its assertions must
 * pass.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, References } from "effect"
import { HttpServer } from "effect/http"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Auth from "../auth.ts"
import { appServer, memoryStores } from "../server.ts"

// newman ships no typings: the part used here
interface Failure {
  readonly source?: { readonly name?: string }
  readonly error: { readonly name?: string; readonly test?: string; readonly message: string }
}
interface Summary {
  readonly run: {
    readonly stats: {
      readonly requests: { readonly total: number; readonly failed: number }
      readonly assertions: { readonly total: number; readonly failed: number }
      readonly testScripts: { readonly total: number; readonly failed: number }
    }
    readonly failures: ReadonlyArray<Failure>
    readonly executions: ReadonlyArray<{ readonly response?: { readonly code: number } }>
  }
}
const newman = createRequire(import.meta.url)("newman") as {
  readonly run: (options: object, callback: (error: Error | null, summary: Summary) => void) => void
}

const collection = path.join(path.dirname(fileURLToPath(import.meta.url)), "postman", "Conduit.postman_collection.json")

interface Item {
  readonly name: string
  readonly item?: ReadonlyArray<Item>
  readonly event?: ReadonlyArray<{ readonly listen: string; readonly script: { readonly exec: ReadonlyArray<string> } }>
}

/** How many assertions the collection makes against a correct backend on a fresh store. */
const expectedAssertions = (): number => {
  const root = JSON.parse(fs.readFileSync(collection, "utf8")) as Item
  let total = 0
  for (const folder of root.item ?? []) {
    for (const item of folder.item ?? []) {
      const lines = (item.event ?? []).flatMap((e) => (e.listen === "test" ? e.script.exec : []))
      const assertions = lines.filter((l) => /tests\[/.test(l) && !/^\s*if\s*\(tests\[/.test(l)).length
      const listScript = lines.some((l) => /\} else \{/.test(l))
      const empty = folder.name === "Articles" || item.name === "Feed"
      // status + 3 list properties + `articlesCount is 0` when empty; all but that one otherwise
      total += !listScript ? assertions : empty ? 5 : assertions - 1
    }
  }
  return total
}

const runCollection = (apiUrl: string) =>
  Effect.callback<Summary, Error>((resume) => {
    const username = `u${Date.now().toString(36)}`
    newman.run(
      {
        collection,
        reporters: [],
        // every request bounded; the whole run too
        timeout: 60_000,
        timeoutRequest: 5_000,
        globalVar: [
          { key: "APIURL", value: apiUrl },
          { key: "USERNAME", value: username },
          { key: "EMAIL", value: `${username}@mail.com` },
          { key: "PASSWORD", value: "password" }
        ]
      },
      (error, summary) => resume(error === null ? Effect.succeed(summary) : Effect.fail(error))
    )
  })

describe("the public RealWorld API suite (newman)", () => {
  it.live("passes every assertion on a fresh memory store", () =>
    Effect.gen(function*() {
      const quiet = Layer.succeed(References.MinimumLogLevel, "Error")
      const context = yield* Layer.build(
        appServer(memoryStores, Auth.layerSecret("postman-suite-secret-0123456789abcdef"), { port: 0, host: "127.0.0.1" })
          .pipe(Layer.provide(quiet))
      )
      const base = yield* HttpServer.addressFormattedWith(Effect.succeed).pipe(Effect.provide(context))
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const summary = yield* runCollection(`${base}/api`)
      const failures = summary.run.failures.map((f) =>
        `${f.source?.name ?? "?"}: ${f.error.test ?? f.error.name ?? ""} ${f.error.message}`
      )
      expect(failures).toEqual([])
      const { assertions, requests, testScripts } = summary.run.stats
      // the collection's 32 requests all ran, none failed at the transport level, no script threw
      expect(requests).toMatchObject({ total: 32, failed: 0 })
      expect(testScripts.failed).toBe(0)
      expect(assertions.failed).toBe(0)
      // every branch ran as it should: a list script asserts on an article when its list has one, and on
      // `articlesCount === 0` otherwise; the lists are empty exactly in the first folder (a fresh store) and
      // in the feed (the user follows nobody yet)
      expect(assertions.total).toBe(expectedAssertions())
      expect(summary.run.executions.every((e) => e.response !== undefined && e.response.code < 300)).toBe(true)
    }), 120_000)
})
