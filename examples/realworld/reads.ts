/**
 * The read side: responses built from live reads of the decision models
 * (one user, one article, its comments: always current) and from the
 * persistent list views (article lists, the feed, tags), which are caught up
 * to the log's head before a read so a client reads its own writes.
 *
 * @since 0.1.0
 */
import { Effect, Option } from "effect"
import { DecisionModel } from "../../src/Dcb/index.ts"
import type { EventStore } from "../../src/Dcb/index.ts"
import type { ViewStore } from "../../src/Module/index.ts"
import { View } from "../../src/Module/index.ts"
import { Jwt } from "./auth.ts"
import { NotFound } from "./domain/errors.ts"
import * as Models from "./domain/models.ts"
import type * as Schemas from "./schemas.ts"
import { ArticleIndex, type Entry } from "./views/ArticleIndex.ts"
import { Tags } from "./views/Tags.ts"

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
    const token = yield* (yield* Jwt).sign(userId)
    const { bio, email, image, username } = user.value
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
 * An article as seen by `viewer` (none when deleted).
 *
 * @category articles
 * @since 0.1.0
 */
export const articleView = (articleId: string, viewer: Option.Option<string>) =>
  Effect.gen(function*() {
    const article = yield* live(Models.article(articleId))
    if (Option.isNone(article)) return Option.none<typeof Schemas.Article.Type>()
    const a = article.value
    const favoriters = yield* live(Models.favoriters(articleId))
    const author = yield* profileOf(a.authorId, viewer).pipe(Effect.orDie)
    return Option.some({
      slug: a.slug,
      title: a.title,
      description: a.description,
      body: a.body,
      tagList: a.tagList,
      createdAt: a.createdAt,
      updatedAt: a.updatedAt,
      favorited: Option.isSome(viewer) && favoriters.includes(viewer.value),
      favoritesCount: favoriters.length,
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

const entriesOf = (key: string) =>
  Effect.map(View.get(ArticleIndex, key), Option.getOrElse((): ReadonlyArray<Entry> => [])).pipe(Effect.orDie)

const page = (
  entries: ReadonlyArray<Entry>,
  viewer: Option.Option<string>,
  limit: number | undefined,
  offset: number | undefined
) =>
  Effect.gen(function*() {
    const from = offset ?? 0
    const slice = entries.slice(from, from + (limit ?? 20))
    const articles = yield* Effect.forEach(slice, (e) => articleView(e.articleId, viewer), { concurrency: 8 })
    return { articles: articles.flatMap((a) => Option.isSome(a) ? [a.value] : []), articlesCount: entries.length }
  })

const catchUp = (view: View.Any) => View.catchUp(view).pipe(Effect.orDie)

/**
 * The article list: newest first, filtered by tag, author and/or a user's
 * favorites, paged with `limit` (default 20) and `offset`.
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
    yield* catchUp(ArticleIndex)
    const keys: Array<string> = []
    if (query.tag !== undefined) keys.push(`tag:${query.tag}`)
    for (const [filter, prefix] of [["author", "author"], ["favorited", "favorited"]] as const) {
      const username = query[filter]
      if (username === undefined) continue
      const user = yield* userByUsername(username)
      if (Option.isNone(user)) return { articles: [], articlesCount: 0 }
      keys.push(`${prefix}:${user.value.userId}`)
    }
    if (keys.length === 0) keys.push("all")
    let entries = yield* entriesOf(keys[0]!)
    for (const key of keys.slice(1)) {
      const other = new Set((yield* entriesOf(key)).map((e) => e.articleId))
      entries = entries.filter((e) => other.has(e.articleId))
    }
    if (keys.some((k) => k.startsWith("favorited:"))) {
      // a favorites list holds favorite times: order it by the articles' creation times
      const all = new Map((yield* entriesOf("all")).map((e) => [e.articleId, e.createdAt]))
      entries = entries
        .filter((e) => all.has(e.articleId))
        .map((e) => ({ articleId: e.articleId, createdAt: all.get(e.articleId)! }))
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
    }
    return yield* page(entries, viewer, query.limit, query.offset)
  })

/**
 * The feed: articles by the users `viewer` follows, newest first.
 *
 * @category articles
 * @since 0.1.0
 */
export const feed = (viewer: string, limit: number | undefined, offset: number | undefined) =>
  Effect.gen(function*() {
    yield* catchUp(ArticleIndex)
    const authors = yield* live(Models.followees(viewer))
    const lists = yield* Effect.forEach(authors, (id) => entriesOf(`author:${id}`))
    const merged = lists.flat().sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
    return yield* page(merged, Option.some(viewer), limit, offset)
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
    return yield* Effect.forEach(state.comments, (c) => commentView(c, viewer))
  })

/**
 * One comment as the API shows it.
 *
 * @category comments
 * @since 0.1.0
 */
export const commentView = (comment: Models.Comment, viewer: Option.Option<string>) =>
  Effect.map(profileOf(comment.authorId, viewer).pipe(Effect.orDie), (author) => ({
    id: comment.commentId,
    createdAt: comment.createdAt,
    updatedAt: comment.createdAt,
    body: comment.body,
    author
  }))

/**
 * The tags in use.
 *
 * @category tags
 * @since 0.1.0
 */
export const tags = Effect.gen(function*() {
  yield* catchUp(Tags)
  const counts = yield* View.get(Tags, "tags").pipe(Effect.orDie)
  return { tags: Option.isSome(counts) ? Object.keys(counts.value).sort() : [] }
})
