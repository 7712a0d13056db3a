/**
 * The article lists, newest first, as a persistent view with one small
 * state per (list, article): a listing is a range read of its keys, and an
 * article added or removed writes its own few keys, whatever the size of the
 * lists (no list held in one value, no rewrite of a list).
 *
 * Keys (each ends with the article's inverted creation position, so key
 * order is newest first; see {@link entryKey}):
 *
 * - `all:<pos>`: every article;
 * - `tag:<tag>:<pos>`: the articles with a tag (the tag percent-encoded, so a
 *   `:` in a tag cannot run into another tag's list);
 * - `author:<userId>:<pos>`: an author's articles (the feed merges the lists
 *   of the authors a user follows);
 * - `favorited:<userId>:<pos>`: the articles a user favorites, ordered by the
 *   articles' creation.
 *
 * The events after `ArticleCreated` (favorites, deletion) carry the article's
 * creation position, which gives their keys. How many entries each list has
 * is the `ArticleCounts` view.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Query } from "fairway/Dcb"
import { Registry, View } from "fairway/Module"
import { ArticleCreated, ArticleDeleted, ArticleFavorited, ArticleUnfavorited } from "../domain/events.ts"

/**
 * One entry of a list: the article it stands for.
 *
 * @category models
 * @since 0.1.0
 */
export const Entry = Schema.Struct({ articleId: Schema.String })

/**
 * One entry of a list.
 *
 * @category models
 * @since 0.1.0
 */
export type Entry = typeof Entry.Type

const maxPosition = (1n << 128n) - 1n

/**
 * A sequence position (decimal) turned into a fixed-width key part that
 * sorts the other way: the newest article's key comes first.
 *
 * @category keys
 * @since 0.1.0
 */
export const invertedPosition = (position: string | bigint): string =>
  (maxPosition - BigInt(position)).toString(16).padStart(32, "0")

/**
 * The prefix of a list: `all`, `tag:<tag>`, `author:<userId>` or
 * `favorited:<userId>` (with the `:` that ends it, except for `all`).
 *
 * @category keys
 * @since 0.1.0
 */
export const listPrefix = (
  list: { readonly _tag: "all" } | { readonly _tag: "tag" | "author" | "favorited"; readonly id: string }
): string => (list._tag === "all" ? "all:" : `${list._tag}:${list._tag === "tag" ? encodeURIComponent(list.id) : list.id}:`)

/**
 * The key of an article's entry in a list.
 *
 * @category keys
 * @since 0.1.0
 */
export const entryKey = (prefix: string, position: string | bigint): string => `${prefix}${invertedPosition(position)}`

/**
 * The inverted position at the end of an entry key.
 *
 * @category keys
 * @since 0.1.0
 */
export const positionPart = (key: string): string => key.slice(key.lastIndexOf(":") + 1)

const events = [ArticleCreated, ArticleDeleted, ArticleFavorited, ArticleUnfavorited] as const

/** @category views @since 0.1.0 */
export const ArticleIndex = Registry.register(View.make({
  name: "ArticleIndex",
  version: 2,
  query: Query.item({ types: events.map((e) => e.type) }),
  events,
  schema: Entry,
  initial: { articleId: "" } as Entry,
  key: (event) => {
    switch (event.type) {
      case "ArticleCreated": {
        const p = event.position
        return [
          entryKey(listPrefix({ _tag: "all" }), p),
          entryKey(listPrefix({ _tag: "author", id: event.payload.authorId }), p),
          ...event.payload.tagList.map((t) => entryKey(listPrefix({ _tag: "tag", id: t }), p))
        ]
      }
      case "ArticleDeleted": {
        const p = event.payload.articlePosition
        if (p === undefined) return undefined // written by an earlier version: its entries cannot be found
        return [
          entryKey(listPrefix({ _tag: "all" }), p),
          entryKey(listPrefix({ _tag: "author", id: event.payload.authorId }), p),
          ...event.payload.tagList.map((t) => entryKey(listPrefix({ _tag: "tag", id: t }), p)),
          ...(event.payload.favoritedBy ?? []).map((u) => entryKey(listPrefix({ _tag: "favorited", id: u }), p))
        ]
      }
      case "ArticleFavorited":
      case "ArticleUnfavorited": {
        const p = event.payload.articlePosition
        return p === undefined ? undefined : entryKey(listPrefix({ _tag: "favorited", id: event.payload.userId }), p)
      }
    }
  },
  evolve: (_, event) =>
    event.type === "ArticleCreated" || event.type === "ArticleFavorited"
      ? { articleId: event.payload.articleId }
      : View.remove
}))
