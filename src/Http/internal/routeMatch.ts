/**
 * Finds the route a request is for, by method and path pattern, before the
 * router does: what the app-wide middleware needs for per-route settings
 * (body limit, principal).
 *
 * @internal
 */

import * as FindMyWay from "effect/http/FindMyWay"

/**
 * A request's path, without its query string.
 *
 * @internal
 */
export const pathOf = (url: string): string => {
  const q = url.indexOf("?")
  return q === -1 ? url : url.slice(0, q)
}

/**
 * A matcher of per-route values: `find(method, url)` is the value of the
 * route the app's router serves the request with (`undefined`: none, or a
 * route without a value). It is the router's own matcher (`FindMyWay`) with
 * the router's configuration and every route of the app, so a request is
 * matched exactly as the router matches it: case-insensitively, ignoring
 * duplicate and trailing slashes, percent-decoded, a static segment before a
 * parameter. (A pattern of its own would let `/NOTES` or `//notes` reach a
 * route without its settings.)
 *
 * @internal
 */
export const make = <A>(
  routes: ReadonlyArray<{ readonly method: string; readonly path: string; readonly value: A | undefined }>,
  config?: Partial<FindMyWay.RouterConfig>
) => {
  if (!routes.some((r) => r.value !== undefined)) return (_method: string, _url: string): A | undefined => undefined
  const router = FindMyWay.make<{ readonly value: A | undefined }>(config)
  for (const r of routes) router.on(r.method, r.path as FindMyWay.PathInput, { value: r.value })
  return (method: string, url: string): A | undefined => router.find(method, url)?.handler.value
}
