/**
 * Scenario "realworld at scale": the Conduit backend (`examples/realworld`)
 * on the FoundationDB code path (`EventStoreFdb`, `ViewStoreFdb`) over the
 * simulator with realistic costs, loaded with 1,000 and then 100,000
 * articles (and users, follows, favorites in proportion), then driven
 * through its HTTP handler (in process, no socket): pages of
 * `/api/articles`, `?tag=`, `?author=`, `?favorited=` and
 * `/api/articles/feed`. Figures: p50 / p99 wall-clock latency per request
 * at each size and their ratio (large ÷ small: near 1 when the lists read
 * pages by range), the main thread's CPU time per request (steadier than
 * wall time on a shared machine), and the virtual database time per request
 * the simulator charged.
 *
 * The data is appended as events (what the commands would append; the
 * commands themselves are measured by the `realworld` scenario), then the
 * list views catch up (timed). `--quick`: 1,000 and 10,000 articles.
 * Runs alone with `node --conditions=fairway-source bench/realworldScale.ts [--quick]`.
 *
 * @since 0.1.0
 */
import { Effect, Layer, References, Stream } from "effect"
import { type Event, EventStore, Query } from "fairway/Dcb"
import * as AutomationStoreFdb from "fairway/Fdb/AutomationStoreFdb"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as ViewStoreFdb from "fairway/Fdb/ViewStoreFdb"
import { App } from "fairway/Http"
import { View } from "fairway/Module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Auth from "../examples/realworld/auth.ts"
import {
  ArticleCreated,
  ArticleFavorited,
  UserFollowed,
  UserRegistered
} from "../examples/realworld/domain/events.ts"
import { appLayer } from "../examples/realworld/server.ts"
import { ArticleCounts } from "../examples/realworld/views/ArticleCounts.ts"
import { ArticleIndex } from "../examples/realworld/views/ArticleIndex.ts"
import type { Backend } from "./backends/Backend.ts"
import { quantile, type Report, type Settings, threadCpu } from "./harness.ts"

const secret = "bench-secret-of-at-least-32-bytes-long"

/** A progress line on stderr (the runs at 100,000 articles take minutes). */
const progress = (line: string) => Effect.sync(() => process.stderr.write(`  … ${line}\n`))

/**
 * The data set for `articles` articles: one user per 50 articles (at least
 * 20), each following 20 others, 100 tags (1 to 3 an article), one favorite
 * an article on average.
 *
 * @since 0.1.0
 */
export const shape = (articles: number) => ({
  articles,
  users: Math.max(20, Math.round(articles / 50)),
  followsPerUser: 20,
  tags: 100,
  favorites: articles
})

