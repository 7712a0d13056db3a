/**
 * Review of Fairway Studio (issue 17), in headless Chromium: the keyboard's
 * "skip to content" link, and event data (attacker-controlled: types, tags,
 * metadata, payloads) shown as text, never run as markup.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Layer, Schema, Scope } from "effect"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Browser, chromium, type Page } from "playwright-core"
import * as DecisionModel from "fairway/Dcb/DecisionModel"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as Command from "fairway/Module/Command"
import { Boundaries } from "fairway/Studio"
import * as StudioCli from "fairway/Studio/Cli"

const Claimed = Event.define("Claimed", { payload: Schema.Struct({ by: Schema.String }), tags: () => ["slot:hot"] })

/** Claims the hot slot, with one retry: every append of it is raced (see below), so both attempts conflict. */
const ClaimHot = Command.make({
  name: "ClaimHot",
  input: Schema.Struct({}),
  model: () =>
    DecisionModel.make({ query: Query.item({ tags: ["slot:hot"] }), initial: 0, events: [Claimed], evolve: (n) => n + 1 }),
  decide: () => Effect.succeed([Claimed.make({ by: "me" })]),
  retry: { times: 1 }
})

const executable = process.env["FAIRWAY_CHROMIUM"] ?? "/usr/bin/chromium"
const available = existsSync(executable)

type AppContext = Layer.Success<ReturnType<typeof StudioCli.layer>>

describe.skipIf(!available)("Fairway Studio review in Chromium", () => {
  let scope: Scope.Closeable
  let app: import("effect").Context.Context<AppContext>
  let url: string
  let userDataDir: string
  let browser: Browser
  let page: Page
  const violations: Array<string> = []

  beforeAll(async () => {
    scope = Effect.runSync(Scope.make())
    const listening = Effect.runSync(Deferred.make<string>())
    app = await Effect.runPromise(Layer.buildWithScope(
      StudioCli.layer({ store: "memory", port: 0, onListen: (address) => Deferred.succeed(listening, address) }),
      scope
    ))
    url = await Effect.runPromise(Deferred.await(listening))
    userDataDir = mkdtempSync(join(tmpdir(), "fairway-studio-review-"))
    browser = await chromium.launch({
      executablePath: executable,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    })
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) violations.push(message.text())
    })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
    if (userDataDir !== undefined) rmSync(userDataDir, { recursive: true, force: true })
  })

  it("the skip link moves focus to the content and keeps the section shown", async () => {
    await page.goto(`${url}#/boundaries`)
    await expect.poll(() => page.locator("#boundaries-title").count()).toBe(1)
    await page.keyboard.press("Tab") // the first stop is the skip link
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content")
    await page.keyboard.press("Enter")
    await page.waitForTimeout(200)
    expect(await page.evaluate(() => location.hash)).toBe("#/boundaries")
    expect(await page.locator("#boundaries-title").count()).toBe(1)
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main")
    // `/` focuses the section's first filter field: here the command picker
    await page.keyboard.press("/")
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("boundary-command")
  })

  it("shows attacker-controlled event data as text", async () => {
    const payload = `<img src=x onerror="window.__xss=1">`
    const position = await Effect.runPromise(Effect.provide(
      EventStore.append([{
        type: `<svg onload="window.__xss=2">`,
        tags: [`<script>window.__xss=3</script>`, `x"><img src=x onerror="window.__xss=4">`],
        data: new TextEncoder().encode(JSON.stringify({ html: payload })),
        metadata: { command: `<img src=x onerror="window.__xss=5">`, note: payload }
      }]),
      app
    ))
    await page.goto(`${url}#/log`)
    await expect.poll(() => page.locator(`[data-testid=log-table] tr[data-position="${position}"]`).count()).toBe(1)
    await page.goto(`${url}#/event/${position}`)
    await expect.poll(() => page.getByTestId("event-page").count()).toBe(1)
    expect(await page.getByTestId("event-page").locator("h2").textContent()).toBe(`#${position} <svg onload="window.__xss=2">`)
    expect(await page.getByTestId("metadata").textContent()).toContain(payload)
    expect(await page.locator("main img, main svg, main script").count()).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
  })

  it("says how many times a run that ran out of retries retried", async () => {
    const { first, sequence } = await Effect.runPromise(Effect.provide(
      Effect.gen(function* () {
        const store = yield* EventStore.EventStore
        // another writer claims the slot between each read and append of ClaimHot
        const raced = EventStore.EventStore.of({
          ...store,
          append: (events, options) =>
            Effect.andThen(store.append([Claimed.make({ by: "other" })]), store.append(events, options))
        })
        const exit = yield* Effect.exit(Command.run(ClaimHot, {}).pipe(Effect.provideService(EventStore.EventStore, raced)))
        expect(Exit.isFailure(exit)).toBe(true)
        // then the log moves on: the conflict is no longer among the last 20 appends
        for (let i = 0; i < 25; i++) yield* store.append([Event.make("Elsewhere", [`other:${i}`])])
        const log = yield* Boundaries.BoundaryLog
        yield* log.flush
        const records = yield* log.list({ command: "ClaimHot" })
        return { sequence: records[0]!.sequence, first: records.find((r) => r.attempt === 1)! }
      }),
      app
    ))
    await page.goto(`${url}#/boundary/${sequence}`)
    const summary = page.getByTestId("run-summary")
    await expect.poll(() => summary.count()).toBe(1)
    const text = await summary.textContent()
    expect(text).toMatch(/^It retried 1 time: attempt 1 conflicted with #\d+ Claimed \[slot:hot\]; attempt 2 conflicted with #\d+/)
    expect(text).toContain(`The last attempt ended as "conflict" (no retry left).`)
    // the first attempt read nothing: its explorer link explores from the start, so it lists the append it conflicted with
    expect(first.after).toBeUndefined()
    await page.getByTestId("attempt-1").getByRole("link", { name: "explore this boundary" }).click()
    const conflicts = page.getByTestId("explore-conflicts").locator("tbody tr")
    await expect.poll(() => conflicts.count()).toBeGreaterThan(0)
    const listed = await conflicts.evaluateAll((rows) => rows.map((row) => row.getAttribute("data-position")))
    expect(listed).toContain(String(first.conflictingPosition))
    expect(violations).toEqual([]) // the page ran under its content security policy
  })
})
