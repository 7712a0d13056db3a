/**
 * The request and response bodies of the Conduit API (RealWorld spec),
 * wrapped as the spec says (`{"user": …}`, `{"article": …}`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const Required = Schema.String.check(Schema.isNonEmpty({ message: "can't be blank" }))
const Email = Required.check(Schema.isPattern(/^[^\s@]+@[^\s@]+$/, { message: "is invalid" }))
const Count = Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))

/** @category users @since 0.1.0 */
export const NewUserRequest = Schema.Struct({
  user: Schema.Struct({ username: Required, email: Email, password: Required })
})

/** @category users @since 0.1.0 */
export const LoginRequest = Schema.Struct({
  user: Schema.Struct({ email: Required, password: Required })
})

/** @category users @since 0.1.0 */
export const UpdateUserRequest = Schema.Struct({
  user: Schema.Struct({
    email: Schema.optionalKey(Email),
    username: Schema.optionalKey(Required),
    password: Schema.optionalKey(Required),
    bio: Schema.optionalKey(Schema.NullOr(Schema.String)),
    image: Schema.optionalKey(Schema.NullOr(Schema.String))
  })
})

/** @category users @since 0.1.0 */
export const User = Schema.Struct({
  email: Schema.String,
  token: Schema.String,
  username: Schema.String,
  bio: Schema.NullOr(Schema.String),
  image: Schema.NullOr(Schema.String)
})

/** @category users @since 0.1.0 */
export const UserResponse = Schema.Struct({ user: User })

/** @category profiles @since 0.1.0 */
export const Profile = Schema.Struct({
  username: Schema.String,
  bio: Schema.NullOr(Schema.String),
  image: Schema.NullOr(Schema.String),
  following: Schema.Boolean
})

/** @category profiles @since 0.1.0 */
export const ProfileResponse = Schema.Struct({ profile: Profile })

/** @category articles @since 0.1.0 */
export const Article = Schema.Struct({
  slug: Schema.String,
  title: Schema.String,
  description: Schema.String,
  body: Schema.String,
  tagList: Schema.Array(Schema.String),
  createdAt: Schema.String,
  updatedAt: Schema.String,
  favorited: Schema.Boolean,
  favoritesCount: Schema.Int,
  author: Profile
})

/** @category articles @since 0.1.0 */
export const SingleArticleResponse = Schema.Struct({ article: Article })

/** @category articles @since 0.1.0 */
export const MultipleArticlesResponse = Schema.Struct({ articles: Schema.Array(Article), articlesCount: Schema.Int })

/** @category articles @since 0.1.0 */
export const NewArticleRequest = Schema.Struct({
  article: Schema.Struct({
    title: Required,
    description: Required,
    body: Required,
    tagList: Schema.optionalKey(Schema.Array(Schema.String))
  })
})

/** @category articles @since 0.1.0 */
export const UpdateArticleRequest = Schema.Struct({
  article: Schema.Struct({
    title: Schema.optionalKey(Required),
    description: Schema.optionalKey(Required),
    body: Schema.optionalKey(Required)
  })
})

/** @category articles @since 0.1.0 */
export const ListQuery = {
  tag: Schema.optionalKey(Schema.String),
  author: Schema.optionalKey(Schema.String),
  favorited: Schema.optionalKey(Schema.String),
  limit: Schema.optionalKey(Count),
  offset: Schema.optionalKey(Count)
}

/** @category articles @since 0.1.0 */
export const PageQuery = {
  limit: Schema.optionalKey(Count),
  offset: Schema.optionalKey(Count)
}

/** @category comments @since 0.1.0 */
export const Comment = Schema.Struct({
  id: Schema.Int,
  createdAt: Schema.String,
  updatedAt: Schema.String,
  body: Schema.String,
  author: Profile
})

/** @category comments @since 0.1.0 */
export const SingleCommentResponse = Schema.Struct({ comment: Comment })

/** @category comments @since 0.1.0 */
export const MultipleCommentsResponse = Schema.Struct({ comments: Schema.Array(Comment) })

/** @category comments @since 0.1.0 */
export const NewCommentRequest = Schema.Struct({ comment: Schema.Struct({ body: Required }) })

/** @category tags @since 0.1.0 */
export const TagsResponse = Schema.Struct({ tags: Schema.Array(Schema.String) })
