/**
 * Authentication: passwords hashed with scrypt (node's `crypto`), tokens
 * signed and verified with `jose` (HS256), the secret from config
 * (`REALWORLD_JWT_SECRET`; a random one, with a warning, when unset), and
 * the caller read from `Authorization: Token <jwt>`.
 *
 * @since 0.1.0
 */
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"
import { HttpServerRequest } from "effect/http"
import { jwtVerify, SignJWT } from "jose"
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto"
import { Unauthorized } from "./domain/errors.ts"

// -- passwords ----------------------------------------------------------------

/**
 * scrypt parameters: N = 2^14, r = 8, p = 1, 32-byte key, 16-byte salt.
 *
 * @category passwords
 * @since 0.1.0
 */
export const scryptParams = { N: 16384, r: 8, p: 1, keyLength: 32 } as const

const derive = (password: string, salt: Buffer, params: { N: number; r: number; p: number; keyLength: number }) =>
  Effect.callback<Buffer>((resume) => {
    scrypt(password, salt, params.keyLength, { N: params.N, r: params.r, p: params.p, maxmem: 64 * 1024 * 1024 }, (error, key) => {
      resume(error === null ? Effect.succeed(key) : Effect.die(error))
    })
  })

/**
 * Hashes a password: `scrypt$N$r$p$<salt b64>$<key b64>`.
 *
 * @category passwords
 * @since 0.1.0
 */
export const hashPassword = (password: string): Effect.Effect<string> =>
  Effect.gen(function*() {
    const salt = randomBytes(16)
    const key = yield* derive(password, salt, scryptParams)
    const { N, p, r } = scryptParams
    return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`
  })

/**
 * Whether a password matches a hash from {@link hashPassword} (constant-time
 * comparison).
 *
 * @category passwords
 * @since 0.1.0
 */
export const verifyPassword = (password: string, hash: string): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const [scheme, n, r, p, salt, key] = hash.split("$")
    if (scheme !== "scrypt" || salt === undefined || key === undefined) return false
    const expected = Buffer.from(key, "base64")
    const actual = yield* derive(password, Buffer.from(salt, "base64"), {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      keyLength: expected.length
    })
    return actual.length === expected.length && timingSafeEqual(actual, expected)
  })

// -- tokens -------------------------------------------------------------------

/**
 * Signs and verifies tokens.
 *
 * @category tokens
 * @since 0.1.0
 */
export class Jwt extends Context.Service<Jwt, {
  readonly sign: (userId: string) => Effect.Effect<string>
  readonly verify: (token: string) => Effect.Effect<string, Unauthorized>
}>()("realworld/Jwt") {}

const encoder = new TextEncoder()

/**
 * {@link Jwt} with a given secret.
 *
 * @category tokens
 * @since 0.1.0
 */
export const makeJwt = (secret: string, options?: { readonly expiresIn?: string | undefined }) => {
  const key = encoder.encode(secret)
  const expiresIn = options?.expiresIn ?? "24h"
  return Jwt.of({
    sign: (userId) =>
      Effect.promise(() =>
        new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setIssuedAt().setExpirationTime(expiresIn)
          .sign(key)
      ),
    verify: (token) =>
      Effect.tryPromise({
        try: () => jwtVerify(token, key, { algorithms: ["HS256"] }),
        catch: () => new Unauthorized({ message: "invalid or expired token" })
      }).pipe(
        Effect.flatMap(({ payload }) =>
          typeof payload.sub === "string" && payload.sub !== ""
            ? Effect.succeed(payload.sub)
            : Effect.fail(new Unauthorized({ message: "invalid token" }))
        )
      )
  })
}

/**
 * {@link Jwt} with a fixed secret (tests).
 *
 * @category tokens
 * @since 0.1.0
 */
export const layerJwtSecret = (secret: string): Layer.Layer<Jwt> => Layer.succeed(Jwt, makeJwt(secret))

/**
 * {@link Jwt} with the secret from `REALWORLD_JWT_SECRET`; without it, a
 * random secret (tokens die with the process) and a warning.
 *
 * @category tokens
 * @since 0.1.0
 */
export const layerJwt: Layer.Layer<Jwt, Config.ConfigError> = Layer.effect(
  Jwt,
  Effect.gen(function*() {
    const configured = yield* Config.option(Config.Redacted("REALWORLD_JWT_SECRET"))
    if (Option.isSome(configured)) return makeJwt(Redacted.value(configured.value))
    yield* Effect.logWarning(
      "REALWORLD_JWT_SECRET is not set: using a random secret (development only; tokens will not survive a restart)"
    )
    return makeJwt(randomBytes(32).toString("base64"))
  })
)

// -- the caller ---------------------------------------------------------------

const tokenOfRequest = Effect.map(Effect.serviceOption(HttpServerRequest.HttpServerRequest), (request) => {
  if (Option.isNone(request)) return undefined
  const header = request.value.headers["authorization"]
  if (header === undefined) return undefined
  const match = /^(?:Token|Bearer)\s+(\S+)\s*$/i.exec(header)
  return match === null ? "" : match[1]!
})

/**
 * The caller's user id, when the request carries a token; a token that does
 * not verify is a 401 even where authentication is optional.
 *
 * @category caller
 * @since 0.1.0
 */
export const optionalUser: Effect.Effect<Option.Option<string>, Unauthorized, Jwt> = Effect.gen(function*() {
  const token = yield* tokenOfRequest
  if (token === undefined) return Option.none()
  if (token === "") return yield* new Unauthorized({ message: "the Authorization header must be `Token <jwt>`" })
  const jwt = yield* Jwt
  return Option.some(yield* jwt.verify(token))
})

/**
 * The caller's user id; 401 without a valid token.
 *
 * @category caller
 * @since 0.1.0
 */
export const requireUser: Effect.Effect<string, Unauthorized, Jwt> = Effect.flatMap(optionalUser, (user) =>
  Option.isSome(user) ? Effect.succeed(user.value) : Effect.fail(new Unauthorized({ message: "authentication required" })))
