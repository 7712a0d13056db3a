/**
 * Fairway Studio in a real browser: headless Chromium (Debian's `chromium`,
 * or `FAIRWAY_CHROMIUM`) driven by playwright-core. The Studio serves the
 * seeded demo store (racing commands, a dead letter, a lagging view); the
 * test runs more conflicting commands while the page is open, and checks
 * through the page what a newcomer needs to see. Screenshots go to
 * `test/studio/screenshots/` (ignored by git).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Layer, Scope } from "effect"
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type BrowserContext, chromium, type Page } from "playwright-core"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Command from "fairway/Module/Command"
import { Boundaries, Demo } from "fairway/Studio"
import * as StudioCli from "fairway/Studio/Cli"

const executable = process.env["FAIRWAY_CHROMIUM"] ?? "/usr/bin/chromium"
const available = existsSync(executable)
const screenshots = join(import.meta.dirname, "screenshots")
if (!available) {
  console.warn(`Fairway Studio browser tests skipped: no Chromium at ${executable} (apt-get install -y chromium, or set FAIRWAY_CHROMIUM)`)
}

const args = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

type AppContext = Layer.Success<ReturnType<typeof StudioCli.layer>>

describe.skipIf(!available)("Fairway Studio in Chromium", () => {
  let scope: Scope.Closeable
  let app: import("effect").Context.Context<AppContext>
  let url: string
  let userDataDir: string
  let browser: BrowserContext
  let page: Page

  /** Runs an effect with the app's services (its stores, its boundary log). */
  const withApp = <A, E>(effect: Effect.Effect<A, E, AppContext>) => Effect.runPromise(Effect.provide(effect, app))

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true })
    scope = Effect.runSync(Scope.make())
    const listening = Effect.runSync(Deferred.make<string>())
    app = await Effect.runPromise(
      Layer.buildWithScope(
        StudioCli.layer({ store: "memory", port: 0, onListen: (address) => Deferred.succeed(listening, address) }),
        scope
      )
    )
    url = await Effect.runPromise(Deferred.await(listening))
    userDataDir = mkdtempSync(join(tmpdir(), "fairway-studio-chromium-"))
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: executable,
      headless: true,
      args,
      viewport: { width: 1366, height: 820 }
    })
    page = browser.pages()[0] ?? await browser.newPage()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
    if (userDataDir !== undefined) rmSync(userDataDir, { recursive: true, force: true })
  })

  it("shows the log newest first, and new appends live", async () => {
    await page.goto(`${url}#/log`)
    const rows = page.getByTestId("log-table").locator("tbody tr")
    await expect.poll(() => rows.count()).toBeGreaterThan(5)
    const head = await withApp(EventStore.head)
    const firstShown = await rows.first().getAttribute("data-position")
    expect(firstShown).toBe(String(head._tag === "Some" ? head.value : ""))
    // two students race for the last two seats of physics while the page is open: one decision conflicts
    const race = await withApp(Effect.gen(function* () {
      const racing = Demo.interleaved(yield* EventStore.EventStore)
      yield* Command.run(Demo.OpenCourse, { courseId: "chemistry", seats: 1 })
      return yield* Effect.all(["dora", "erin"].map((studentId) =>
        Effect.result(Command.run(Demo.TakeSeat, { studentId, courseId: "chemistry" }, { correlationId: `race-${studentId}` }))
      ), { concurrency: "unbounded" }).pipe(Effect.provideService(EventStore.EventStore, racing))
    }))
    // one took the seat at the first attempt; the other's append conflicted, it decided again and found the course full
    expect(race.map((r) => r._tag).sort()).toEqual(["Failure", "Success"])
    await expect.poll(() => rows.first().locator("td").nth(1).textContent()).toBe("SeatTaken")
    await expect.poll(async () => Number(await rows.first().getAttribute("data-position"))).toBeGreaterThan(Number(firstShown))
    await page.screenshot({ path: join(screenshots, "log.png") })
  })

  it("answers why a command retried and which event it conflicted with", async () => {
    const records = await withApp(Effect.flatMap(Boundaries.BoundaryLog, (l) => Effect.andThen(l.flush, l.list({ conflicted: true }))))
    // the race above: the loser's first attempt conflicted with the winner's seat
    const conflict = records.find((r) => r.outcome === "conflict" && r.correlationId.startsWith("race-"))!
    expect(conflict).toBeDefined()
    const winner = await withApp(Effect.map(
      EventStore.head,
      (head) => head._tag === "Some" ? String(head.value) : ""
    ))
    expect(String(conflict.conflictingPosition)).toBe(winner)
    await page.goto(`${url}#/boundaries`)
    await page.getByTestId("boundary-conflicted").check()
    const link = page.locator(`[data-testid=boundary-table] a[href="#/boundary/${conflict.sequence}"]`)
    await expect.poll(() => link.count()).toBe(1)
    await page.screenshot({ path: join(screenshots, "boundaries.png") })
    // open the run by keyboard: focus the record's link, press Enter
    await link.focus()
    await page.keyboard.press("Enter")
    const summary = page.getByTestId("run-summary")
    await expect.poll(() => summary.textContent()).toContain("conflicted with")
    const attempts = await page.locator("article.attempt").count()
    expect(attempts).toBe(2)
    expect(await page.locator("#run-title").textContent()).toBe("TakeSeat: 2 attempts")
    expect(await page.getByTestId("attempt-1").getByTestId("query").textContent()).toContain(
      "CourseOpened or SeatTaken tagged course:chemistry"
    )
    expect(await page.getByTestId("attempt-2").textContent()).toContain("CourseFull: course chemistry is full")
    const conflicting = String(conflict.conflictingPosition)
    const named = page.getByTestId(`attempt-${conflict.attempt}`).getByTestId("conflict")
    expect(await named.textContent()).toContain(`#${conflicting} SeatTaken`)
    expect(await summary.textContent()).toContain(`attempt ${conflict.attempt} conflicted with #${conflicting} SeatTaken`)
    await page.screenshot({ path: join(screenshots, "boundary-run.png"), fullPage: true })
    // the explorer, on the first attempt's query and position, lists the append that conflicted
    await page.getByTestId("attempt-1").getByRole("link", { name: "explore this boundary" }).click()
    const conflicts = page.getByTestId("explore-conflicts").locator("tbody tr")
    await expect.poll(() => conflicts.count()).toBe(1)
    expect(await conflicts.first().getAttribute("data-position")).toBe(conflicting)
    await page.goto(`${url}#/boundary/${conflict.sequence}`)
    // the conflicting event's own page is one link away, and names the command that wrote it
    await named.getByRole("link").focus()
    await page.keyboard.press("Enter")
    await expect.poll(() => page.getByTestId("event-page").locator("h2").textContent()).toBe(`#${conflicting} SeatTaken`)
    expect(await page.getByTestId("metadata").textContent()).toContain("TakeSeat")
    expect(await page.getByTestId("metadata").textContent()).toContain("[redacted]")
  })

  it("shows a view's lag and an automation's dead letter (read-only: no actions)", async () => {
    await page.goto(`${url}#/log`)
    await page.locator("main").focus()
    await page.keyboard.press("4") // the Views section, by keyboard
    const lag = page.locator("tr[data-view=Timetable] [data-testid=lag]")
    await expect.poll(() => lag.count()).toBe(1)
    expect(Number(await lag.textContent())).toBeGreaterThan(0)
    expect(await page.locator("tr[data-view=Roster] [data-testid=lag]").textContent()).toMatch(/^\d+$/)
    await page.screenshot({ path: join(screenshots, "views.png") })
    await page.keyboard.press("5")
    const letters = page.locator("[data-automation=Welcome] [data-testid=dead-letters] tbody tr")
    await expect.poll(() => letters.count()).toBe(1)
    expect(await letters.first().textContent()).toContain("MailBounced: the welcome mail to mallory bounced")
    expect(await letters.first().getByRole("button", { name: "Retry" }).isDisabled()).toBe(true)
    expect(await page.locator("[data-automation=Welcome] [data-testid=lease]").textContent()).not.toBe("free")
    await page.screenshot({ path: join(screenshots, "automations.png") })
  })
})

describe.skipIf(available)("Fairway Studio in Chromium (skipped)", () => {
  it.skip(`needs Chromium at ${executable}: install it (apt-get install -y chromium) or set FAIRWAY_CHROMIUM`, () => {})
})