/** A deterministic generator (mulberry32). */
const rng = (seed: number) => () => {
  seed |= 0
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

interface Measured {
  readonly loadSeconds: number
  readonly viewSeconds: number
  readonly events: number
  readonly queries: ReadonlyArray<{
    readonly name: string
    readonly p50: number
    readonly p99: number
    readonly cpuP50: number
    readonly dbMs: number
    readonly requests: number
  }>
}

/**
 * Loads one data set and measures the list requests on it.
 *
 * @since 0.1.0
 */
export const measure = (articles: number, requestsPerQuery: number): Effect.Effect<Measured> =>
  Effect.gen(function*() {
    const s = shape(articles)
    const random = rng(articles)
    const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]!
    const stores = yield* Layer.build(
      Layer.mergeAll(EventStoreFdb.layer(), ViewStoreFdb.layer(), AutomationStoreFdb.layer()).pipe(
        Layer.provideMerge(FdbDatabase.layerSimulated({ seed: 7, costs: "realistic" }))
      )
    ).pipe(Effect.orDie)
    const sim = yield* FdbSimulator.FdbSimulator.pipe(Effect.provide(stores))
    const append = (events: ReadonlyArray<Event.NewEvent>) =>
      EventStore.append(events).pipe(Effect.provide(stores), Effect.orDie)

    // -- load -------------------------------------------------------------------
    const started = performance.now()
    const passwordHash = yield* Auth.hashPassword("bench-password")
    const users = Array.from({ length: s.users }, (_, i) => ({ userId: `user-${i}`, username: `user${i}` }))
    for (const batch of chunks(users, 500)) {
      yield* append(batch.map((u) =>
        UserRegistered.make({ ...u, email: `${u.username}@bench.test`, passwordHash })
      ))
    }
    const follows = users.flatMap((u, i) =>
      Array.from({ length: Math.min(s.followsPerUser, s.users - 1) }, (_, k) => ({
        followerId: u.userId,
        followeeId: users[(i + 1 + k * 7) % s.users]!.userId
      })).filter((f) => f.followeeId !== f.followerId)
    )
    for (const batch of chunks(follows, 1_000)) yield* append(batch.map((f) => UserFollowed.make(f)))
    const tags = Array.from({ length: s.tags }, (_, i) => `tag${i}`)
    const t0 = Date.UTC(2026, 0, 1)
    const created = Array.from({ length: s.articles }, (_, i) => {
      const tagList = [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(tags)))]
      return {
        articleId: `article-${i}`,
        slug: `article-${i}`,
        authorId: pick(users).userId,
        title: `Article ${i}`,
        description: "a benchmark article",
        body: "lorem ipsum dolor sit amet",
        tagList,
        createdAt: new Date(t0 + i * 1_000).toISOString()
      }
    })
    for (const batch of chunks(created, 500)) yield* append(batch.map((a) => ArticleCreated.make(a)))
    // the favorites carry the article's creation position, as FavoriteArticle appends them
    const positions = new Map<string, string>()
    yield* Stream.runForEach(
      EventStore.read(Query.item({ types: [ArticleCreated.type] })),
      (event) =>
        Effect.sync(() => {
          const payload = JSON.parse(new TextDecoder().decode(event.data)) as { articleId: string }
          positions.set(payload.articleId, String(event.position))
        })
    ).pipe(Effect.provide(stores), Effect.orDie)
    const favoriteSet = new Set<string>()
    const favorites: Array<{ articleId: string; userId: string; articlePosition: string }> = []
    while (favorites.length < s.favorites) {
      const article = pick(created)
      const user = pick(users)
      const key = `${article.articleId}/${user.userId}`
      if (favoriteSet.has(key)) continue
      favoriteSet.add(key)
      favorites.push({ articleId: article.articleId, userId: user.userId, articlePosition: positions.get(article.articleId)! })
    }
    for (const batch of chunks(favorites, 1_000)) yield* append(batch.map((f) => ArticleFavorited.make(f)))
    const loadSeconds = (performance.now() - started) / 1000
    yield* progress(`${articles} articles: ${favorites.length + s.articles + follows.length + s.users} events loaded in ${loadSeconds.toFixed(0)} s`)
    const events = s.users + follows.length + s.articles + favorites.length

    // -- the list views catch up ---------------------------------------------------
    const viewsStarted = performance.now()
    yield* Effect.all([View.catchUp(ArticleIndex), View.catchUp(ArticleCounts)], { concurrency: 2 }).pipe(
      Effect.provide(stores),
      Effect.orDie
    )
    const viewSeconds = (performance.now() - viewsStarted) / 1000
    yield* progress(`${articles} articles: list views built in ${viewSeconds.toFixed(0)} s`)

    // -- the app, in process ---------------------------------------------------------
    const app = appLayer.pipe(
      Layer.provide([Layer.succeedContext(stores), Auth.layerSecret(secret), App.layerDefaults]),
      Layer.provideMerge(Layer.succeed(References.MinimumLogLevel, "Warn"))
    )
    const handler = yield* App.webHandler(app, { inheritContext: false }).pipe(Effect.orDie)
    const jwt = yield* Auth.makeJwt(secret).pipe(Effect.orDie)
    const tokens = yield* Effect.forEach(users.slice(0, 50), (u) => jwt.sign(u.userId, passwordHash))
    const favoriters = [...new Set(favorites.map((f) => f.userId))]
    const idOf = new Map(users.map((u) => [u.userId, u.username]))
    const queries: ReadonlyArray<{ readonly name: string; readonly request: () => Request }> = [
      { name: "GET /api/articles", request: () => new Request("http://app.test/api/articles?limit=20") },
      { name: "GET /api/articles?tag=", request: () => new Request(`http://app.test/api/articles?tag=${pick(tags)}&limit=20`) },
      { name: "GET /api/articles?author=", request: () => new Request(`http://app.test/api/articles?author=${pick(users).username}&limit=20`) },
      {
        name: "GET /api/articles?favorited=",
        request: () => new Request(`http://app.test/api/articles?favorited=${idOf.get(pick(favoriters))}&limit=20`)
      },
      {
        name: "GET /api/articles/feed",
        request: () => new Request("http://app.test/api/articles/feed?limit=20", { headers: { authorization: `Token ${pick(tokens)}` } })
      }
    ]
    const results: Array<Measured["queries"][number]> = []
    for (const query of queries) {
      // warm up, then measure one request at a time
      for (let i = 0; i < 5; i++) yield* Effect.promise(() => handler(query.request()).then((r) => r.arrayBuffer()))
      const samples: Array<number> = []
      const cpu: Array<number> = []
      yield* sim.resetStats
      for (let i = 0; i < requestsPerQuery; i++) {
        const request = query.request()
        const t = performance.now()
        const c = threadCpu()
        const response = yield* Effect.promise(() => handler(request))
        const body = yield* Effect.promise(() => response.json() as Promise<{ articles?: ReadonlyArray<unknown> }>)
        samples.push(performance.now() - t)
        const used = threadCpu(c)
        cpu.push((used.user + used.system) / 1000)
        if (response.status !== 200 || body.articles === undefined) {
          return yield* Effect.die(new Error(`${query.name}: ${response.status} ${JSON.stringify(body).slice(0, 200)}`))
        }
      }
      const durations = yield* sim.durations
      const dbMs = durations.reduce((a, b) => a + b, 0) / requestsPerQuery
      results.push({
        name: query.name,
        p50: quantile(samples, 0.5),
        p99: quantile(samples, 0.99),
        cpuP50: quantile(cpu, 0.5),
        dbMs,
        requests: requestsPerQuery
      })
    }
    return { loadSeconds, viewSeconds, events, queries: results }
  }).pipe(Effect.scoped)

