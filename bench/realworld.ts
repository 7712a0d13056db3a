/**
 * Scenario "realworld": the Conduit backend (`examples/realworld`) on the
 * in-memory store, served by its own process (`main.ts --quiet`) and driven
 * over HTTP by autocannon. Each connection loops over a mixed workload:
 * register a new user, follow a seeded author, create an article, favorite
 * it, list the newest articles, read the feed. Figures: requests/s and
 * p50 / p99 latency (ms) at concurrency 1 and 32, plus the non-2xx count.
 *
 * Wire it into `bench/run.ts` as `["7", Realworld.realworld]`
 * (`import * as Realworld from "./realworld.ts"`). Runs alone with
 * `node bench/realworld.ts [--quick]`.
 *
 * @since 0.1.0
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Backend } from "./backends/Backend.ts"
import type { Report, Settings } from "./harness.ts"

// autocannon ships no typings: the part used here
interface RawRequest {
  readonly method?: string
  readonly path?: string
  readonly headers?: Record<string, string>
  readonly body?: string
}
type Context = Record<string, string>
interface WorkloadStep extends RawRequest {
  readonly setupRequest?: (request: RawRequest, context: Context) => RawRequest
  readonly onResponse?: (status: number, body: string, context: Context) => void
}
interface Histogram {
  readonly average: number
  readonly total: number
  readonly p50: number
  readonly p99: number
}
interface Result {
  readonly requests: Histogram
  readonly latency: Histogram
  readonly non2xx: number
  readonly errors: number
}
const autocannon = createRequire(import.meta.url)("autocannon") as (options: {
  readonly url: string
  readonly connections: number
  readonly duration: number
  readonly requests: ReadonlyArray<WorkloadStep>
}) => Promise<Result>

const here = path.dirname(fileURLToPath(import.meta.url))
const main = path.join(here, "..", "examples", "realworld", "main.ts")

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const startServer = async (): Promise<{ readonly url: string; readonly child: ChildProcess }> => {
  const port = await freePort()
  const child = spawn(process.execPath, ["--conditions=fairway-source", main, "--port", String(port), "--quiet"], {
    env: { ...process.env, REALWORLD_JWT_SECRET: "bench-secret-of-at-least-32-bytes-long" },
    stdio: ["ignore", "pipe", "inherit"]
  })
  await new Promise<void>((resolve, reject) => {
    let out = ""
    const timer = setTimeout(() => reject(new Error(`realworld server did not start: ${out}`)), 30_000)
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes("Conduit (RealWorld) API on")) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once("exit", (code) => reject(new Error(`realworld server exited with ${code}: ${out}`)))
  })
  return { url: `http://127.0.0.1:${port}`, child }
}

const json = async (url: string, method: string, body?: unknown, token?: string) => {
  const headers: Record<string, string> = { "content-type": "application/json" }
  if (token !== undefined) headers["authorization"] = `Token ${token}`
  const init: RequestInit = { method, headers }
  if (body !== undefined) init.body = JSON.stringify(body)
  const response = await fetch(url, init)
  if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`)
  return await response.json() as any
}

let users = 0
const unique = () => `${process.pid}-${Date.now().toString(36)}-${(users++).toString(36)}`

/**
 * The mixed workload, one loop per connection (the context carries the new
 * user's token and article slug from step to step).
 *
 * @since 0.1.0
 */
export const workload = (): Array<WorkloadStep> => [
  {
    method: "POST",
    path: "/api/users",
    headers: { "content-type": "application/json" },
    setupRequest: (request) => {
      const name = `u${unique()}`
      return { ...request, body: JSON.stringify({ user: { username: name, email: `${name}@bench.test`, password: "bench-password" } }) }
    },
    onResponse: (status, body, context) => {
      if (status === 201) context["token"] = JSON.parse(body).user.token
    }
  },
  {
    method: "POST",
    path: "/api/profiles/celeb/follow",
    setupRequest: (request, context) => ({ ...request, headers: { ...request.headers, authorization: `Token ${context["token"]}` } })
  },
  {
    method: "POST",
    path: "/api/articles",
    setupRequest: (request, context) => ({
      ...request,
      headers: { ...request.headers, "content-type": "application/json", authorization: `Token ${context["token"]}` },
      body: JSON.stringify({
        article: { title: `Bench ${unique()}`, description: "a benchmark article", body: "lorem ipsum", tagList: ["bench", "fairway"] }
      })
    }),
    onResponse: (status, body, context) => {
      if (status === 201) context["slug"] = JSON.parse(body).article.slug
    }
  },
  {
    method: "POST",
    setupRequest: (request, context) => ({
      ...request,
      path: `/api/articles/${context["slug"]}/favorite`,
      headers: { ...request.headers, authorization: `Token ${context["token"]}` }
    })
  },
  { method: "GET", path: "/api/articles?limit=20" },
  {
    method: "GET",
    path: "/api/articles/feed?limit=20",
    setupRequest: (request, context) => ({ ...request, headers: { ...request.headers, authorization: `Token ${context["token"]}` } })
  }
]

/**
 * Runs the workload at one concurrency against a server.
 *
 * @since 0.1.0
 */
export const drive = async (url: string, connections: number, seconds: number) => {
  const result = await autocannon({ url, connections, duration: seconds, requests: workload() })
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors
  }
}

/**
 * The scenario, in the bench runner's shape.
 *
 * @since 0.1.0
 */
export const realworld = async (report: Report, _backends: ReadonlyArray<Backend>, settings: Settings): Promise<void> => {
  const scenario = "realworld: Conduit over HTTP (register, follow, create, favorite, list, feed)"
  const backend = "fairway-memory (http)"
  report.registerFairway(backend)
  const { child, url } = await startServer()
  try {
    // seed: an author to follow, with a few articles
    const celeb = await json(`${url}/api/users`, "POST", { user: { username: "celeb", email: "celeb@bench.test", password: "celeb-password" } })
    for (let i = 0; i < 5; i++) {
      await json(`${url}/api/articles`, "POST", {
        article: { title: `Seed ${i}`, description: "d", body: "b", tagList: ["seed"] }
      }, celeb.user.token)
    }
    const seconds = settings.quick ? 2 : 5
    for (const connections of [1, 32]) {
      const r = await drive(url, connections, seconds)
      const note = `${r.requests} requests in ${seconds} s, non-2xx ${r.non2xx}, errors ${r.errors} (wall clock)`
      report.add({ scenario, backend, metric: `requests/s, concurrency ${connections}`, figure: r.requestsPerSecond, unit: "req/s", better: "higher", note })
      report.add({ scenario, backend, metric: `p50 latency, concurrency ${connections}`, figure: r.p50, unit: "ms", better: "lower" })
      report.add({ scenario, backend, metric: `p99 latency, concurrency ${connections}`, figure: r.p99, unit: "ms", better: "lower" })
    }
  } finally {
    child.kill("SIGTERM")
  }
  report.print(scenario)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { Report } = await import("./harness.ts")
  const quick = process.argv.includes("--quick")
  await realworld(new Report([]), [], { quick, budgetMs: quick ? 400 : 3000, clock: "wall" })
}
