/**
 * The package's public face, as package.json declares it: `effect` and the
 * Node platform are peers (one copy in the app), every folder of `src` with an
 * index is an entry point, every module of it is a subpath (so that every
 * type a public function reaches can be named in an app's declarations), the
 * internals are closed, and each entry resolves to the sources in this
 * repository through the `fairway-source` condition. (`.ci/consumer-check` checks
 * the same on the packed tarball, in a scratch app.)
 */
import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"

const repo = path.join(import.meta.dirname, "../..")
const pkg = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8"))
const folders = fs.readdirSync(path.join(repo, "src"), { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(repo, "src", e.name, "index.ts")))
  .map((e) => e.name)

describe("package.json", () => {
  it("effect and @effect/platform-node are peer dependencies (the platform optional), never dependencies", () => {
    expect(pkg.dependencies?.effect).toBeUndefined()
    expect(pkg.dependencies?.["@effect/platform-node"]).toBeUndefined()
    expect(pkg.peerDependencies.effect).toMatch(/^\^4\./)
    expect(pkg.peerDependencies["@effect/platform-node"]).toMatch(/^\^4\./)
    expect(pkg.peerDependenciesMeta["@effect/platform-node"].optional).toBe(true)
    expect(pkg.devDependencies.effect).toBe(pkg.peerDependencies.effect)
  })

  it("every folder is an entry point, every module a subpath, internals closed", () => {
    expect(folders.length).toBeGreaterThanOrEqual(7)
    for (const folder of folders) {
      expect(pkg.exports[`./${folder}`], folder).toEqual({
        "fairway-source": `./src/${folder}/index.ts`,
        types: `./dist/src/${folder}/index.d.ts`,
        default: `./dist/src/${folder}/index.js`
      })
      expect(pkg.exports[`./${folder}/internal/*`], folder).toBeNull()
    }
    expect(pkg.exports["./*"]).toEqual({ "fairway-source": "./src/*.ts", types: "./dist/src/*.d.ts", default: "./dist/src/*.js" })
    expect(pkg.exports["./*/index"]).toBeNull()
  })

  it("inside the repository, fairway/… resolves to the sources (the fairway-source condition)", () => {
    const require = createRequire(path.join(repo, "test/ci/x.js"))
    // require.resolve honours the conditions Node runs with: vitest's workers run with --conditions fairway-source
    expect(process.execArgv.join(" ") + " " + (process.env.NODE_OPTIONS ?? "")).toContain("fairway-source")
    expect(require.resolve("fairway/Dcb")).toBe(path.join(repo, "src/Dcb/index.ts"))
    expect(require.resolve("fairway/Dcb/Query")).toBe(path.join(repo, "src/Dcb/Query.ts"))
    expect(() => require.resolve("fairway/Dcb/internal/memoryStore")).toThrow()
  })
})
