/**
 * Fairway Studio: a web page that shows a store's event log, the consistency
 * boundary of each command run (what it read, the position it decided on,
 * the append it conflicted with, how many attempts it took), and the state
 * of views and automations.
 *
 * {@link layer} registers the page and its JSON API with an `HttpRouter`
 * under a path, so an app mounts it into its own server with one Layer;
 * {@link serve} runs it on its own Node server (what `fairway studio`
 * does). The page is a small Preact app bundled at development time into
 * `internal/bundle.ts` (no CDN, works offline).
 *
 * Read-only by default: the actions that change something (retrying or
 * discarding an automation's dead letter) are off unless `actions` gives a
 * token, and then every action request must carry it
 * (`Authorization: Bearer <token>`). Metadata keys listed in
 * `secretMetadata` are shown as `[redacted]` unless actions are enabled and
 * the request carries the token.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { HttpRouter } from "effect/http"
 * import { Studio } from "fairway/Studio"
 *
 * // mount under /_fairway in an app's router, next to its own routes
 * const StudioRoutes = Studio.layer({ path: "/_fairway", secretMetadata: ["sessionToken"] })
 * ```
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { timingSafeEqual } from "node:crypto"
import { createServer } from "node:http"
import type * as DcbEvent from "../Dcb/Event.ts"
import * as EventStore from "../Dcb/EventStore.ts"
import * as Query from "../Dcb/Query.ts"
import * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as Automation from "../Module/Automation.ts"
import * as AutomationStore from "../Module/AutomationStore.ts"
import * as Registry from "../Module/Registry.ts"
import * as ViewStore from "../Module/ViewStore.ts"
import * as Boundaries from "./Boundaries.ts"
import * as Api from "./internal/api.ts"
import * as Bundle from "./internal/bundle.ts"

/**
 * Options of {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Where the page is mounted (default `/`); the API is under `<path>/api`. */
  readonly path?: `/${string}` | undefined
  /** The modules whose views and automations are shown (default: the global registry). */
  readonly modules?: Registry.Registry | undefined
  /** Event definitions to decode payloads with (others are shown as JSON, text or base64). */
  readonly events?: ReadonlyArray<DcbEvent.Any> | undefined
  /** Metadata keys whose values are secret: shown as `[redacted]` in read-only mode. */
  readonly secretMetadata?: ReadonlyArray<string> | undefined
  /**
   * Enables the actions (retry and discard a dead letter), each request
   * carrying `Authorization: Bearer <token>`. Absent: read-only.
   */
  readonly actions?: { readonly token: string } | undefined
}

/**
 * The page's title.
 *
 * @category constants
 * @since 0.1.0
 */
export const title = "Fairway Studio"

const noStore = { "cache-control": "no-store", "x-content-type-options": "nosniff" }

