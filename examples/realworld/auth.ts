/**
 * Authentication.
 *
 * - Passwords: Argon2id (node's `crypto`) at the OWASP Password Storage
 *   guidance (19 MiB, 2 passes, 1 lane; {@link kdf}), or scrypt at OWASP
 *   parameters where node has no Argon2 (before 24.7; {@link scryptKdf},
 *   {@link passwordHashing}); a login for an unknown
 *   e-mail runs the same KDF on a dummy hash, so both failures take the same
 *   time ({@link Passwords}).
 * - Tokens: HS256 (`jose`) with `sub`, `iat` and a required `exp`, and a
 *   credential stamp (`cv`) derived from the password hash: a password change
 *   invalidates every token issued before it ({@link Jwt}).
 * - The secret comes from `REALWORLD_JWT_SECRET` and has at least 32 bytes;
 *   on a shared store (FoundationDB) it must be set, and the server refuses
 *   to start without it ({@link layerJwt}).
 * - Logins are limited per account ({@link LoginThrottle}).
 * - The caller: every authenticated route loads the token's user and answers
 *   401 when it does not exist or the token is stale ({@link requireUser}).
 *
 * @since 0.1.0
 */
import { Clock, Config, Context, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { HttpServerRequest } from "effect/http"
import { DecisionModel, type EventStore } from "fairway/Dcb"
import { jwtVerify, SignJWT } from "jose"
// a namespace import: `argon2` is missing before Node 24.7, and a named import of it would not even load there
import * as NodeCrypto from "node:crypto"
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { Unauthorized } from "./domain/errors.ts"
import * as Models from "./domain/models.ts"

// -- passwords ----------------------------------------------------------------

/**
 * The password KDF: Argon2id with 19 MiB of memory, 2 passes and 1 lane (the
 * OWASP Password Storage Cheat Sheet's first recommendation), a 16-byte salt
 * and a 32-byte key.
 *
 * @category passwords
 * @since 0.1.0
 */
export const kdf = { memoryKiB: 19_456, passes: 2, parallelism: 1, keyLength: 32, saltLength: 16 } as const

/**
 * The KDF used where node's `crypto` has no Argon2 (`crypto.argon2` came in
 * Node 24.7; Fairway supports Node 22): scrypt with N = 2^16, r = 8, p = 2
 * (64 MiB), one of the OWASP Password Storage Cheat Sheet's scrypt
 * settings, a 16-byte salt and a 32-byte key.
 *
 * @category passwords
 * @since 0.1.0
 */
export const scryptKdf = { N: 65_536, r: 8, p: 2, keyLength: 32, saltLength: 16 } as const

/**
 * The parts of node's `crypto` the password hashing uses: `argon2` is
 * missing before Node 24.7.
 *
 * @category passwords
 * @since 0.1.0
 */
export interface CryptoKdfs {
  readonly argon2?: typeof NodeCrypto.argon2 | undefined
  readonly scrypt: typeof NodeCrypto.scrypt
}

/**
 * Password hashing with the KDF a runtime has: `hash` with Argon2id
 * ({@link kdf}) when `crypto.argon2` exists, else with scrypt
 * ({@link scryptKdf}); `verify` checks both formats (and the earlier scrypt
 * one), in constant time, with the cost a stored hash may ask for bounded.
 * A runtime without Argon2 answers `false` for an Argon2id hash (and logs
 * why) rather than crashing.
 *
 * @category passwords
 * @since 0.1.0
 */
export interface PasswordHashing {
  readonly kdf: "argon2id" | "scrypt"
  readonly hash: (password: string) => Effect.Effect<string>
  readonly verify: (password: string, hash: string) => Effect.Effect<boolean>
}

const boundedInt = (s: string | undefined, max: number): number | undefined => {
  if (s === undefined || !/^[1-9][0-9]{0,9}$/.test(s)) return undefined
  const n = Number(s)
  return n <= max ? n : undefined
}

/**
 * {@link PasswordHashing} over the given `crypto` functions (node's by
 * default: see {@link passwordHashing}).
 *
 * @category passwords
 * @since 0.1.0
 */
export const makePasswordHashing = (crypto: CryptoKdfs): PasswordHashing => {
  const argon2 = typeof crypto.argon2 === "function" ? crypto.argon2 : undefined
  const argon2id = (password: string, salt: Buffer, params: { memory: number; passes: number; parallelism: number; tagLength: number }) =>
    Effect.callback<Buffer>((resume) => {
      argon2!("argon2id", { message: password, nonce: salt, ...params }, (error, key) => {
        resume(error === null ? Effect.succeed(key) : Effect.die(error))
      })
    })
  const scrypt = (password: string, salt: Buffer, params: { N: number; r: number; p: number; keyLength: number }) =>
    Effect.callback<Buffer>((resume) => {
      crypto.scrypt(password, salt, params.keyLength, { N: params.N, r: params.r, p: params.p, maxmem: 80 * 1024 * 1024 }, (error, key) => {
        resume(error === null ? Effect.succeed(key) : Effect.die(error))
      })
    })
  const hash = (password: string): Effect.Effect<string> =>
    Effect.gen(function*() {
      if (argon2 === undefined) {
        const salt = randomBytes(scryptKdf.saltLength)
        const key = yield* scrypt(password, salt, scryptKdf)
        const { N, p, r } = scryptKdf
        return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`
      }
      const salt = randomBytes(kdf.saltLength)
      const key = yield* argon2id(password, salt, {
        memory: kdf.memoryKiB,
        passes: kdf.passes,
        parallelism: kdf.parallelism,
        tagLength: kdf.keyLength
      })
      return `$argon2id$v=19$m=${kdf.memoryKiB},t=${kdf.passes},p=${kdf.parallelism}$${salt.toString("base64")}$${key.toString("base64")}`
    })
  const verify = (password: string, hash: string): Effect.Effect<boolean> =>
    Effect.gen(function*() {
      const argon = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(hash)
      let expected: Buffer
      let actual: Buffer
      if (argon !== null) {
        const memory = boundedInt(argon[1], 256 * 1024) // at most 256 MiB, whatever a stored hash says
        const passes = boundedInt(argon[2], 64)
        const parallelism = boundedInt(argon[3], 16)
        if (memory === undefined || passes === undefined || parallelism === undefined) return false
        if (argon2 === undefined) {
          yield* Effect.logError("an Argon2id password hash cannot be checked: this Node.js has no crypto.argon2 (Node >= 24.7)")
          return false
        }
        expected = Buffer.from(argon[5]!, "base64")
        actual = yield* argon2id(password, Buffer.from(argon[4]!, "base64"), {
          memory,
          passes,
          parallelism,
          tagLength: expected.length
        })
      } else {
        const [scheme, n, r, p, salt, key] = hash.split("$")
        const N = boundedInt(n, 1 << 20)
        const rr = boundedInt(r, 32)
        const pp = boundedInt(p, 16)
        if (
          scheme !== "scrypt" || salt === undefined || key === undefined || N === undefined || rr === undefined ||
          pp === undefined || 128 * N * rr > 64 * 1024 * 1024
        ) {
          return false
        }
        expected = Buffer.from(key, "base64")
        actual = yield* scrypt(password, Buffer.from(salt, "base64"), { N, r: rr, p: pp, keyLength: expected.length })
      }
      return actual.length === expected.length && timingSafeEqual(actual, expected)
    })
  return { kdf: argon2 === undefined ? "scrypt" : "argon2id", hash, verify }
}

/**
 * {@link PasswordHashing} with node's `crypto`: Argon2id on Node >= 24.7,
 * scrypt before.
 *
 * @category passwords
 * @since 0.1.0
 */
export const passwordHashing: PasswordHashing = makePasswordHashing(NodeCrypto)

/**
 * Hashes a password with {@link passwordHashing}:
 * `$argon2id$v=19$m=19456,t=2,p=1$<salt b64>$<key b64>` ({@link kdf}), or
 * `scrypt$65536$8$2$<salt b64>$<key b64>` ({@link scryptKdf}) where node has
 * no Argon2.
 *
 * @category passwords
 * @since 0.1.0
 */
export const hashPassword = (password: string): Effect.Effect<string> => passwordHashing.hash(password)

/**
 * Whether a password matches a hash from {@link hashPassword} (or a hash of
 * the earlier scrypt format), compared in constant time.
 *
 * @category passwords
 * @since 0.1.0
 */
export const verifyPassword = (password: string, hash: string): Effect.Effect<boolean> =>
  passwordHashing.verify(password, hash)

/**
 * Hashes and checks passwords. `verify` with no hash (an unknown account)
 * runs the KDF on a dummy hash and answers `false`: a login for an unknown
 * e-mail costs the same time as one with a wrong password.
 *
 * @category passwords
 * @since 0.1.0
 */
export class Passwords extends Context.Service<Passwords, {
  readonly hash: (password: string) => Effect.Effect<string>
  readonly verify: (password: string, hash: Option.Option<string>) => Effect.Effect<boolean>
}>()("realworld/Passwords") {}

/**
 * {@link Passwords} with {@link kdf}; the dummy hash is made once, when the
 * layer is built.
 *
 * @category passwords
 * @since 0.1.0
 */
export const layerPasswords: Layer.Layer<Passwords> = Layer.effect(
  Passwords,
  Effect.suspend(() => makePasswords(passwordHashing))
)

/**
 * {@link Passwords} over a {@link PasswordHashing} (e.g. one made by
 * {@link makePasswordHashing} for a runtime without Argon2); the dummy hash
 * is made with the same KDF, so an unknown account costs what a known one
 * does.
 *
 * @category passwords
 * @since 0.1.0
 */
export const makePasswords = (hashing: PasswordHashing): Effect.Effect<Passwords["Service"]> =>
  Effect.map(hashing.hash(randomBytes(16).toString("base64")), (dummy) =>
    Passwords.of({
      hash: hashing.hash,
      verify: (password, hash) =>
        Option.isSome(hash)
          ? hashing.verify(password, hash.value)
          : Effect.as(hashing.verify(password, dummy), false)
    }))

// -- tokens -------------------------------------------------------------------

/**
 * The claims of a valid token: the user, and the stamp of the credentials
 * it was issued for (see {@link credentialStamp}).
 *
 * @category tokens
 * @since 0.1.0
 */
export interface Claims {
  readonly userId: string
  readonly credential: string
}

/**
 * The stamp of a password hash carried by tokens (`cv`): a new password
 * (hence a new salted hash) gives a new stamp, and tokens with the old one
 * stop working.
 *
 * @category tokens
 * @since 0.1.0
 */
export const credentialStamp = (passwordHash: string): string =>
  createHash("sha256").update(passwordHash).digest("base64url").slice(0, 22)

/**
 * Signs and verifies tokens.
 *
 * @category tokens
 * @since 0.1.0
 */
export class Jwt extends Context.Service<Jwt, {
  readonly sign: (userId: string, passwordHash: string) => Effect.Effect<string>
  readonly verify: (token: string) => Effect.Effect<Claims, Unauthorized>
}>()("realworld/Jwt") {}

/**
 * The JWT secret is missing or too short.
 *
 * @category tokens
 * @since 0.1.0
 */
export class JwtSecretError extends Schema.TaggedError<JwtSecretError>()("JwtSecretError", {
  message: Schema.String
}) {}

/**
 * The fewest bytes (UTF-8) a JWT secret has.
 *
 * @category tokens
 * @since 0.1.0
 */
export const minSecretBytes = 32

const encoder = new TextEncoder()

/**
 * {@link Jwt} with a given secret (at least {@link minSecretBytes} bytes);
 * tokens expire after `expiresIn` (default `"24h"`).
 *
 * @category tokens
 * @since 0.1.0
 */
export const makeJwt = (
  secret: string,
  options?: { readonly expiresIn?: string | undefined }
): Effect.Effect<Jwt["Service"], JwtSecretError> => {
  const key = encoder.encode(secret)
  if (key.length < minSecretBytes) {
    return Effect.fail(new JwtSecretError({ message: `the JWT secret must have at least ${minSecretBytes} bytes (it has ${key.length})` }))
  }
  const expiresIn = options?.expiresIn ?? "24h"
  const invalid = new Unauthorized({ message: "invalid or expired token" })
  return Effect.succeed(Jwt.of({
    sign: (userId, passwordHash) =>
      Effect.promise(() =>
        new SignJWT({ cv: credentialStamp(passwordHash) }).setProtectedHeader({ alg: "HS256" }).setSubject(userId)
          .setIssuedAt().setExpirationTime(expiresIn).sign(key)
      ),
    verify: (token) =>
      Effect.tryPromise({
        try: () => jwtVerify(token, key, { algorithms: ["HS256"], requiredClaims: ["exp", "iat", "sub"] }),
        catch: () => invalid
      }).pipe(
        Effect.flatMap(({ payload }) =>
          typeof payload.sub === "string" && payload.sub !== "" && typeof payload["cv"] === "string"
            ? Effect.succeed({ userId: payload.sub, credential: payload["cv"] })
            : Effect.fail(invalid)
        )
      )
  }))
}

/**
 * {@link Jwt} with a fixed secret (tests); fails on a secret shorter than
 * {@link minSecretBytes}.
 *
 * @category tokens
 * @since 0.1.0
 */
export const layerJwtSecret = (secret: string): Layer.Layer<Jwt, JwtSecretError> => Layer.effect(Jwt, makeJwt(secret))

/**
 * {@link Jwt} with the secret from `REALWORLD_JWT_SECRET` (at least
 * {@link minSecretBytes} bytes). Without it: on a shared store (`shared`:
 * FoundationDB, where several processes must accept each other's tokens)
 * the layer fails and the server does not start; otherwise a random secret
 * and a warning (tokens die with the process).
 *
 * @category tokens
 * @since 0.1.0
 */
export const layerJwt = (options: { readonly shared: boolean }): Layer.Layer<Jwt, JwtSecretError | Config.ConfigError> =>
  Layer.effect(
    Jwt,
    Effect.gen(function*() {
      const configured = yield* Config.option(Config.Redacted("REALWORLD_JWT_SECRET"))
      if (Option.isSome(configured)) {
        return yield* makeJwt(Redacted.value(configured.value)).pipe(
          Effect.mapError((e) => new JwtSecretError({ message: `REALWORLD_JWT_SECRET: ${e.message}` }))
        )
      }
      if (options.shared) {
        return yield* new JwtSecretError({
          message: `REALWORLD_JWT_SECRET must be set (at least ${minSecretBytes} bytes) when the store is shared`
        })
      }
      yield* Effect.logWarning(
        "REALWORLD_JWT_SECRET is not set: using a random secret (development only; tokens will not survive a restart)"
      )
      return yield* makeJwt(randomBytes(32).toString("base64"))
    })
  )

// -- login rate limit -----------------------------------------------------------

/**
 * Too many logins for one account: 429 with `Retry-After`.
 *
 * @category login
 * @since 0.1.0
 */
export class TooManyLoginAttempts extends Schema.TaggedError<TooManyLoginAttempts>()("TooManyLoginAttempts", {
  message: Schema.String,
  retryAfterSeconds: Schema.Int
}, { httpApiStatus: 429 }) {}

/**
 * The login rate limit: at most `attempts` logins per account per `window`
 * (a successful login starts afresh); at most `accounts` accounts are
 * tracked, so memory stays bounded whatever an attacker sends: past that,
 * an expired entry is forgotten first, then the oldest account that is not
 * locked out (attempts on other accounts cannot unlock one).
 *
 * @category login
 * @since 0.1.0
 */
export interface LoginThrottleOptions {
  readonly attempts?: number | undefined
  readonly window?: Duration.Input | undefined
  readonly accounts?: number | undefined
}

/**
 * The defaults of {@link LoginThrottleOptions}: 5 attempts per 15 minutes,
 * 10,000 accounts tracked.
 *
 * @category login
 * @since 0.1.0
 */
export const loginThrottleDefaults = { attempts: 5, window: Duration.minutes(15), accounts: 10_000 } as const

/**
 * Counts logins per account (by canonical e-mail address, whether or not
 * the account exists), in this process.
 *
 * @category login
 * @since 0.1.0
 */
export class LoginThrottle extends Context.Service<LoginThrottle, {
  /** Takes one attempt for the account, or fails when none is left in the window. */
  readonly attempt: (account: string) => Effect.Effect<void, TooManyLoginAttempts>
  /** The account logged in: its count starts afresh. */
  readonly succeeded: (account: string) => Effect.Effect<void>
}>()("realworld/LoginThrottle") {}

/**
 * A {@link LoginThrottle} in memory (time from the Effect `Clock`).
 *
 * @category login
 * @since 0.1.0
 */
export const makeLoginThrottle = (options?: LoginThrottleOptions): LoginThrottle["Service"] => {
  const attempts = options?.attempts ?? loginThrottleDefaults.attempts
  const windowMs = Duration.toMillis(Duration.fromInputUnsafe(options?.window ?? loginThrottleDefaults.window))
  const capacity = options?.accounts ?? loginThrottleDefaults.accounts
  const entries = new Map<string, { count: number; since: number }>()
  // Over capacity, forget (oldest first) an entry whose window has ended, else one that is not locked: a locked
  // account is forgotten only when every tracked account is locked, so flooding the table with attempts on other
  // accounts does not unlock it (locking `accounts` accounts costs `accounts × attempts` logins, each a KDF run).
  const evict = (now: number) => {
    let unlocked: string | undefined
    for (const [account, entry] of entries) {
      if (now - entry.since >= windowMs) {
        entries.delete(account)
        return
      }
      if (unlocked === undefined && entry.count < attempts) unlocked = account
    }
    entries.delete(unlocked ?? entries.keys().next().value!)
  }
  return LoginThrottle.of({
    attempt: (account) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        let entry = entries.get(account)
        if (entry !== undefined && now - entry.since >= windowMs) {
          entries.delete(account)
          entry = undefined
        }
        if (entry === undefined) {
          entry = { count: 0, since: now }
          entries.set(account, entry)
          if (entries.size > capacity) evict(now)
        }
        if (entry.count >= attempts) {
          const retryAfterSeconds = Math.max(1, Math.ceil((entry.since + windowMs - now) / 1000))
          return Effect.fail(new TooManyLoginAttempts({
            message: `too many login attempts for this account; retry in ${retryAfterSeconds} s`,
            retryAfterSeconds
          }))
        }
        entry.count++
        return Effect.void
      }),
    succeeded: (account) => Effect.sync(() => void entries.delete(account))
  })
}

/**
 * {@link makeLoginThrottle} as a layer.
 *
 * @category login
 * @since 0.1.0
 */
export const layerLoginThrottle = (options?: LoginThrottleOptions): Layer.Layer<LoginThrottle> =>
  Layer.sync(LoginThrottle, () => makeLoginThrottle(options))

// -- all of it ----------------------------------------------------------------

/**
 * What the routes need for authentication.
 *
 * @category layers
 * @since 0.1.0
 */
export type Auth = Jwt | Passwords | LoginThrottle

/**
 * {@link Auth} with the secret from config (see {@link layerJwt}).
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: { readonly shared: boolean }): Layer.Layer<Auth, JwtSecretError | Config.ConfigError> =>
  Layer.mergeAll(layerJwt(options), layerPasswords, layerLoginThrottle())

/**
 * {@link Auth} with a given secret (tests, benchmarks).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerSecret = (secret: string, options?: LoginThrottleOptions): Layer.Layer<Auth, JwtSecretError> =>
  Layer.mergeAll(layerJwtSecret(secret), layerPasswords, layerLoginThrottle(options))

// -- the caller ---------------------------------------------------------------

const tokenOfRequest = Effect.map(Effect.serviceOption(HttpServerRequest.HttpServerRequest), (request) => {
  if (Option.isNone(request)) return undefined
  const header = request.value.headers["authorization"]
  if (header === undefined) return undefined
  const match = /^(?:Token|Bearer)\s+(\S+)\s*$/i.exec(header)
  return match === null ? "" : match[1]!
})

/**
 * The caller, when the request carries a token. A token that does not
 * verify, whose user does not exist (a forged token, or one from a store
 * that was reset), or that was issued before the user's last password
 * change is a 401, even where authentication is optional.
 *
 * @category caller
 * @since 0.1.0
 */
export const optionalUser: Effect.Effect<Option.Option<Models.User>, Unauthorized, Jwt | EventStore.EventStore> = Effect
  .gen(function*() {
    const token = yield* tokenOfRequest
    if (token === undefined) return Option.none()
    if (token === "") return yield* new Unauthorized({ message: "the Authorization header must be `Token <jwt>`" })
    const claims = yield* (yield* Jwt).verify(token)
    const user = yield* DecisionModel.read(Models.user(claims.userId)).pipe(
      Effect.map((read) => read.state),
      Effect.orDie
    )
    if (Option.isNone(user)) return yield* new Unauthorized({ message: "the token's user does not exist" })
    if (credentialStamp(user.value.passwordHash) !== claims.credential) {
      return yield* new Unauthorized({ message: "the token was issued before a password change; log in again" })
    }
    return user
  })

/**
 * The caller; 401 without a valid token of an existing user.
 *
 * @category caller
 * @since 0.1.0
 */
export const requireUser: Effect.Effect<Models.User, Unauthorized, Jwt | EventStore.EventStore> = Effect.flatMap(
  optionalUser,
  (user) => Option.isSome(user) ? Effect.succeed(user.value) : Effect.fail(new Unauthorized({ message: "authentication required" }))
)
