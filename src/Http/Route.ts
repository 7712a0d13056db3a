/**
 * Routes: an `HttpApiEndpoint` paired with its handler, the unit a module
 * brings to the app's HTTP API (see `App.make`).
 *
 * - {@link route}: any endpoint with a hand-written handler.
 * - {@link view}: a View behind a GET endpoint (404 for a key no event touched).
 * - {@link command}: a Command behind POST/PUT/PATCH/DELETE, with the
 *   request's `Idempotency-Key` as the command's idempotency key.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { HttpApiEndpoint } from "effect/http-api"
 * import { Route } from "fairway/Http"
 *
 * const health = Route.route(
 *   HttpApiEndpoint.get("health", "/health", { success: Schema.Struct({ ok: Schema.Boolean }) }),
 *   () => Effect.succeed({ ok: true })
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import type * as EventStore from "../Dcb/EventStore.ts"
import * as Fingerprint from "../Dcb/internal/fingerprint.ts"
import * as Command from "../Module/Command.ts"
import type * as ViewStore from "../Module/ViewStore.ts"
import * as View from "../Module/View.ts"
import * as ErrorHandling from "./ErrorHandling.ts"
import * as Idempotency from "./Idempotency.ts"

/**
 * An endpoint and its handler. `R` is what the handler needs.
 *
 * @category models
 * @since 0.1.0
 */
export interface Route<Endpoint extends HttpApiEndpoint.Constraint = HttpApiEndpoint.Constraint, R = any> {
  readonly endpoint: Endpoint
  readonly handler: HttpApiEndpoint.Handler<Endpoint, unknown, R>
  /** The largest request body this route accepts, in bytes (default: the app's, 1 MB); larger: 413. */
  readonly maxBodyBytes?: number | undefined
  /**
   * How this route identifies its caller for `Idempotency-Key` (stored
   * responses and the command's key); default: the app's principal (the
   * SHA-256 digest of the `Authorization` and `Cookie` headers).
   */
  readonly principal?: Idempotency.PrincipalOf | undefined
}

/**
 * Any route.
 *
 * @category models
 * @since 0.1.0
 */
export type Any = Route<any, any>

/**
 * What the handlers of some routes need.
 *
 * @category type-level
 * @since 0.1.0
 */
export type Services<Routes> = Routes extends Route<any, infer R> ? R : never

/**
 * Pairs an endpoint with its handler. The handler may fail with any error:
 * the app's error handling maps it to a response (see `ErrorHandling`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const route = <Endpoint extends HttpApiEndpoint.Constraint, R>(
  endpoint: Endpoint,
  handler: HttpApiEndpoint.Handler<Endpoint, unknown, R>,
  options?: { readonly maxBodyBytes?: number | undefined }
): Route<Endpoint, R> => ({ endpoint, handler, ...withMaxBody(options?.maxBodyBytes) })

const withMaxBody = (maxBodyBytes: number | undefined): { readonly maxBodyBytes?: number } => {
  if (maxBodyBytes === undefined) return {}
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new RangeError(`Route: maxBodyBytes must be a positive integer, got ${maxBodyBytes}`)
  }
  return { maxBodyBytes }
}

/**
 * A route with its own request body limit (in bytes): larger bodies answer
 * 413 before they are read.
 *
 * @category constructors
 * @since 0.1.0
 */
export const withMaxBodyBytes = <A extends Any>(theRoute: A, maxBodyBytes: number): A =>
  ({ ...theRoute, ...withMaxBody(maxBodyBytes) })

/**
 * A route that derives its caller's principal itself (e.g. from an API key
 * header, or a session cookie), for `Idempotency-Key`: responses are stored
 * and commands' keys scoped under it. Return a digest or an id, never the
 * raw credential.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Route } from "fairway/Http"
 *
 * const byApiKey = Route.withPrincipal(placeOrder, (request) =>
 *   Effect.succeed(`api-key:${request.headers["x-api-key"] ?? "none"}`))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const withPrincipal = <A extends Any>(theRoute: A, principal: Idempotency.PrincipalOf): A =>
  ({ ...theRoute, principal })

/**
 * The `Idempotency-Key` header of the current request, if any.
 *
 * @category request
 * @since 0.1.0
 */
export const idempotencyKey: Effect.Effect<string | undefined, never, never> = Effect.map(
  Effect.serviceOption(HttpServerRequest.HttpServerRequest),
  (request) => {
    if (Option.isNone(request)) return undefined
    const key = request.value.headers[Idempotency.header]
    return key === undefined || key === "" ? undefined : key
  }
)

/**
 * The state of one key of a View, at `GET path` (e.g. `"/courses/:key"`):
 * 200 with the state (or `respond(state)`) encoded by `success`, 404 when no
 * event touched the key.
 * `key` picks the key from the path parameters (default: the `key` param).
 * With `consistent: true`, the view first catches up to the log's head, so a
 * read follows every command that completed before it (read-your-writes).
 *
 * @category constructors
 * @since 0.1.0
 */
