import { describe, expect, it } from "@effect/vitest"
import { readFile } from "node:fs/promises"
import { render, target } from "../../src/Studio/internal/build.ts"

describe("Studio bundle", () => {
  it("the checked-in bundle is built from the current sources (run `npm run studio:build` after editing src/Studio/ui)", async () => {
    const built = await render()
    const stored = await readFile(target, "utf8")
    expect(stored === built, "src/Studio/internal/bundle.ts is stale: run `npm run studio:build`").toBe(true)
    expect(built).toContain("Fairway Studio")
    // offline: no remote script, style or font
    expect(built).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z]/i)
  })
})
