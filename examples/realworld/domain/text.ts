/**
 * Small text helpers: slugs and timestamps.
 *
 * @since 0.1.0
 */
import { DateTime, Effect } from "effect"

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
