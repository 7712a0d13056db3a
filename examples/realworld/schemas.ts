/**
 * The request and response bodies of the Conduit API (RealWorld spec),
 * wrapped as the spec says (`{"user": …}`, `{"article": …}`).
 *
 * Every text field of a request is well-formed Unicode ({@link isWellFormed}),
 * has a length limit, and every list a count limit ({@link limits}); a request over a limit is answered 422 with the
 * field named (`"article.tagList has at most 10 tags"`). Usernames and
 * e-mail addresses are normalized while decoding (see {@link Username},
 * {@link Email}); `limit` and `offset` are strict whole numbers.
 *
 * @since 0.1.0
 */
import { Schema, SchemaTransformation } from "effect"
import { EventStore } from "fairway/Dcb"

/**
 * The limits of every field, in characters (Unicode code points for
 * usernames, UTF-16 code units elsewhere) unless said otherwise. Together
 * they keep every event under the event store's payload limit.
 *
 * @category limits
 * @since 0.1.0
 */
export const limits = {
  username: 32,
  email: 254,
  passwordMin: 8,
  passwordMax: 256,
  bio: 1_000,
  image: 2_048,
  title: 200,
  description: 1_000,
  body: 12_000,
  tags: 10,
  tag: 32,
  comment: 5_000,
  /**
   * Most comments an article takes, deleted ones included (its thread is
   * read whole by every comment list and every new comment).
   */
  commentsPerArticle: 1_000,
  /** Most users one user follows (the feed merges their lists). */
  follows: 1_000,
  /** Largest `limit` of a list request. */
  pageSize: 100,
  /** Largest `offset` of a list request. */
  offset: 100_000
} as const

const normalized = (f: (s: string) => string) =>
  SchemaTransformation.transform({ decode: f, encode: (s: string) => s })

const maxLength = (n: number) => Schema.isMaxLength(n, { message: `is too long (at most ${n} characters)` })

/**
 * Well-formed UTF-16: no lone surrogate (JSON's `"\ud800"` escape can carry
 * one). Such text cannot be encoded (UTF-8, URI components, store tags and
 * keys), so every text field refuses it.
 *
 * @category text
 * @since 0.1.0
 */
export const isWellFormed = Schema.makeFilter((s: string) => EventStore.isWellFormed(s), {
  message: "must be well-formed Unicode text"
})

/** A required text: not blank, at most `max` characters. */
const text = (max: number) =>
  Schema.String.check(
    Schema.makeFilter((s: string) => s.trim() !== "", { message: "can't be blank" }),
    maxLength(max),
    isWellFormed
  )

/**
 * The username pattern: letters, digits (any script), combining marks, `_`
 * and `-`, starting with a letter or a digit. Nothing a URL path treats
 * specially, so every username can be looked up at `/api/profiles/<name>`.
 *
 * @category users
 * @since 0.1.0
 */
export const usernamePattern = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}_-]*$/u

/**
 * A username: normalized to Unicode NFC, 1 to {@link limits}`.username`
 * code points of {@link usernamePattern}.
 *
 * @category users
 * @since 0.1.0
 */
export const Username = Schema.String.pipe(Schema.decodeTo(
  Schema.String.check(Schema.makeFilter((s: string) => {
    if (s === "") return "can't be blank"
    if ([...s].length > limits.username) return `is too long (at most ${limits.username} characters)`
    if (!usernamePattern.test(s)) return "may hold only letters, digits, '_' and '-', and must start with a letter or a digit"
    return true
  })),
  normalized((s) => s.normalize("NFC"))
))

/**
 * The canonical form of an e-mail address: trimmed, NFC, lower case. Two
 * addresses that differ only in case are the same account.
 *
 * @category users
 * @since 0.1.0
 */
export const canonicalEmail = (email: string): string => email.trim().normalize("NFC").toLowerCase()

/**
 * An e-mail address, decoded to its {@link canonicalEmail} form.
 *
 * @category users
 * @since 0.1.0
 */
export const Email = Schema.String.pipe(Schema.decodeTo(
  Schema.String.check(
    Schema.isNonEmpty({ message: "can't be blank" }),
    maxLength(limits.email),
    Schema.isPattern(/^[^\s@]+@[^\s@]+$/, { message: "is invalid" }),
    isWellFormed
  ),
  normalized(canonicalEmail)
))

