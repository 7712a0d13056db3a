/**
 * `npm run realworld`: flags on `effect/cli`, one clear line for a bad flag
 * or a server that must not start, and a server that does start on the
 * simulator.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "main.ts")

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs main.ts; stops it once `until` shows in stdout, or after 90 s (a loaded machine starts node slowly). */
const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}, until?: RegExp): Promise<Run> =>
  new Promise((resolve) => {
    const base = { ...process.env }
    delete base["REALWORLD_JWT_SECRET"]
    delete base["PORT"]
    delete base["FDB_CLUSTER_FILE"]
    const child = spawn(process.execPath, ["--conditions=fairway-source", main, ...args], {
      env: { ...base, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000)
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      if (until !== undefined && until.test(stdout)) child.kill("SIGTERM")
    })
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

const oneLine = (r: Run) => r.stderr.trim().split("\n")

describe("npm run realworld", () => {
  it("--help lists the flags", async () => {
    const r = await run(["--help"])
    expect(r.code).toBe(0)
    for (const flag of ["--store", "--seed", "--cluster-file", "--port", "--quiet"]) expect(r.stdout).toContain(flag)
    expect(r.stdout).toContain("memory, simulator, fdb")
  }, 120_000)

  it("a bad flag is one clear line and exit code 1, no stack trace", async () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, RegExp]> = [
      [["--port", "abc"], /^realworld: Invalid value for flag --port: "abc"/],
      [["--store", "nope"], /^realworld: Invalid value for flag --store: "nope"/],
      [["--bogus"], /^realworld: Unrecognized flag: --bogus/],
      [["--store", "memory", "--cluster-file", "/etc/fdb.cluster"], /^realworld: --cluster-file needs --store fdb/],
      [["--port", "70000"], /^realworld: --port must be between 0 and 65535/]
    ]
    const results: Array<Run> = []
    for (const [args] of cases) results.push(await run(args))
    results.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(" ")).toBe(1)
      expect(oneLine(r), cases[i]![0].join(" ")).toHaveLength(1)
      expect(r.stderr, cases[i]![0].join(" ")).toMatch(cases[i]![1])
      expect(r.stderr).not.toMatch(/\n\s+at /)
    })
  }, 300_000)

  it("refuses to start on a shared store without a JWT secret of 32 bytes", async () => {
    const [missing, short] = await Promise.all([
      run(["--store", "fdb"]),
      run(["--store", "fdb"], { REALWORLD_JWT_SECRET: "short" })
    ])
    expect(missing.code).toBe(1)
    expect(oneLine(missing)).toEqual(["realworld: REALWORLD_JWT_SECRET must be set (at least 32 bytes) when the store is shared"])
    expect(short.code).toBe(1)
    expect(oneLine(short)[0]).toMatch(/at least 32 bytes/)
  }, 120_000)

  it("serves on the simulator (--store simulator --seed, PORT from the environment; FDB_CLUSTER_FILE ignored)", async () => {
    const r = await run(["--store", "simulator", "--seed", "3", "--quiet"], { PORT: "0", FDB_CLUSTER_FILE: "/nonexistent" }, /API on/)
    expect(r.stdout).toMatch(/^Conduit \(RealWorld\) API on http:\/\/0\.0\.0\.0:\d+\/api — store: FoundationDB simulator \(seed 3\)$/m)
  }, 120_000)
})
