/**
 * The Conduit HTTP API: every endpoint of the RealWorld spec under `/api`,
 * each state change a Fairway Command (`Route.command`), each read from the
 * decision models or the list views, errors as the spec's
 * `{"errors": {"body": [...]}}`.
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import { HttpApiEndpoint, HttpApiSchema } from "effect/http-api"
import { App, ErrorHandling, Route } from "fairway/Http"
import { LoginThrottle, optionalUser, Passwords, requireUser } from "./auth.ts"
import { AddComment } from "./commands/AddComment.ts"
import { CreateArticle } from "./commands/CreateArticle.ts"
import { DeleteArticle } from "./commands/DeleteArticle.ts"
import { DeleteComment } from "./commands/DeleteComment.ts"
import { FavoriteArticle } from "./commands/FavoriteArticle.ts"
import { FollowUser } from "./commands/FollowUser.ts"
import { RegisterUser } from "./commands/RegisterUser.ts"
import { UnfavoriteArticle } from "./commands/UnfavoriteArticle.ts"
import { UnfollowUser } from "./commands/UnfollowUser.ts"
import { UpdateArticle } from "./commands/UpdateArticle.ts"
import { UpdateUser } from "./commands/UpdateUser.ts"
import { NotFound, Unauthorized } from "./domain/errors.ts"
import { CommentAdded } from "./domain/events.ts"
import * as Reads from "./reads.ts"
import * as S from "./schemas.ts"

const userIdOf = (username: string) =>
  Effect.flatMap(Reads.userByUsername(username.normalize("NFC")), (user) =>
    Option.isNone(user) ? Effect.fail(new NotFound({ message: "profile not found" })) : Effect.succeed(user.value.userId))

const decoder = new TextDecoder()
const viewerId = Effect.map(optionalUser, Option.map((user) => user.userId))
const slugParams = { slug: Schema.String }
const usernameParams = { username: Schema.String }

// -- users --------------------------------------------------------------------

const register = Route.command("register", "POST", "/users", RegisterUser, {
  payload: S.NewUserRequest,
  input: ({ payload }) =>
    Effect.gen(function*() {
      const passwordHash = yield* (yield* Passwords).hash(payload.user.password)
      return { userId: crypto.randomUUID(), username: payload.user.username, email: payload.user.email, passwordHash }
    }),
  success: S.UserResponse.pipe(HttpApiSchema.status(201)),
  respond: (_, input) => Reads.userResponse(input.userId)
})

const login = Route.route(
  HttpApiEndpoint.post("login", "/users/login", { payload: S.LoginRequest, success: S.UserResponse }),
  ({ payload }) =>
    Effect.gen(function*() {
      // one rate limit per account, whether or not it exists; the KDF runs either way (a dummy hash for an
      // unknown e-mail), so the answer takes the same time and says nothing about which part was wrong
      const email = S.canonicalEmail(payload.user.email)
      const throttle = yield* LoginThrottle
      yield* throttle.attempt(email)
      const user = yield* Reads.userByEmail(email)
      const ok = yield* (yield* Passwords).verify(payload.user.password, Option.map(user, (u) => u.passwordHash))
      if (!ok || Option.isNone(user)) return yield* new Unauthorized({ message: "email or password is invalid" })
      yield* throttle.succeeded(email)
      return yield* Reads.userResponse(user.value.userId)
    })
)

const currentUser = Route.route(
  HttpApiEndpoint.get("currentUser", "/user", { success: S.UserResponse }),
  () => Effect.flatMap(requireUser, (user) => Reads.userResponse(user.userId))
)

const updateUser = Route.command("updateUser", "PUT", "/user", UpdateUser, {
  payload: S.UpdateUserRequest,
  input: ({ payload }) =>
    Effect.gen(function*() {
      const { userId } = yield* requireUser
      const { password, ...rest } = payload.user
      return {
        userId,
        ...rest,
        ...(password !== undefined ? { passwordHash: yield* (yield* Passwords).hash(password) } : {})
      }
    }),
  success: S.UserResponse,
  respond: (_, input) => Reads.userResponse(input.userId)
})

// -- profiles -----------------------------------------------------------------

const getProfile = Route.route(
  HttpApiEndpoint.get("getProfile", "/profiles/:username", { params: usernameParams, success: S.ProfileResponse }),
  ({ params }) =>
    Effect.gen(function*() {
      const viewer = yield* viewerId
      const user = yield* Reads.userByUsername(params.username.normalize("NFC"))
      if (Option.isNone(user)) return yield* new NotFound({ message: "profile not found" })
      return { profile: yield* Reads.profile(user.value, viewer) }
    })
)

const followInput = ({ params }: { readonly params: { readonly username: string } }) =>
  Effect.gen(function*() {
    const { userId: followerId } = yield* requireUser
    return { followerId, followeeId: yield* userIdOf(params.username) }
  })
const profileAfter = (_: unknown, input: { readonly followerId: string; readonly followeeId: string }) =>
  Effect.map(Reads.profileOf(input.followeeId, Option.some(input.followerId)), (profile) => ({ profile }))

const follow = Route.command("follow", "POST", "/profiles/:username/follow", FollowUser, {
  params: usernameParams,
  input: followInput,
  success: S.ProfileResponse,
  respond: profileAfter
})

const unfollow = Route.command("unfollow", "DELETE", "/profiles/:username/follow", UnfollowUser, {
  params: usernameParams,
  input: followInput,
  success: S.ProfileResponse,
  respond: profileAfter
})

// -- articles -----------------------------------------------------------------

const listArticles = Route.route(
  HttpApiEndpoint.get("listArticles", "/articles", { query: S.ListQuery, success: S.MultipleArticlesResponse }),
  ({ query }) => Effect.flatMap(viewerId, (viewer) => Reads.listArticles(query, viewer))
)

const feed = Route.route(
  HttpApiEndpoint.get("feed", "/articles/feed", { query: S.PageQuery, success: S.MultipleArticlesResponse }),
  ({ query }) => Effect.flatMap(requireUser, (viewer) => Reads.feed(viewer.userId, query.limit, query.offset))
)

const getArticle = Route.route(
  HttpApiEndpoint.get("getArticle", "/articles/:slug", { params: slugParams, success: S.SingleArticleResponse }),
  ({ params }) =>
    Effect.gen(function*() {
      const viewer = yield* viewerId
      return yield* Reads.articleResponse(yield* Reads.articleIdOf(params.slug), viewer)
    })
)

const createArticle = Route.command("createArticle", "POST", "/articles", CreateArticle, {
  payload: S.NewArticleRequest,
  input: ({ payload }) =>
    Effect.map(requireUser, ({ userId: authorId }) => ({
      articleId: crypto.randomUUID(),
      authorId,
      title: payload.article.title,
      description: payload.article.description,
      body: payload.article.body,
      tagList: payload.article.tagList ?? []
    })),
  success: S.SingleArticleResponse.pipe(HttpApiSchema.status(201)),
  respond: (_, input) => Reads.articleResponse(input.articleId, Option.some(input.authorId))
})

const updateArticle = Route.command("updateArticle", "PUT", "/articles/:slug", UpdateArticle, {
  params: slugParams,
  payload: S.UpdateArticleRequest,
  input: ({ params, payload }) =>
    Effect.gen(function*() {
      const { userId } = yield* requireUser
      return { articleId: yield* Reads.articleIdOf(params.slug), userId, ...payload.article }
    }),
  success: S.SingleArticleResponse,
  respond: (_, input) => Reads.articleResponse(input.articleId, Option.some(input.userId))
})

const articleInput = ({ params }: { readonly params: { readonly slug: string } }) =>
  Effect.gen(function*() {
    const { userId } = yield* requireUser
    return { articleId: yield* Reads.articleIdOf(params.slug), userId }
  })

const deleteArticle = Route.command("deleteArticle", "DELETE", "/articles/:slug", DeleteArticle, {
  params: slugParams,
  input: articleInput,
  success: HttpApiSchema.Empty(200),
  respond: () => undefined
})

const favoriteAfter = (_: unknown, input: { readonly articleId: string; readonly userId: string }) =>
  Reads.articleResponse(input.articleId, Option.some(input.userId))

const favorite = Route.command("favorite", "POST", "/articles/:slug/favorite", FavoriteArticle, {
  params: slugParams,
  input: articleInput,
  success: S.SingleArticleResponse,
  respond: favoriteAfter
})

const unfavorite = Route.command("unfavorite", "DELETE", "/articles/:slug/favorite", UnfavoriteArticle, {
  params: slugParams,
  input: articleInput,
  success: S.SingleArticleResponse,
  respond: favoriteAfter
})

// -- comments -----------------------------------------------------------------

const listComments = Route.route(
  HttpApiEndpoint.get("listComments", "/articles/:slug/comments", {
    params: slugParams,
    success: S.MultipleCommentsResponse
  }),
  ({ params }) =>
    Effect.gen(function*() {
      const viewer = yield* viewerId
      return { comments: yield* Reads.commentsOf(yield* Reads.articleIdOf(params.slug), viewer) }
    })
)

const addComment = Route.command("addComment", "POST", "/articles/:slug/comments", AddComment, {
  params: slugParams,
  payload: S.NewCommentRequest,
  input: ({ params, payload }) =>
    Effect.gen(function*() {
      const { userId: authorId } = yield* requireUser
      return { articleId: yield* Reads.articleIdOf(params.slug), authorId, body: payload.comment.body }
    }),
  success: S.SingleCommentResponse,
  respond: (result, input) =>
    Effect.gen(function*() {
      const added = result.events.find((e) => e.type === CommentAdded.type)
      const commentId = added === undefined ? undefined : (JSON.parse(decoder.decode(added.data)) as { commentId: number }).commentId
      const comments = yield* Reads.commentsOf(input.articleId, Option.some(input.authorId))
      const comment = comments.find((c) => c.id === commentId)
      if (comment === undefined) return yield* new NotFound({ message: "comment not found" })
      return { comment }
    })
})

const deleteComment = Route.command("deleteComment", "DELETE", "/articles/:slug/comments/:id", DeleteComment, {
  params: { slug: Schema.String, id: S.WholeNumber(999_999_999) },
  input: ({ params }) =>
    Effect.gen(function*() {
      const { userId } = yield* requireUser
      return { articleId: yield* Reads.articleIdOf(params.slug), commentId: params.id, userId }
    }),
  success: HttpApiSchema.Empty(200),
  respond: () => undefined
})

// -- tags ---------------------------------------------------------------------

const getTags = Route.route(
  HttpApiEndpoint.get("getTags", "/tags", { success: S.TagsResponse }),
  () => Reads.tags
)

// -- the OpenAPI document -------------------------------------------------------

/**
 * The title and version the OpenAPI document gives the API.
 *
 * @category api
 * @since 0.1.0
 */