/**
 * The scenario, in the bench runner's shape.
 *
 * @since 0.1.0
 */
export const realworldScale = async (report: Report, _backends: ReadonlyArray<Backend>, settings: Settings): Promise<void> => {
  const scenario = "realworld at scale: Conduit list pages on FoundationDB (simulator)"
  const backend = "fairway-fdb-sim (http, in process)"
  report.registerFairway(backend)
  const small = 1_000
  const large = settings.quick ? 10_000 : 100_000
  const requests = settings.quick ? 40 : 200
  const measured = new Map<number, Measured>()
  for (const articles of [small, large]) {
    const m = await Effect.runPromise(measure(articles, requests))
    measured.set(articles, m)
    report.note(
      `${articles} articles: ${m.events} events loaded in ${m.loadSeconds.toFixed(1)} s, list views built in ${
        m.viewSeconds.toFixed(1)
      } s (${shape(articles).users} users, ${shape(articles).followsPerUser} follows each, ${shape(articles).tags} tags)`
    )
    for (const q of m.queries) {
      const note = `${q.requests} requests; CPU p50 ${q.cpuP50.toFixed(2)} ms; simulated database time ${
        q.dbMs.toFixed(2)
      } ms a request (sum over its transactions)`
      report.add({ scenario, backend, metric: `${q.name}, p50, ${articles} articles`, figure: q.p50, unit: "ms", better: "lower", note })
      report.add({ scenario, backend, metric: `${q.name}, p99, ${articles} articles`, figure: q.p99, unit: "ms", better: "lower" })
    }
  }
  const a = measured.get(small)!
  const b = measured.get(large)!
  for (const q of b.queries) {
    const base = a.queries.find((x) => x.name === q.name)!
    report.add({
      scenario,
      backend,
      metric: `${q.name}, p50 at ${large} ÷ p50 at ${small}`,
      figure: q.p50 / base.p50,
      unit: "×",
      better: "lower",
      note: `p99 ratio ${(q.p99 / base.p99).toFixed(2)}; CPU p50 ratio ${(q.cpuP50 / base.cpuP50).toFixed(2)}; db time ratio ${
        (q.dbMs / base.dbMs).toFixed(2)
      }`
    })
  }
  report.print(scenario)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { Report } = await import("./harness.ts")
  const quick = process.argv.includes("--quick")
  const only = process.argv.find((a) => a.startsWith("--articles="))
  if (only !== undefined) {
    const m = await Effect.runPromise(measure(Number(only.slice("--articles=".length)), quick ? 40 : 200))
    console.log(JSON.stringify(m, null, 2))
  } else {
    await realworldScale(new Report([]), [], { quick, budgetMs: 0, clock: "wall" })
  }
}
