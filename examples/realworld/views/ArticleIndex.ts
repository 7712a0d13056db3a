/**
 * The article lists, newest first, as a persistent view: one list per key,
 * so a listing reads one state instead of scanning the log.
 *
 * Keys: `all`, `tag:<tag>`, `author:<userId>`, `favorited:<userId>`.
 * The feed merges the `author:` lists of the people a user follows.
 *
 * @since 0.1.0
 */
import { DateTime, Schema } from "effect"
import { Query } from "../../../src/Dcb/index.ts"
import { Registry, View } from "../../../src/Module/index.ts"
import { ArticleCreated, ArticleDeleted, ArticleFavorited, ArticleUnfavorited } from "../domain/events.ts"

/**
 * One entry of a list.
 *
 * @category models
 * @since 0.1.0
 */
export const Entry = Schema.Struct({ articleId: Schema.String, createdAt: Schema.String })

/**
 * One entry of a list.
 *
 * @category models
 * @since 0.1.0
 */
export type Entry = typeof Entry.Type

const events = [ArticleCreated, ArticleDeleted, ArticleFavorited, ArticleUnfavorited] as const

const insert = (entries: ReadonlyArray<Entry>, entry: Entry): ReadonlyArray<Entry> => {
  if (entries.some((e) => e.articleId === entry.articleId)) return entries
  // newest first (ISO timestamps sort as strings); on a tie, the later event first
  let i = 0
  while (i < entries.length && entries[i]!.createdAt > entry.createdAt) i++
  return [...entries.slice(0, i), entry, ...entries.slice(i)]
}

/** @category views @since 0.1.0 */
export const ArticleIndex = Registry.register(View.make({
  name: "ArticleIndex",
  version: 1,
  query: Query.item({ types: events.map((e) => e.type) }),
  events,
  schema: Schema.Array(Entry),
  initial: [] as ReadonlyArray<Entry>,
  key: (event) => {
    switch (event.type) {
      case "ArticleCreated":
        return ["all", `author:${event.payload.authorId}`, ...event.payload.tagList.map((t) => `tag:${t}`)]
      case "ArticleDeleted":
        return [
          "all",
          `author:${event.payload.authorId}`,
          ...event.payload.tagList.map((t) => `tag:${t}`),
          ...event.payload.favoritedBy.map((u) => `favorited:${u}`)
        ]
      case "ArticleFavorited":
      case "ArticleUnfavorited":
        return [`favorited:${event.payload.userId}`]
    }
  },
  evolve: (entries, event) => {
    switch (event.type) {
      case "ArticleCreated":
        return insert(entries, { articleId: event.payload.articleId, createdAt: event.payload.createdAt })
      case "ArticleDeleted":
      case "ArticleUnfavorited":
        return entries.filter((e) => e.articleId !== event.payload.articleId)
      case "ArticleFavorited":
        // the event does not carry the article's creation time: the entry holds the favorite's time, and the
        // read side orders a favorites list by the articles' own creation times
        return insert(entries, { articleId: event.payload.articleId, createdAt: DateTime.formatIso(event.recordedAt) })
    }
  }
}))