export const info = { title: "Conduit API (RealWorld, on Fairway)", version: "1.0.0" } as const

/**
 * Renders problems as the spec's error body `{"errors": {"body": [...]}}`.
 *
 * @category errors
 * @since 0.1.0
 */
export const render: ErrorHandling.Render = (problem) => {
  const errors = (status: number, messages: ReadonlyArray<string>, headers?: Record<string, string>) =>
    Effect.succeed(
      ErrorHandling.jsonResponse(status, { errors: { body: messages } }, headers)
    )
  switch (problem._tag) {
    case "Validation":
      return errors(422, problem.issues.map((i) => {
        // name the field as the client wrote it: `user.email`, `limit` (not `payload.user.email`, `query.limit`)
        const path = i.path.replace(/^(payload|query|params)(\.|$)/, "")
        return path === "" ? i.message : `${path} ${i.message}`
      }))
    case "Declared":
    case "Domain": {
      const error = problem.error as { readonly message?: string; readonly retryAfterSeconds?: number }
      const status = problem._tag === "Domain" ? problem.status : ErrorHandling.declaredStatus(problem.error) ?? 500
      const headers = status === 429 && typeof error.retryAfterSeconds === "number"
        ? { "retry-after": String(error.retryAfterSeconds) }
        : undefined
      return errors(status, [status >= 500 ? "internal server error" : error.message ?? "error"], headers)
    }
    case "Conflict":
      return errors(409, [problem.message])
    case "Overloaded":
      return errors(503, ["the service is overloaded; retry later"], { "retry-after": String(problem.retryAfterSeconds) })
    case "Internal":
      return errors(500, ["internal server error"])
  }
}

/**
 * Every route of the API.
 *
 * @category api
 * @since 0.1.0
 */
export const routes = [
  register,
  login,
  currentUser,
  updateUser,
  getProfile,
  follow,
  unfollow,
  feed,
  listArticles,
  getArticle,
  createArticle,
  updateArticle,
  deleteArticle,
  favorite,
  unfavorite,
  listComments,
  addComment,
  deleteComment,
  getTags
] as const

/**
 * The Conduit app: its HttpApi and layer. Its OpenAPI document, titled
 * ({@link info}), is served at `/api/openapi.json`.
 *
 * @category api
 * @since 0.1.0
 */
export const app = App.make("conduit", routes, {
  prefix: "/api",
  openapiPath: "/api/openapi.json",
  openapi: info,
  render
})
