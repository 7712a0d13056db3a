/**
 * Conduit's decision models: each reads the smallest set of events one
 * decision (or one live read) needs. Commands combine them into their
 * consistency boundary; the read side folds the same models to answer
 * single-entity reads (a user, an article, its comments), always up to date.
 *
 * @since 0.1.0
 */
import { HashSet, Option } from "effect"
import { DecisionModel, Query } from "fairway/Dcb"
import {
  ArticleCreated,
  ArticleDeleted,
  ArticleFavorited,
  ArticleUnfavorited,
  ArticleUpdated,
  CommentAdded,
  CommentDeleted,
  UserFollowed,
  UserRegistered,
  UserUnfollowed,
  UserUpdated
} from "./events.ts"
import { claimTag, usernameKey } from "./text.ts"

/**
 * A user as the domain knows it.
 *
 * @category models
 * @since 0.1.0
 */
export interface User {
  readonly userId: string
  readonly username: string
  readonly email: string
  readonly passwordHash: string
  readonly bio: string | null
  readonly image: string | null
}

/**
 * A user, by id.
 *
 * @category models
 * @since 0.1.0
 */
export const user = (userId: string) =>
  DecisionModel.make({
    query: Query.item({ types: [UserRegistered.type, UserUpdated.type], tags: [`user:${userId}`] }),
    events: [UserRegistered, UserUpdated],
    initial: Option.none<User>(),
    evolve: (_, event): Option.Option<User> =>
      event.type === "UserRegistered"
        ? Option.some({ ...event.payload, bio: null, image: null })
        : Option.some({
          userId: event.payload.userId,
          username: event.payload.username,
          email: event.payload.email,
          passwordHash: event.payload.passwordHash,
          bio: event.payload.bio,
          image: event.payload.image
        })
  })

const claim = (kind: "username" | "email", value: string) => {
  const key = kind === "username" ? usernameKey(value) : value
  return DecisionModel.make({
    query: Query.item({ types: [UserRegistered.type, UserUpdated.type], tags: [claimTag(kind, key)] }),
    events: [UserRegistered, UserUpdated],
    initial: Option.none<string>(),
    evolve: (owner, event) => {
      const current = kind === "username" ? usernameKey(event.payload.username) : event.payload.email
      if (current === key) return Option.some(event.payload.userId)
      // the event released the claim (the user moved to another value)
      return Option.isSome(owner) && owner.value === event.payload.userId ? Option.none() : owner
    }
  })
}

/**
 * Who holds a username, or any name with the same {@link usernameKey}
 * (none: free).
 *
 * @category models
 * @since 0.1.0
 */
export const usernameOwner = (username: string) => claim("username", username)

/**
 * Who holds an e-mail address (none: free).
 *
 * @category models
 * @since 0.1.0
 */
export const emailOwner = (email: string) => claim("email", email)

/**
 * Whether `followerId` follows `followeeId`.
 *
 * @category models
 * @since 0.1.0
 */
export const follows = (followerId: string, followeeId: string) =>
  DecisionModel.make({
    query: Query.item({
      types: [UserFollowed.type, UserUnfollowed.type],
      tags: [`follower:${followerId}`, `followee:${followeeId}`]
    }),
    events: [UserFollowed, UserUnfollowed],
    initial: false,
    evolve: (_, event) => event.type === "UserFollowed"
  })

/**
 * Everyone `followerId` follows (a persistent hash set: O(log n) an event).
 *
 * @category models
 * @since 0.1.0
 */
export const followees = (followerId: string) =>
  DecisionModel.make({
    query: Query.item({ types: [UserFollowed.type, UserUnfollowed.type], tags: [`follower:${followerId}`] }),
    events: [UserFollowed, UserUnfollowed],
    initial: HashSet.empty<string>(),
    evolve: (ids, event) =>
      event.type === "UserFollowed"
        ? HashSet.add(ids, event.payload.followeeId)
        : HashSet.remove(ids, event.payload.followeeId)
  })

/**
 * An article as the domain knows it.
 *
 * @category models
 * @since 0.1.0
 */
export interface Article {
  readonly articleId: string
  /** The sequence position of its `ArticleCreated` event (decimal). */
  readonly position: string
  readonly slug: string
  readonly authorId: string
  readonly title: string
  readonly description: string
  readonly body: string
  readonly tagList: ReadonlyArray<string>
  readonly createdAt: string
  readonly updatedAt: string
}