export const view = <
  const Name extends string,
  const Path extends `/${string}`,
  S,
  Success extends Schema.Top,
  const ParamNames extends string = "key"
>(
  name: Name,
  path: Path,
  theView: View.View<S>,
  options: {
    readonly success: Success
    readonly params?: ReadonlyArray<ParamNames> | undefined
    readonly key?: ((params: Readonly<Record<ParamNames, string>>) => string) | undefined
    readonly consistent?: boolean | undefined
    /** The response from the state (default: the state itself, encoded by `success`). */
    readonly respond?: ((state: S, key: string) => Success["Type"]) | undefined
  }
) => {
  const names: ReadonlyArray<string> = options.params ?? ["key"]
  const params: Record<string, typeof Schema.String> = {}
  for (const n of names) params[n] = Schema.String
  const endpoint = HttpApiEndpoint.get(name, path, {
    params: params as { readonly [K in ParamNames]: typeof Schema.String },
    success: options.success,
    error: ViewNotFound
  })
  const keyOf = options.key ?? ((p: Readonly<Record<string, string>>) => p[names[0]!]!)
  return route<typeof endpoint, EventStore.EventStore | ViewStore.ViewStore>(endpoint, (request) =>
    Effect.gen(function*() {
      if (options.consistent === true) yield* View.catchUp(theView)
      const p = (request as unknown as { readonly params: Readonly<Record<ParamNames, string>> }).params
      const key = keyOf(p)
      const state = yield* View.get(theView, key)
      if (Option.isNone(state)) return yield* Effect.fail(new ViewNotFound({ view: theView.name, key }))
      return options.respond === undefined ? state.value : options.respond(state.value, key)
    }) as never)
}

/**
 * A view has no state for the key (no event touched it): 404.
 *
 * @category errors
 * @since 0.1.0
 */
export class ViewNotFound extends Schema.TaggedError<ViewNotFound>()("ViewNotFound", {
  view: Schema.String,
  key: Schema.String
}, { httpApiStatus: 404 }) {
  override get message(): string {
    return `${this.view} has nothing for "${this.key}"`
  }
}

/**
 * The default response of a command endpoint: the position of the last
 * appended event (`null` when the decision appended nothing), how many events
 * were appended, and whether the result is a replay (idempotency key seen).
 *
 * @category schemas
 * @since 0.1.0
 */
export const CommandAccepted = Schema.Struct({
  position: Schema.NullOr(Schema.String),
  events: Schema.Int,
  replayed: Schema.Boolean
})

/**
 * The request a command endpoint's `input` / `respond` functions see.
 *
 * @category models
 * @since 0.1.0
 */
export interface CommandRequest {
  readonly params: any
  readonly query: any
  readonly payload: any
  readonly headers: any
}

/**
 * The command idempotency key for a request's `Idempotency-Key`: scoped to
 * the caller's principal (the command scopes it to itself):
 * `http:<length of the principal>:<principal>:<key>`, the SHA-256 digest of
 * that when long. The principal's length keeps two principals apart even
 * when one, followed by a key, spells the other (`"user:1"` with key `"x"`,
 * `"user"` with key `"1:x"`).
 *
 * @category request
 * @since 0.1.0
 */
export const commandKey = (principal: string, key: string): string => {
  const scoped = `http:${principal.length}:${principal}:${key}`
  return scoped.length <= Command.maxIdempotencyKeyLength ? scoped : `http:#${Fingerprint.ofText(scoped)}`
}

/**
 * The command a route runs: the same command, whose decision's failures are
 * marked as domain errors (see `ErrorHandling.markDomainError`), so that one
 * without a declared status answers 400, not 500.
 */
const marked = new WeakMap<Command.Any, Command.Any>()
const markingDomainErrors = <C extends Command.Any>(cmd: C): C => {
  let wrapped = marked.get(cmd)
  if (wrapped === undefined) {
    wrapped = {
      ...cmd,
      decide: (state: unknown, input: unknown) =>
        Effect.tapError(cmd.decide(state, input), (error) => Effect.sync(() => ErrorHandling.markDomainError(error)))
    } as Command.Any
    marked.set(cmd, wrapped)
  }
  return wrapped as C
}

