/**
 * Small text helpers: slugs and timestamps.
 *
 * @since 0.1.0
 */
import { DateTime, Effect } from "effect"
import { createHash } from "node:crypto"

/**
 * The slug of a title: lower case, ASCII letters and digits joined by `-`.
 *
 * @category text
 * @since 0.1.0
 */
export const slugify = (title: string): string => {
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 120)
  return slug === "" ? "article" : slug
}

/**
 * The other slug tried when a title's slug is taken: the slug and the start
 * of the article id.
 *
 * @category text
 * @since 0.1.0
 */
export const alternativeSlug = (title: string, articleId: string): string =>
  `${slugify(title)}-${articleId.replace(/-/g, "").slice(0, 8)}`

/**
 * Now, in ISO 8601 with milliseconds (from the Effect clock).
 *
 * @category time
 * @since 0.1.0
 */
export const now: Effect.Effect<string> = Effect.map(DateTime.now, DateTime.formatIso)

/**
 * The key that makes usernames unique: the name in Unicode compatibility
 * form (NFKC) with its case folded, so `alice`, `Alice` and `ａｌｉｃｅ`
 * (fullwidth) are one name. The name itself is kept as registered (NFC).
 *
 * @category text
 * @since 0.1.0
 */
export const usernameKey = (username: string): string =>
  username.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC")

/**
 * The tag claiming a username or an e-mail address: `<kind>:<value>`, or,
 * when that would pass the event store's tag limit (a 254-character address,
 * a name whose compatibility form is long), `<kind>-sha256:<digest>`.
 *
 * @category text
 * @since 0.1.0
 */
export const claimTag = (kind: "username" | "email", value: string): string =>
  value.length <= 200 ? `${kind}:${value}` : `${kind}-sha256:${createHash("sha256").update(value).digest("base64url")}`
