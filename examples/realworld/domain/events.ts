/**
 * Conduit's events. Every fact of the app is one of these, tagged so that a
 * decision reads exactly its consistency boundary:
 *
 * - `user:<id>`, `username:<name key>`, `email:<address>`: a user, and the
 *   claims on a username (by its case-folded NFKC key) or an e-mail address
 *   (uniqueness by append condition; see `claimTag` for long values);
 * - `follower:<id>` / `followee:<id>`: follow relations;
 * - `article:<id>`, `slug:<slug>`, `author:<id>`: an article, the claim on its
 *   slug, its author;
 * - `favoriter:<id>`: who favorited;
 * - `comment:<articleId>`: the comments of an article.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Event } from "fairway/Dcb"
import { claimTag, usernameKey } from "./text.ts"

/** A user registered. @category events @since 0.1.0 */
export const UserRegistered = Event.define("UserRegistered", {
  payload: Schema.Struct({
    userId: Schema.String,
    username: Schema.String,
    email: Schema.String,
    passwordHash: Schema.String
  }),
  tags: (p) => [`user:${p.userId}`, claimTag("username", usernameKey(p.username)), claimTag("email", p.email)]
})

/**
 * A user changed their settings. A changed username or e-mail is tagged with
 * both the new and the previous value: the new one is claimed, the old one
 * released, in the same event.
 *
 * @category events
 * @since 0.1.0
 */
export const UserUpdated = Event.define("UserUpdated", {
  payload: Schema.Struct({
    userId: Schema.String,
    username: Schema.String,
    previousUsername: Schema.String,
    email: Schema.String,
    previousEmail: Schema.String,
    passwordHash: Schema.String,
    bio: Schema.NullOr(Schema.String),
    image: Schema.NullOr(Schema.String)
  }),
  tags: (p) => [
    ...new Set([
      `user:${p.userId}`,
      claimTag("username", usernameKey(p.username)),
      claimTag("username", usernameKey(p.previousUsername)),
      claimTag("email", p.email),
      claimTag("email", p.previousEmail)
    ])
  ]
})

/** A user followed another. @category events @since 0.1.0 */
export const UserFollowed = Event.define("UserFollowed", {
  payload: Schema.Struct({ followerId: Schema.String, followeeId: Schema.String }),
  tags: (p) => [`follower:${p.followerId}`, `followee:${p.followeeId}`]
})

/** A user stopped following another. @category events @since 0.1.0 */
export const UserUnfollowed = Event.define("UserUnfollowed", {
  payload: Schema.Struct({ followerId: Schema.String, followeeId: Schema.String }),
  tags: (p) => [`follower:${p.followerId}`, `followee:${p.followeeId}`]
})

/** An article was published. @category events @since 0.1.0 */
export const ArticleCreated = Event.define("ArticleCreated", {
  payload: Schema.Struct({
    articleId: Schema.String,
    slug: Schema.String,
    authorId: Schema.String,
    title: Schema.String,
    description: Schema.String,
    body: Schema.String,
    tagList: Schema.Array(Schema.String),
    createdAt: Schema.String
  }),
  tags: (p) => [`article:${p.articleId}`, `slug:${p.slug}`, `author:${p.authorId}`]
})

/** An article was edited (a new title gives it a new slug). @category events @since 0.1.0 */
export const ArticleUpdated = Event.define("ArticleUpdated", {
  payload: Schema.Struct({
    articleId: Schema.String,
    slug: Schema.String,
    previousSlug: Schema.String,
    title: Schema.String,
    description: Schema.String,
    body: Schema.String,
    updatedAt: Schema.String
  }),
  tags: (p) => [...new Set([`article:${p.articleId}`, `slug:${p.slug}`, `slug:${p.previousSlug}`])]
})

/**
 * The sequence position of an article's `ArticleCreated` event (decimal), as
 * the events that follow it carry it: the list views order articles by it
 * and find an article's entries from it. Events written before it existed
 * lack it.
 *
 * @category events
 * @since 0.1.0
 */
export const ArticlePosition = Schema.optionalKey(Schema.String)

/**
 * An article was deleted. It carries what the list views need to drop it:
 * its position, tags and author (the favorites are taken back by
 * `ArticleUnfavorited` events appended with it, past 1,000 of them by the
 * automation `ReleaseFavoritesOfDeletedArticles` right after; `favoritedBy`
 * is only found on events of earlier versions).
 *
 * @category events
 * @since 0.1.0
 */
export const ArticleDeleted = Event.define("ArticleDeleted", {
  payload: Schema.Struct({
    articleId: Schema.String,
    slug: Schema.String,
    authorId: Schema.String,
    tagList: Schema.Array(Schema.String),
    articlePosition: ArticlePosition,
    favoritedBy: Schema.optionalKey(Schema.Array(Schema.String))
  }),
  tags: (p) => [`article:${p.articleId}`, `slug:${p.slug}`, `author:${p.authorId}`]
})

/** A user favorited an article. @category events @since 0.1.0 */
export const ArticleFavorited = Event.define("ArticleFavorited", {
  payload: Schema.Struct({ articleId: Schema.String, userId: Schema.String, articlePosition: ArticlePosition }),
  tags: (p) => [`article:${p.articleId}`, `favoriter:${p.userId}`]
})

/** A user took back their favorite (or the article was deleted). @category events @since 0.1.0 */
export const ArticleUnfavorited = Event.define("ArticleUnfavorited", {
  payload: Schema.Struct({ articleId: Schema.String, userId: Schema.String, articlePosition: ArticlePosition }),
  tags: (p) => [`article:${p.articleId}`, `favoriter:${p.userId}`]
})

/** A comment was added to an article (ids count up per article). @category events @since 0.1.0 */
export const CommentAdded = Event.define("CommentAdded", {
  payload: Schema.Struct({
    articleId: Schema.String,
    commentId: Schema.Int,
    authorId: Schema.String,
    body: Schema.String,
    createdAt: Schema.String
  }),
  tags: (p) => [`comment:${p.articleId}`]
})

/** A comment was deleted. @category events @since 0.1.0 */
export const CommentDeleted = Event.define("CommentDeleted", {
  payload: Schema.Struct({ articleId: Schema.String, commentId: Schema.Int }),
  tags: (p) => [`comment:${p.articleId}`]
})