/**
 * A Command behind an endpoint.
 *
 * - `payload`: the body's schema (default: the command's input; for DELETE
 *   use `params` and no payload);
 * - `params` / `query`: path and query parameter schemas (fields);
 * - `input(request)`: the command's input (its `Type`) from the decoded
 *   request (default: the payload); may be an Effect (to read the caller, say);
 * - `success` and `respond(result, input)`: the response (default
 *   {@link CommandAccepted});
 * - `error`: the domain errors to declare in the OpenAPI document (any error
 *   with `httpApiStatus` on its class gets its status anyway).
 *
 * Input that fails the payload schema is a 422 before the command runs. The
 * request's `Idempotency-Key`, scoped to the caller's principal, becomes the
 * command's idempotency key (see {@link commandKey}), so a retried request
 * writes nothing twice even when it lands on another process, and never
 * replays another caller's run.
 *
 * A failure of the command's decision (a domain error) answers with the
 * status declared on its class (`httpApiStatus`) or on the endpoint; without
 * one it answers **400** with `{ _tag, message, ...fields }` (never 500).
 * `maxBodyBytes` sets the route's body limit (default: the app's).
 *
 * @category constructors
 * @since 0.1.0
 */
export const command = <
  const Name extends string,
  const Method extends "POST" | "PUT" | "PATCH" | "DELETE",
  const Path extends `/${string}`,
  Input extends Command.InputSchema,
  State,
  E,
  R,
  Payload extends Schema.Top = Input,
  Success extends Schema.Top = typeof CommandAccepted,
  const Params extends Schema.Struct.Fields = {},
  const QueryFields extends Schema.Struct.Fields = {},
  RI = never,
  RR = never
>(
  name: Name,
  method: Method,
  path: Path,
  cmd: Command.Command<Input, State, E, R>,
  options?: {
    readonly payload?: Payload | undefined
    readonly params?: Params | undefined
    readonly query?: QueryFields | undefined
    readonly success?: Success | undefined
    readonly error?: ReadonlyArray<Schema.Top> | undefined
    readonly input?: ((request: {
      readonly params: Schema.Struct.Type<Params>
      readonly query: Schema.Struct.Type<QueryFields>
      readonly payload: Payload["Type"]
    }) => Input["Type"] | Effect.Effect<Input["Type"], unknown, RI>) | undefined
    readonly respond?: ((result: Command.Result, input: Input["Type"]) =>
      Success["Type"] | Effect.Effect<Success["Type"], unknown, RR>) | undefined
    readonly maxBodyBytes?: number | undefined
  }
): Route<HttpApiEndpoint.Top & { readonly identifier: Name }, R | RI | RR | EventStore.EventStore> => {
  const running = markingDomainErrors(cmd)
  const hasBody = method !== "DELETE"
  const payload = options?.payload ?? (hasBody && options?.input === undefined ? cmd.input : undefined)
  const endpoint = HttpApiEndpoint.make(method)(name, path, {
    ...(options?.params !== undefined ? { params: options.params } : {}),
    ...(options?.query !== undefined ? { query: options.query } : {}),
    ...(payload !== undefined ? { payload } : {}),
    success: options?.success ?? CommandAccepted,
    ...(options?.error !== undefined && options.error.length > 0 ? { error: options.error } : {})
  } as any) as unknown as HttpApiEndpoint.Top & { readonly identifier: Name }
  const encodeInput = Schema.encodeUnknownEffect(cmd.input as unknown as Schema.Codec<unknown, unknown>)
  const handler = (request: CommandRequest) =>
    Effect.gen(function*() {
      const made = options?.input === undefined ? request.payload : options.input(request as never)
      const input = Effect.isEffect(made) ? yield* (made as Effect.Effect<Input["Type"]>) : made as Input["Type"]
      const encoded = yield* encodeInput(input)
      const key = yield* idempotencyKey
      const runOptions = key === undefined ? undefined : { idempotencyKey: commandKey(yield* Idempotency.currentPrincipal, key) }
      const result = yield* Command.run(running, encoded, runOptions)
      if (options?.respond === undefined) {
        return { position: result.position === undefined ? null : String(result.position), events: result.events.length, replayed: result.replayed }
      }
      const response = options.respond(result, input)
      return Effect.isEffect(response) ? yield* (response as Effect.Effect<Success["Type"]>) : response
    }).pipe(Effect.withSpan(`Http.command ${cmd.name}`))
  return { endpoint, handler: handler as never, ...withMaxBody(options?.maxBodyBytes) }
}

const global: Array<Any> = []

/**
 * Registers a route with the app's module list, the HTTP side of
 * `Registry.register`: a module file exports
 * `export const subscribeRoute = Route.register(Route.command(...))`, and
 * `App.make("app", Route.registered())` serves every registered route in one
 * call. Registering the same route twice keeps it once.
 *
 * @category registry
 * @since 0.1.0
 */
export const register = <A extends Any>(theRoute: A): A => {
  if (!global.includes(theRoute)) global.push(theRoute)
  return theRoute
}

/**
 * The registered routes, in registration order.
 *
 * @category registry
 * @since 0.1.0
 */
export const registered = (): ReadonlyArray<Any> => [...global]

/**
 * Forgets every registered route (tests).
 *
 * @category registry
 * @since 0.1.0
 */
export const clearRegistered = (): void => {
  global.length = 0
}