/**
 * The page's content security policy: only its own script, style and API
 * (event data is written by whoever appends: were some of it ever taken for
 * markup, it could still run nothing), and no framing by other pages.
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join("; ")

const jsonResponse = (body: unknown, status = 200) =>
  HttpServerResponse.text(JSON.stringify(body), { status, contentType: "application/json", headers: noStore })

const problem = (status: number, detail: string) => jsonResponse({ error: detail }, status)

/** Runs a handler, turning its failures and defects into a JSON 500. */
const handled = <E, R>(effect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  effect.pipe(
    Effect.catchCause((cause) =>
      Effect.as(
        Effect.logWarning("studio request failed", Cause.pretty(cause)),
        problem(500, Cause.squash(cause) instanceof Error ? (Cause.squash(cause) as Error).message : "request failed")
      ))
  )

const urlOf = (request: HttpServerRequest.HttpServerRequest) => new URL(request.url, "http://studio.local")

const list = (url: URL, name: string): ReadonlyArray<string> =>
  url.searchParams.getAll(name).flatMap((v) => v.split(",")).map((s) => s.trim()).filter((s) => s.length > 0)

const positionParam = (value: string | null | undefined): SequencePosition.SequencePosition | undefined | "invalid" =>
  value === null || value === undefined || value === "" ? undefined : /^\d+$/.test(value) ? SequencePosition.make(BigInt(value)) : "invalid"

/** The most event types a filter may name (each is one index range read per page). */
const maxFilterTypes = 64

/**
 * The query of a request's `types` and `tags` (every event when both are
 * empty), or why it is refused: more types than {@link maxFilterTypes}, or a
 * filter no event can match (more tags than an event holds, a type or tag
 * longer than the store allows).
 */
const filterQuery = (url: URL): Query.Query | { readonly invalid: string } => {
  const types = list(url, "types")
  const tags = list(url, "tags")
  if (types.length > maxFilterTypes) return { invalid: `a filter names at most ${maxFilterTypes} event types, got ${types.length}` }
  if (tags.length > EventStore.limits.maxTagsPerEvent) {
    return { invalid: `a filter names at most ${EventStore.limits.maxTagsPerEvent} tags (an event holds no more), got ${tags.length}` }
  }
  if (types.some((t) => t.length > EventStore.limits.maxTypeLength)) {
    return { invalid: `an event type is at most ${EventStore.limits.maxTypeLength} characters` }
  }
  if (tags.some((t) => t.length > EventStore.limits.maxTagLength)) return { invalid: `a tag is at most ${EventStore.limits.maxTagLength} characters` }
  return Api.queryOf(types, tags)
}

const limitParam = (url: URL, fallback: number, max: number): number => {
  const n = Number(url.searchParams.get("limit") ?? fallback)
  return Number.isSafeInteger(n) && n > 0 ? Math.min(n, max) : fallback
}

const bearer = (request: HttpServerRequest.HttpServerRequest): string | undefined => {
  const header = request.headers["authorization"]
  return header?.startsWith("Bearer ") === true ? header.slice(7) : undefined
}

const sameToken = (given: string | undefined, expected: string): boolean => {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

const sseEncoder = new TextEncoder()

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The page: the bundled script and style, linked relative to `base` (which ends with `/`). */
const pageHtml = (base: string) =>
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="studio-base" content="${escapeHtml(base)}">
<title>${title}</title>
<link rel="stylesheet" href="${escapeHtml(base)}app.css">
</head>
<body>
<div id="app"></div>
<noscript>Fairway Studio needs JavaScript.</noscript>
<script src="${escapeHtml(base)}app.js"></script>
</body>
</html>
`

/**
 * Registers the Studio's page and API with the `HttpRouter` in context.
 * Reads the stores it finds: the `EventStore` (required), the `ViewStore`,
 * the `AutomationStore` and the boundary log (`Boundaries.layer`), each
 * optional (its section is then empty).
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: Options): Layer.Layer<never, never, HttpRouter.HttpRouter | EventStore.EventStore> =>
  HttpRouter.use((root) =>
    Effect.gen(function* () {
      const services = yield* Effect.context<never>()
      const store = yield* EventStore.EventStore
      const ctx: Api.Context = {
        store,
        views: Option.getOrUndefined(yield* Effect.serviceOption(ViewStore.ViewStore)),
        automations: Option.getOrUndefined(yield* Effect.serviceOption(AutomationStore.AutomationStore)),
        boundaries: Option.getOrUndefined(yield* Effect.serviceOption(Boundaries.BoundaryLog)),
        registry: options?.modules ?? Registry.registered(),
        definitions: Api.definitionsOf(options?.events ?? []),
        secretMetadata: new Set(options?.secretMetadata ?? [])
      }
      const token = options?.actions?.token
      if (token !== undefined && token.length < 16) {
        return yield* Effect.die(new RangeError("Studio: an actions token has at least 16 characters"))
      }
      const base = options?.path === undefined || options.path === "/" ? "" : options.path.replace(/\/+$/, "")
      const router = base === "" ? root : root.prefixed(base)
      const reveal = (request: HttpServerRequest.HttpServerRequest) => token !== undefined && sameToken(bearer(request), token)
      const get = (
        path: `/${string}`,
        handler: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<HttpServerResponse.HttpServerResponse, any, HttpRouter.RouteContext>
      ) =>
        router.add("GET", path, (request) => handled(handler(request)))

      // -- the page ---------------------------------------------------------
      const page = HttpServerResponse.text(pageHtml(`${base}/`), {
        contentType: "text/html; charset=utf-8",
        headers: { ...noStore, "content-security-policy": contentSecurityPolicy, "referrer-policy": "no-referrer" }
      })
      yield* router.add("GET", "/", Effect.succeed(page))
      yield* router.add("GET", "/app.js", Effect.succeed(HttpServerResponse.text(Bundle.script, { contentType: "text/javascript" })))
      yield* router.add("GET", "/app.css", Effect.succeed(HttpServerResponse.text(Bundle.style, { contentType: "text/css" })))

      // -- log --------------------------------------------------------------
      yield* get("/api/overview", () => Effect.map(Api.overview(ctx, token !== undefined), (o) => jsonResponse(o)))
      yield* get("/api/events", (request) => {
        const url = urlOf(request)
        const before = positionParam(url.searchParams.get("before"))
        if (before === "invalid") return Effect.succeed(problem(400, "before must be a sequence position"))
        const query = filterQuery(url)
        if ("invalid" in query) return Effect.succeed(problem(400, query.invalid))
        return Effect.map(
          Api.logPage(ctx, { query, before, limit: limitParam(url, 50, 500) }, reveal(request)),
          (page) => jsonResponse(page)
        )
      })
      yield* get("/api/events/:position", (request) =>
        Effect.gen(function* () {
          const position = positionParam((yield* HttpRouter.params).position)
          if (position === undefined || position === "invalid") return problem(400, "not a sequence position")
          const page = yield* Api.eventPage(ctx, position, reveal(request))
          return page === undefined ? problem(404, `no event at position ${position}`) : jsonResponse(page)
        }))
      yield* router.add("GET", "/api/live", (request) => {
        const url = urlOf(request)
        const requested = positionParam(url.searchParams.get("after"))
        if (requested === "invalid") return Effect.succeed(problem(400, "after must be a sequence position"))
        // a reconnecting EventSource sends the id (the position) of the last event it received: resume after it
        const last = positionParam(request.headers["last-event-id"])
        const after = last === undefined || last === "invalid"
          ? requested
          : requested === undefined ? last : SequencePosition.max(requested, last)
        const query = filterQuery(url)
        if ("invalid" in query) return Effect.succeed(problem(400, query.invalid))
        const show = reveal(request)
        const events = store.subscribe(query, after === undefined ? undefined : { after }).pipe(
          Stream.mapEffect((event) => Api.eventJson(ctx, event, show)),
          Stream.map((event) => `id: ${event.position}\nevent: append\ndata: ${JSON.stringify(event)}\n\n`)
        )
        const heartbeat = Stream.tick("15 seconds").pipe(Stream.map(() => ": heartbeat\n\n"))
        const body = Stream.merge(events, heartbeat, { haltStrategy: "left" }).pipe(
          Stream.map((text) => sseEncoder.encode(text)),
          Stream.catchCause(() => Stream.empty)
        )
        return Effect.succeed(HttpServerResponse.stream(Stream.concat(Stream.make(sseEncoder.encode(": live\n\n")), body), {
          contentType: "text/event-stream",
          headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
        }))
      })

      // -- boundaries -------------------------------------------------------
      yield* get("/api/boundaries", (request) => {
        const url = urlOf(request)
        return Effect.map(Api.boundaryList(ctx, {
          command: url.searchParams.get("command") || undefined,
          conflicted: url.searchParams.get("conflicted") === "1",
          limit: limitParam(url, 100, 1_000)
        }, reveal(request)), (body) => jsonResponse(body))
      })
      yield* get("/api/boundaries/:sequence", (request) =>
        Effect.gen(function* () {
          const sequence = Number((yield* HttpRouter.params).sequence)
          if (!Number.isSafeInteger(sequence)) return problem(400, "not a record number")
          const run = yield* Api.boundaryRun(ctx, sequence, reveal(request))
          return run === undefined ? problem(404, `no boundary record ${sequence}`) : jsonResponse(run)
        }))
      yield* get("/api/explore", (request) => {
        const url = urlOf(request)
        // `start`: a decision that read nothing (any matching event conflicts with it)
        const afterText = url.searchParams.get("after")
        const after = afterText === "start" ? "start" : positionParam(afterText)
        if (after === "invalid") return Effect.succeed(problem(400, "after must be a sequence position or start"))
        const query = filterQuery(url)
        if ("invalid" in query) return Effect.succeed(problem(400, query.invalid))
        if (query._tag === "All") return Effect.succeed(problem(400, "give event types or tags"))
        const invalid = Query.invalidReason(query)
        if (invalid !== undefined) return Effect.succeed(problem(400, invalid.message))
        return Effect.map(Api.explore(ctx, query, after, reveal(request)), (body) => jsonResponse(body))
      })

      // -- views and automations --------------------------------------------
      yield* get("/api/views", () => Effect.map(Api.viewList(ctx), (body) => jsonResponse(body)))
      yield* get("/api/views/:name/states", (request) =>
        Effect.gen(function* () {
          const url = urlOf(request)
          const name = (yield* HttpRouter.params).name ?? ""
          const states = yield* Api.viewStates(
            ctx,
            name,
            url.searchParams.get("prefix") ?? "",
            url.searchParams.get("after") || undefined,
            limitParam(url, 50, 500)
          )
          return states === undefined ? problem(404, `no view ${name}`) : jsonResponse(states)
        }))
      yield* get("/api/automations", () => Effect.map(Api.automationList(ctx), (body) => jsonResponse(body)))

      const action = (verb: "retry" | "discard") =>
        router.add("POST", `/api/automations/:name/dead-letters/:position/${verb}`, (request) =>
          handled(Effect.gen(function* () {
            if (token === undefined) return problem(403, "actions are disabled: the Studio is read-only")
            if (!sameToken(bearer(request), token)) return problem(401, "an action needs the Studio's token")
            const params = yield* HttpRouter.params
            const automation = Registry.automations(ctx.registry).find((a) => a.name === params.name)
            const position = positionParam(params.position)
            if (automation === undefined || ctx.automations === undefined) return problem(404, `no automation ${params.name}`)
            if (position === undefined || position === "invalid") return problem(400, "not a sequence position")
            if (verb === "discard") {
              const removed = yield* ctx.automations.removeDeadLetter(automation.name, position)
              return removed ? jsonResponse({ discarded: true }) : problem(404, `no dead letter at ${position}`)
            }
            const retried = yield* Effect.result(
              Automation.retryDeadLetter(automation, position).pipe(Effect.provideContext(services as never))
            )
            if (retried._tag === "Failure") {
              return retried.failure._tag === "DeadLetterNotFound"
                ? problem(404, retried.failure.message)
                : problem(500, retried.failure.message)
            }
            return jsonResponse({ handled: retried.success })
          })))
      yield* action("retry")
      yield* action("discard")
    })
  )

const loopbackNames: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "[::1]", "::1"])

/** The host name of a `Host` header, without its port. */
const hostName = (header: string | undefined): string =>
  header === undefined ? "" : header.trim().toLowerCase().replace(/:\d*$/, "").replace(/\.$/, "")

/**
 * Serves the Studio on its own Node HTTP server (`host` default
 * `127.0.0.1`, `port` 0: an ephemeral port).
 *
 * On a loopback host it answers only requests addressed to a loopback name
 * (`Host: 127.0.0.1`, `localhost` or `[::1]`, any port), and `403` to the
 * others: a page elsewhere whose host name an attacker rebinds to 127.0.0.1
 * (DNS rebinding) cannot read the log.
 *
 * @category running
 * @since 0.1.0
 */
export const serve = (
  options?: Options & { readonly port?: number | undefined; readonly host?: string | undefined }
) => {
  const host = options?.host ?? "127.0.0.1"
  return HttpRouter.serve(layer(options), {
    disableLogger: true,
    disableListenLog: true,
    ...(loopbackNames.has(host)
      ? {
        middleware: <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
          Effect.flatMap(Effect.service(HttpServerRequest.HttpServerRequest), (request) =>
            loopbackNames.has(hostName(request.headers["host"]))
              ? app
              : Effect.succeed(problem(403, "the Studio answers only requests addressed to 127.0.0.1 or localhost")))
      }
      : {})
  }).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { port: options?.port ?? 0, host })))
}
