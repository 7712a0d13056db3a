/**
 * The read side: responses built from live reads of the decision models
 * (one user, one article, its comments: always current) and from the
 * persistent list views (article lists, the feed, tags), which are caught up
 * to the log's head before a read so a client reads its own writes.
 *
 * @since 0.1.0
 */
import { Effect, HashSet, Option } from "effect"
import { DecisionModel } from "fairway/Dcb"
import type { EventStore } from "fairway/Dcb"
import type { ViewStore } from "fairway/Module"
import { View } from "fairway/Module"
import { Jwt } from "./auth.ts"
import { NotFound } from "./domain/errors.ts"
import * as Models from "./domain/models.ts"
import type * as Schemas from "./schemas.ts"
import { ArticleCounts, countKey } from "./views/ArticleCounts.ts"
import { ArticleIndex, type Entry, listPrefix, positionPart } from "./views/ArticleIndex.ts"

type Store = EventStore.EventStore
type Views = ViewStore.ViewStore | EventStore.EventStore

const live = <S>(model: DecisionModel.DecisionModel<S>) =>
  Effect.map(DecisionModel.read(model), (read) => read.state).pipe(Effect.orDie)

/**
 * A user by id.
 *
 * @category users
 * @since 0.1.0
 */
export const userById = (userId: string) => live(Models.user(userId))

/**
 * A user by username.
 *
 * @category users
 * @since 0.1.0
 */
export const userByUsername = (username: string) =>
  Effect.flatMap(live(Models.usernameOwner(username)), (owner) =>
    Option.isNone(owner) ? Effect.succeed(Option.none<Models.User>()) : userById(owner.value))

/**
 * A user by e-mail address.
 *
 * @category users
 * @since 0.1.0
 */
export const userByEmail = (email: string) =>
  Effect.flatMap(live(Models.emailOwner(email)), (owner) =>
    Option.isNone(owner) ? Effect.succeed(Option.none<Models.User>()) : userById(owner.value))

/**
 * `{"user": …}` with a fresh token.
 *
 * @category users
 * @since 0.1.0
 */
export const userResponse = (userId: string): Effect.Effect<typeof Schemas.UserResponse.Type, NotFound, Store | Jwt> =>
  Effect.gen(function*() {
    const user = yield* userById(userId)
    if (Option.isNone(user)) return yield* new NotFound({ message: "user not found" })
    const { bio, email, image, passwordHash, username } = user.value
    const token = yield* (yield* Jwt).sign(userId, passwordHash)
    return { user: { email, token, username, bio, image } }
  })

/**
 * A profile, as seen by `viewer`.
 *
 * @category profiles
 * @since 0.1.0
 */
export const profile = (user: Models.User, viewer: Option.Option<string>) =>
  Effect.gen(function*() {
    const following = Option.isSome(viewer) ? yield* live(Models.follows(viewer.value, user.userId)) : false
    return { username: user.username, bio: user.bio, image: user.image, following }
  })

/**
 * A profile by user id (404 when unknown).
 *
 * @category profiles
 * @since 0.1.0
 */
export const profileOf = (userId: string, viewer: Option.Option<string>) =>
  Effect.flatMap(userById(userId), (user) =>
    Option.isNone(user) ? Effect.fail(new NotFound({ message: "profile not found" })) : profile(user.value, viewer))

/**
 * The id of the article holding a slug (404 when none).
 *
 * @category articles
 * @since 0.1.0
 */
export const articleIdOf = (slug: string): Effect.Effect<string, NotFound, Store> =>
  Effect.flatMap(live(Models.slugOwner(slug)), (owner) =>
    Option.isNone(owner) ? Effect.fail(new NotFound({ message: "article not found" })) : Effect.succeed(owner.value))

/**
 * The tags of an article in the order the RealWorld reference implementation
 * returns them: sorted (by UTF-16 code units, as a database orders them).
 *
 * @category articles
 * @since 0.1.0
 */
export const sortTags = (tags: ReadonlyArray<string>): ReadonlyArray<string> =>
  [...tags].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

/**
 * An article as seen by `viewer` (none when deleted, or when its author does
 * not exist: a read never fails on a missing author).
 *
 * @category articles
 * @since 0.1.0
 */
export const articleView = (articleId: string, viewer: Option.Option<string>) =>
  Effect.gen(function*() {
    const article = yield* live(Models.article(articleId))
    if (Option.isNone(article)) return Option.none<typeof Schemas.Article.Type>()
    const a = article.value
    const authorUser = yield* userById(a.authorId)
    if (Option.isNone(authorUser)) return Option.none<typeof Schemas.Article.Type>()
    const favoriters = yield* live(Models.favoriters(articleId))
    const author = yield* profile(authorUser.value, viewer)
    return Option.some({
      slug: a.slug,
      title: a.title,
      description: a.description,
      body: a.body,
      tagList: sortTags(a.tagList),
      createdAt: a.createdAt,
      updatedAt: a.updatedAt,
      favorited: Option.isSome(viewer) && HashSet.has(favoriters, viewer.value),
      favoritesCount: HashSet.size(favoriters),
      author
    })
  })

