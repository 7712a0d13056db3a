/**
 * `npm run example` and `npm run bench` parse their flags with effect/cli:
 * `--help` works, a bad value is refused with a non-zero exit, and a bench
 * run of some scenarios never overwrites the full results.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

const repo = path.join(import.meta.dirname, "../..")
const script = (file: string, args: ReadonlyArray<string>) => {
  const r = spawnSync(process.execPath, ["--conditions=fairway-source", path.join(repo, file), ...args], {
    cwd: repo,
    encoding: "utf8",
    timeout: 60_000
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe("npm run example", () => {
  it("--help describes the command and its argument; an unknown example is refused", () => {
    const help = script("examples/run.ts", ["--help"])
    expect(help.status).toBe(0)
    expect(help.stdout).toContain("Runs one example of the DCB catalogue")
    const unknown = script("examples/run.ts", ["no-such-example"])
    expect(unknown.status).not.toBe(0)
    expect(unknown.stdout + unknown.stderr).toContain("Invalid value for argument <name>")
  })
})

describe("npm run bench", () => {
  it("--help lists --only; an unknown scenario is one line, exit 1, and no results are written", () => {
    const results = path.join(repo, "bench/results.json")
    const before = fs.readFileSync(results, "utf8")
    const help = script("bench/run.ts", ["--help"])
    expect(help.status).toBe(0)
    expect(help.stdout).toContain("--only")
    expect(help.stdout).toContain("bench/results.partial.json")
    const unknown = script("bench/run.ts", ["--only", "99"])
    expect(unknown.status).toBe(1)
    expect(unknown.stderr.trim().split("\n")).toEqual([
      expect.stringContaining("bench: unknown scenario 99 (the scenarios are 1, 2, 3")
    ])
    expect(fs.readFileSync(results, "utf8")).toBe(before)
  })
})