const Password = Schema.String.check(
  Schema.isMinLength(limits.passwordMin, { message: `is too short (at least ${limits.passwordMin} characters)` }),
  maxLength(limits.passwordMax),
  isWellFormed
)

/**
 * A profile image: an absolute `http:` or `https:` URL, or `null` (an empty
 * string clears it too).
 *
 * @category users
 * @since 0.1.0
 */
export const Image = Schema.NullOr(Schema.String).pipe(Schema.decodeTo(
  Schema.NullOr(Schema.String.check(
    maxLength(limits.image),
    isWellFormed,
    Schema.makeFilter((s: string) => {
      try {
        const url = new URL(s)
        return url.protocol === "http:" || url.protocol === "https:"
      } catch {
        return false
      }
    }, { message: "must be an http(s) URL" })
  )),
  SchemaTransformation.transform({
    decode: (s: string | null) => (s === null || s.trim() === "" ? null : s.trim()),
    encode: (s: string | null) => s
  })
))

/**
 * A tag: trimmed, NFC, 1 to {@link limits}`.tag` characters.
 *
 * @category articles
 * @since 0.1.0
 */
export const Tag = Schema.String.pipe(Schema.decodeTo(
  text(limits.tag),
  normalized((s) => s.trim().normalize("NFC"))
))

const TagList = Schema.Array(Tag).check(
  Schema.isMaxLength(limits.tags, { message: `has at most ${limits.tags} tags` })
)

/**
 * A strict whole number in a query string (`"20"`, not `"2e1"`, `" 20"` or
 * `""`), at most `max`.
 *
 * @category queries
 * @since 0.1.0
 */
export const WholeNumber = (max: number) =>
  Schema.String.check(
    Schema.isPattern(/^(0|[1-9][0-9]{0,8})$/, { message: "must be a whole number" })
  ).pipe(Schema.decodeTo(
    Schema.Number.check(Schema.isLessThanOrEqualTo(max, { message: `must be at most ${max}` })),
    SchemaTransformation.transform({ decode: (s: string) => Number(s), encode: (n: number) => String(n) })
  ))

/** @category users @since 0.1.0 */
export const NewUserRequest = Schema.Struct({
  user: Schema.Struct({ username: Username, email: Email, password: Password })
})

/** @category users @since 0.1.0 */
export const LoginRequest = Schema.Struct({
  user: Schema.Struct({
    email: Schema.String.check(Schema.isNonEmpty({ message: "can't be blank" }), maxLength(limits.email), isWellFormed),
    password: Schema.String.check(
      Schema.isNonEmpty({ message: "can't be blank" }),
      maxLength(limits.passwordMax),
      isWellFormed
    )
  })
})

/** @category users @since 0.1.0 */
export const UpdateUserRequest = Schema.Struct({
  user: Schema.Struct({
    email: Schema.optionalKey(Email),
    username: Schema.optionalKey(Username),
    password: Schema.optionalKey(Password),
    bio: Schema.optionalKey(Schema.NullOr(Schema.String.check(maxLength(limits.bio), isWellFormed))),
    image: Schema.optionalKey(Image)
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
    title: text(limits.title),
    description: text(limits.description),
    body: text(limits.body),
    tagList: Schema.optionalKey(TagList)
  })
})

/** @category articles @since 0.1.0 */
export const UpdateArticleRequest = Schema.Struct({
  article: Schema.Struct({
    title: Schema.optionalKey(text(limits.title)),
    description: Schema.optionalKey(text(limits.description)),
    body: Schema.optionalKey(text(limits.body))
  })
})

/** @category articles @since 0.1.0 */
export const PageQuery = {
  limit: Schema.optionalKey(WholeNumber(limits.pageSize)),
  offset: Schema.optionalKey(WholeNumber(limits.offset))
}

/** @category articles @since 0.1.0 */
export const ListQuery = {
  tag: Schema.optionalKey(Schema.String.pipe(Schema.decodeTo(
    Schema.String.check(maxLength(limits.tag)),
    normalized((s) => s.trim().normalize("NFC"))
  ))),
  author: Schema.optionalKey(Schema.String.check(maxLength(limits.username * 2))),
  favorited: Schema.optionalKey(Schema.String.check(maxLength(limits.username * 2))),
  ...PageQuery
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
export const NewCommentRequest = Schema.Struct({ comment: Schema.Struct({ body: text(limits.comment) }) })

/** @category tags @since 0.1.0 */
export const TagsResponse = Schema.Struct({ tags: Schema.Array(Schema.String) })
