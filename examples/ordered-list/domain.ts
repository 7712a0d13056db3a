/**
 * An ordered, filterable list without an unbounded value: a list view keeps
 * one small state per (list, entry), keyed for the order it is read in, and
 * reads a page by range (`View.list`). Articles are listed newest first, all
 * of them and per tag; an unpublished article leaves every list it was in
 * (`View.remove`).
 *
 * A list kept in one state would break at FoundationDB's 100 kB value limit
 * (about a thousand entries) and cost O(n) per change; here every change
 * writes a few small states, and a page reads `limit` of them.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Event, Query } from "fairway/Dcb"
import { View } from "fairway/Module"

/** @category events @since 0.1.0 */
export const ArticlePublished = Event.define("ArticlePublished", {
  payload: Schema.Struct({ slug: Schema.String, title: Schema.String, tags: Schema.Array(Schema.String), at: Schema.Number }),
  tags: (p) => [`article:${p.slug}`]
})

/** The list keys an article has: it carries them on unpublishing (`key(event)` only sees the event). @category events @since 0.1.0 */
export const ArticleUnpublished = Event.define("ArticleUnpublished", {
  payload: Schema.Struct({ slug: Schema.String, tags: Schema.Array(Schema.String), at: Schema.Number }),
  tags: (p) => [`article:${p.slug}`]
})

/** Newest first: the key holds the time inverted, zero-padded so that string order is time order. */
const inverted = (at: number) => String(9_999_999_999_999 - at).padStart(13, "0")

/**
 * A tag as a key part: URI-encoded, so it never contains the `:` separator
 * (the tag `rust:async` must not fall under the prefix of the tag `rust`).
 *
 * @category keys
 * @since 0.1.0
 */
export const tagPart = (tag: string) => encodeURIComponent(tag)

/**
 * The keys of an article's entries: one in the list of all articles, one in
 * the list of each of its tags.
 *
 * @category keys
 * @since 0.1.0
 */
export const listKeys = (article: { readonly slug: string; readonly tags: ReadonlyArray<string>; readonly at: number }) => [
  `all:${inverted(article.at)}:${article.slug}`,
  ...article.tags.map((tag) => `tag:${tagPart(tag)}:${inverted(article.at)}:${article.slug}`)
]

/** @category models @since 0.1.0 */
export const Entry = Schema.Struct({ slug: Schema.String, title: Schema.String })

/** @category views @since 0.1.0 */
export const ArticleList = View.make({
  name: "ArticleList",
  version: 1,
  query: Query.item({ types: [ArticlePublished.type, ArticleUnpublished.type] }),
  events: [ArticlePublished, ArticleUnpublished],
  initial: { slug: "", title: "" },
  schema: Entry,
  key: (event) => listKeys(event.payload),
  evolve: (_, event) =>
    event.type === "ArticleUnpublished" ? View.remove : { slug: event.payload.slug, title: event.payload.title }
})

/**
 * One page of a list: `all` or a tag, `limit` entries after the cursor (the
 * last key of the previous page), newest first.
 *
 * @category reads
 * @since 0.1.0
 */
export const page = (list: { readonly tag?: string | undefined }, limit: number, after?: string) =>
  View.list(ArticleList, {
    prefix: list.tag === undefined ? "all:" : `tag:${tagPart(list.tag)}:`,
    limit,
    ...(after !== undefined ? { after } : {})
  })