/**
 * `{"article": …}` (404 when the article is gone).
 *
 * @category articles
 * @since 0.1.0
 */
export const articleResponse = (articleId: string, viewer: Option.Option<string>) =>
  Effect.flatMap(articleView(articleId, viewer), (article) =>
    Option.isNone(article)
      ? Effect.fail(new NotFound({ message: "article not found" }))
      : Effect.succeed({ article: article.value }))

type List = Parameters<typeof listPrefix>[0]

const countOf = (list: List) =>
  Effect.map(View.get(ArticleCounts, countKey(list)), Option.getOrElse(() => 0)).pipe(Effect.orDie)

const entriesOf = (list: List, options: { readonly limit: number; readonly after?: string | undefined }) =>
  View.list(ArticleIndex, { prefix: listPrefix(list), ...options }).pipe(Effect.orDie)

const articlesOf = (articleIds: ReadonlyArray<string>, viewer: Option.Option<string>) =>
  Effect.map(
    Effect.forEach(articleIds, (id) => articleView(id, viewer), { concurrency: 8 }),
    (articles) => articles.flatMap((a) => Option.isSome(a) ? [a.value] : [])
  )

const catchUp = (view: View.Any) => View.catchUp(view).pipe(Effect.orDie)
const catchUpLists = Effect.all([catchUp(ArticleIndex), catchUp(ArticleCounts)], { concurrency: 2, discard: true })

/**
 * The page of a list when the request gives no `limit`, and how many entries
 * one read takes when lists are intersected.
 *
 * @category articles
 * @since 0.1.0
 */
export const pages = { defaultLimit: 20, scanBatch: 500 } as const

/**
 * One page of one list: a range read of `offset + limit` keys from the start
 * of the list, whatever the list's length.
 */
const pageOfList = (list: List, limit: number, offset: number) =>
  limit === 0
    ? Effect.succeed([])
    : Effect.map(entriesOf(list, { limit: offset + limit }), (entries) => entries.slice(offset).map((e) => e.state.articleId))

/**
 * One page of the intersection of lists: the smallest list is read in
 * batches and each of its entries looked up by key in the others (an
 * article's key ends the same way in every list). Costs the length of the
 * smallest list.
 */
const pageOfIntersection = (lists: ReadonlyArray<List>, limit: number, offset: number) =>
  Effect.gen(function*() {
    const counts = yield* Effect.forEach(lists, countOf)
    const order = lists.map((list, i) => ({ list, count: counts[i]! })).sort((a, b) => a.count - b.count)
    const [primary, ...others] = order
    const matches: Array<string> = []
    let total = 0
    let after: string | undefined = undefined
    for (;;) {
      const batch: ReadonlyArray<{ readonly key: string; readonly state: Entry }> = yield* entriesOf(primary!.list, {
        limit: pages.scanBatch,
        after
      })
      for (const entry of batch) {
        const suffix = positionPart(entry.key)
        const inAll = yield* Effect.forEach(others, ({ list }) =>
          Effect.map(View.get(ArticleIndex, `${listPrefix(list)}${suffix}`), Option.isSome).pipe(Effect.orDie))
        if (!inAll.every(Boolean)) continue
        if (total >= offset && matches.length < limit) matches.push(entry.state.articleId)
        total++
      }
      if (batch.length < pages.scanBatch) break
      after = batch[batch.length - 1]!.key
    }
    return { articleIds: matches, count: total }
  })

/**
 * The article list: newest first, filtered by tag, author and/or a user's
 * favorites, paged with `limit` (default 20) and `offset`. One filter (the
 * common case) is a range read of its list and one counter read; several are
 * intersected.
 *
 * @category articles
 * @since 0.1.0
 */
export const listArticles = (
  query: {
    readonly tag?: string | undefined
    readonly author?: string | undefined
    readonly favorited?: string | undefined
    readonly limit?: number | undefined
    readonly offset?: number | undefined
  },
  viewer: Option.Option<string>
): Effect.Effect<typeof Schemas.MultipleArticlesResponse.Type, never, Views> =>
  Effect.gen(function*() {
    yield* catchUpLists
    const limit = query.limit ?? pages.defaultLimit
    const offset = query.offset ?? 0
    const lists: Array<List> = []
    if (query.tag !== undefined) lists.push({ _tag: "tag", id: query.tag })
    for (const filter of ["author", "favorited"] as const) {
      const username = query[filter]
      if (username === undefined) continue
      const user = yield* userByUsername(username.normalize("NFC"))
      if (Option.isNone(user)) return { articles: [], articlesCount: 0 }
      lists.push({ _tag: filter, id: user.value.userId })
    }
    if (lists.length <= 1) {
      const list = lists[0] ?? { _tag: "all" }
      const [articleIds, articlesCount] = yield* Effect.all([pageOfList(list, limit, offset), countOf(list)], {
        concurrency: 2
      })
      return { articles: yield* articlesOf(articleIds, viewer), articlesCount }
    }
    const { articleIds, count } = yield* pageOfIntersection(lists, limit, offset)
    return { articles: yield* articlesOf(articleIds, viewer), articlesCount: count }
  })

