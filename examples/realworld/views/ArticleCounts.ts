/**
 * How many entries each article list has (`all`, `tag:<tag>`,
 * `author:<userId>`, `favorited:<userId>`, keyed as the prefixes of
 * `ArticleIndex` without the final `:`), as a persistent view of small
 * counters: `articlesCount` is one read, and the tags in use are the
 * `tag:` keys (a counter that reaches 0 is removed).
 *
 * It counts exactly the events `ArticleIndex` lists (the ones that carry the
 * article's position), so a count and its list agree.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Query } from "fairway/Dcb"
import { Registry, View } from "fairway/Module"
import { ArticleCreated, ArticleDeleted, ArticleFavorited, ArticleUnfavorited } from "../domain/events.ts"
import { listPrefix } from "./ArticleIndex.ts"

const events = [ArticleCreated, ArticleDeleted, ArticleFavorited, ArticleUnfavorited] as const

/**
 * The counter key of a list (its `ArticleIndex` prefix without the final `:`).
 *
 * @category keys
 * @since 0.1.0
 */
export const countKey = (...list: Parameters<typeof listPrefix>): string => listPrefix(...list).slice(0, -1)

/** @category views @since 0.1.0 */
export const ArticleCounts = Registry.register(View.make({
  name: "ArticleCounts",
  version: 1,
  query: Query.item({ types: events.map((e) => e.type) }),
  events,
  schema: Schema.Int,
  initial: 0,
  key: (event) => {
    switch (event.type) {
      case "ArticleCreated":
        return [
          countKey({ _tag: "all" }),
          countKey({ _tag: "author", id: event.payload.authorId }),
          ...event.payload.tagList.map((t) => countKey({ _tag: "tag", id: t }))
        ]
      case "ArticleDeleted":
        if (event.payload.articlePosition === undefined) return undefined
        return [
          countKey({ _tag: "all" }),
          countKey({ _tag: "author", id: event.payload.authorId }),
          ...event.payload.tagList.map((t) => countKey({ _tag: "tag", id: t })),
          ...(event.payload.favoritedBy ?? []).map((u) => countKey({ _tag: "favorited", id: u }))
        ]
      case "ArticleFavorited":
      case "ArticleUnfavorited":
        return event.payload.articlePosition === undefined
          ? undefined
          : countKey({ _tag: "favorited", id: event.payload.userId })
    }
  },
  evolve: (n, event) => {
    const next = n + (event.type === "ArticleCreated" || event.type === "ArticleFavorited" ? 1 : -1)
    return next > 0 ? next : View.remove
  }
}))