/**
 * An article's content, by id (none: never created, or deleted).
 *
 * @category models
 * @since 0.1.0
 */
export const article = (articleId: string) =>
  DecisionModel.make({
    query: Query.item({
      types: [ArticleCreated.type, ArticleUpdated.type, ArticleDeleted.type],
      tags: [`article:${articleId}`]
    }),
    events: [ArticleCreated, ArticleUpdated, ArticleDeleted],
    initial: Option.none<Article>(),
    evolve: (state, event): Option.Option<Article> => {
      switch (event.type) {
        case "ArticleCreated":
          return Option.some({ ...event.payload, position: String(event.position), updatedAt: event.payload.createdAt })
        case "ArticleUpdated":
          return Option.map(state, (a) => ({
            ...a,
            slug: event.payload.slug,
            title: event.payload.title,
            description: event.payload.description,
            body: event.payload.body,
            updatedAt: event.payload.updatedAt
          }))
        case "ArticleDeleted":
          return Option.none()
      }
    }
  })

/**
 * Which article holds a slug (none: free).
 *
 * @category models
 * @since 0.1.0
 */
export const slugOwner = (slug: string) =>
  DecisionModel.make({
    query: Query.item({
      types: [ArticleCreated.type, ArticleUpdated.type, ArticleDeleted.type],
      tags: [`slug:${slug}`]
    }),
    events: [ArticleCreated, ArticleUpdated, ArticleDeleted],
    initial: Option.none<string>(),
    evolve: (owner, event) => {
      if (event.type === "ArticleDeleted") return Option.none()
      if (event.payload.slug === slug) return Option.some(event.payload.articleId)
      return Option.isSome(owner) && owner.value === event.payload.articleId ? Option.none() : owner
    }
  })

/**
 * Whether one user has favorited one article: the narrow boundary of a
 * favorite, so favorites by different users never conflict.
 *
 * @category models
 * @since 0.1.0
 */
export const favorite = (articleId: string, userId: string) =>
  DecisionModel.make({
    query: Query.item({
      types: [ArticleFavorited.type, ArticleUnfavorited.type],
      tags: [`article:${articleId}`, `favoriter:${userId}`]
    }),
    events: [ArticleFavorited, ArticleUnfavorited],
    initial: false,
    evolve: (_, event) => event.type === "ArticleFavorited"
  })

/**
 * Everyone who currently favorites an article (its count is exact: one
 * entry per user, whatever the interleaving of favorites and unfavorites).
 * A persistent hash set: each event costs O(log n), so folding an article's
 * n favorites is O(n log n) (an array copied per event was O(n²)).
 *
 * @category models
 * @since 0.1.0
 */
export const favoriters = (articleId: string) =>
  DecisionModel.make({
    query: Query.item({ types: [ArticleFavorited.type, ArticleUnfavorited.type], tags: [`article:${articleId}`] }),
    events: [ArticleFavorited, ArticleUnfavorited],
    initial: HashSet.empty<string>(),
    evolve: (users, event) =>
      event.type === "ArticleFavorited"
        ? HashSet.add(users, event.payload.userId)
        : HashSet.remove(users, event.payload.userId)
  })

/**
 * A comment.
 *
 * @category models
 * @since 0.1.0
 */
export interface Comment {
  readonly commentId: number
  readonly authorId: string
  readonly body: string
  readonly createdAt: string
}

/**
 * The comments of an article, oldest first, and the last id given.
 *
 * @category models
 * @since 0.1.0
 */
export const comments = (articleId: string) =>
  DecisionModel.make({
    query: Query.item({ types: [CommentAdded.type, CommentDeleted.type], tags: [`comment:${articleId}`] }),
    events: [CommentAdded, CommentDeleted],
    initial: { lastId: 0, comments: [] as ReadonlyArray<Comment> },
    evolve: (state, event) =>
      event.type === "CommentAdded"
        ? {
          lastId: Math.max(state.lastId, event.payload.commentId),
          comments: [...state.comments, {
            commentId: event.payload.commentId,
            authorId: event.payload.authorId,
            body: event.payload.body,
            createdAt: event.payload.createdAt
          }]
        }
        : { ...state, comments: state.comments.filter((c) => c.commentId !== event.payload.commentId) }
  })