/**
 * The first `want` article ids of the merge of several lists (newest first).
 * Each list is read in batches, the first of `want / lists` entries, then
 * doubling for a list the merge keeps drawing from: about `2 × want + lists`
 * entries are read in all, however deep the page (not `want` per list).
 */
const mergeLists = (lists: ReadonlyArray<List>, want: number) =>
  Effect.gen(function*() {
    type Cursor = {
      readonly list: List
      entries: ReadonlyArray<{ readonly key: string; readonly state: Entry }>
      index: number
      batch: number
      done: boolean
    }
    const first = Math.max(1, Math.ceil(want / Math.max(1, lists.length)))
    const cursors: Array<Cursor> = yield* Effect.forEach(lists, (list) =>
      Effect.map(entriesOf(list, { limit: first }), (entries): Cursor => ({
        list,
        entries,
        index: 0,
        batch: first,
        done: entries.length < first
      })), { concurrency: 8 })
    const out: Array<string> = []
    while (out.length < want) {
      // refill the lists whose read entries are all merged
      const empty = cursors.filter((c) => c.index >= c.entries.length && !c.done)
      yield* Effect.forEach(empty, (c) => {
        const batch = Math.min(c.batch * 2, want)
        return Effect.map(entriesOf(c.list, { limit: batch, after: c.entries[c.entries.length - 1]!.key }), (entries) => {
          c.entries = entries
          c.index = 0
          c.batch = batch
          c.done = entries.length < batch
        })
      }, { concurrency: 8, discard: true })
      let next: Cursor | undefined
      let order = ""
      for (const c of cursors) {
        if (c.index >= c.entries.length) continue
        const o = positionPart(c.entries[c.index]!.key)
        if (next === undefined || o < order) {
          next = c
          order = o
        }
      }
      if (next === undefined) break
      out.push(next.entries[next.index]!.state.articleId)
      next.index++
    }
    return out
  })

/**
 * The feed: articles by the users `viewer` follows, newest first. The
 * followed authors' lists are merged, each read by range in batches (see
 * `mergeLists`): the cost grows with the page (`offset + limit`) and the
 * number of followed authors, not with their product nor with the number of
 * articles.
 *
 * @category articles
 * @since 0.1.0
 */
export const feed = (viewer: string, limit: number | undefined, offset: number | undefined) =>
  Effect.gen(function*() {
    yield* catchUpLists
    const size = limit ?? pages.defaultLimit
    const from = offset ?? 0
    const authors = yield* live(Models.followees(viewer))
    const lists = Array.from(authors, (id): List => ({ _tag: "author", id }))
    const [merged, counts] = yield* Effect.all([
      size === 0 ? Effect.succeed([]) : mergeLists(lists, from + size),
      Effect.forEach(lists, countOf, { concurrency: 8 })
    ], { concurrency: 2 })
    const articleIds = merged.slice(from, from + size)
    return {
      articles: yield* articlesOf(articleIds, Option.some(viewer)),
      articlesCount: counts.reduce((a, b) => a + b, 0)
    }
  })

/**
 * The comments of an article, oldest first.
 *
 * @category comments
 * @since 0.1.0
 */
export const commentsOf = (articleId: string, viewer: Option.Option<string>) =>
  Effect.gen(function*() {
    const state = yield* live(Models.comments(articleId))
    const views = yield* Effect.forEach(state.comments, (c) => commentView(c, viewer))
    return views.flatMap((c) => Option.isSome(c) ? [c.value] : [])
  })

/**
 * One comment as the API shows it (none when its author does not exist).
 *
 * @category comments
 * @since 0.1.0
 */
export const commentView = (comment: Models.Comment, viewer: Option.Option<string>) =>
  Effect.gen(function*() {
    const author = yield* userById(comment.authorId)
    if (Option.isNone(author)) return Option.none<typeof Schemas.Comment.Type>()
    return Option.some({
      id: comment.commentId,
      createdAt: comment.createdAt,
      updatedAt: comment.createdAt,
      body: comment.body,
      author: yield* profile(author.value, viewer)
    })
  })

/**
 * The most tags `GET /api/tags` lists.
 *
 * @category tags
 * @since 0.1.0
 */
export const maxTags = 1_000

/**
 * The tags in use (by at least one article), sorted; at most
 * {@link maxTags}. A range read of the `tag:` counters.
 *
 * @category tags
 * @since 0.1.0
 */
export const tags = Effect.gen(function*() {
  yield* catchUp(ArticleCounts)
  const counters = yield* View.list(ArticleCounts, { prefix: "tag:", limit: maxTags }).pipe(Effect.orDie)
  return { tags: sortTags(counters.map((c) => decodeURIComponent(c.key.slice("tag:".length)))) }
})
