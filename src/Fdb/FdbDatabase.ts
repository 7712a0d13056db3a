/**
 * The `FdbDatabase` service: the narrow part of FoundationDB that Fairway
 * uses, as Effects.
 *
 * Everything happens in a transaction run by {@link FdbDatabaseShape.transact}:
 * the body runs, the transaction commits, and on a retryable error
 * (`not_committed` 1020, `commit_unknown_result` 1021, `transaction_too_old`
 * 1007…) the whole body runs again on a fresh transaction — the `doTn` loop of
 * the official bindings. A body must therefore be safe to run more than once,
 * and, because a commit can end in `commit_unknown_result` after it was
 * applied, a body with side effects in the database must detect its own
 * earlier success (write a marker key and read it first).
 *
 * Keys and values are bytes; build keys with {@link Tuple}. Reads are
 * serializable (they add read conflict ranges) unless `snapshot: true`.
 *
 * Two implementations:
 * - {@link layer}: the `foundationdb` npm binding (an optional dependency,
 *   loaded with a dynamic `import()` when the layer is built), failing with
 *   {@link FdbError.FdbUnavailable} when the client cannot be loaded;
 * - {@link layerSimulated}: an in-memory, deterministic simulator of
 *   FoundationDB's semantics with fault injection (see `FdbSimulator`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FdbDatabase, Tuple } from "fairway/Fdb"
 *
 * const counter = Tuple.pack(["app", "counter"])
 * const increment = Effect.gen(function* () {
 *   const db = yield* FdbDatabase.FdbDatabase
 *   return yield* db.transact((tn) =>
 *     Effect.gen(function* () {
 *       const current = yield* tn.get(counter)
 *       const next = (current === undefined ? 0 : current[0]!) + 1
 *       yield* tn.set(counter, Uint8Array.of(next))
 *       return next
 *     })
 *   )
 * }).pipe(Effect.provide(FdbDatabase.layerSimulated()))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as FdbError from "./FdbError.ts"
import * as FdbSimulator from "./FdbSimulator.ts"

// -----------------------------------------------------------------------------
// Interface
// -----------------------------------------------------------------------------

/**
 * A key and its value, as returned by a range read.
 *
 * @category models
 * @since 0.1.0
 */
export interface KeyValue {
  readonly key: Uint8Array
  readonly value: Uint8Array
}

/**
 * Options of a point read.
 *
 * @category models
 * @since 0.1.0
 */
export interface ReadOptions {
  /** A snapshot read: no read conflict range is added (the read cannot cause a conflict). */
  readonly snapshot?: boolean | undefined
}

/**
 * Options of a range read.
 *
 * @category models
 * @since 0.1.0
 */
export interface RangeOptions extends ReadOptions {
  /** At most this many pairs (absent or 0: no limit). A read stopped by its limit conflicts only up to the last key returned. */
  readonly limit?: number | undefined
  /** Descending key order; with a limit, the last keys of the range. */
  readonly reverse?: boolean | undefined
  /**
   * Stop after the pair that brings the bytes returned (keys and values) to at least this many (absent
   * or 0: no cap). Like `limit`, a read stopped by it conflicts only up to the last key returned.
   */
  readonly maxBytes?: number | undefined
}

/**
 * A watch on a key, set in a transaction. `changed` completes once the key's
 * value differs from its value as of that transaction, which must commit
 * first: await `changed` only after `transact` returned.
 *
 * @category models
 * @since 0.1.0
 */
export interface Watch {
  /** Completes when the key changed; fails if the transaction did not commit or the watch was cancelled. */
  readonly changed: Effect.Effect<void, FdbError.FdbError>
  /** Cancels the watch (idempotent). */
  readonly cancel: Effect.Effect<void>
}

/**
 * One attempt of a transaction. Every operation is an Effect failing with
 * {@link FdbError.FdbError}; the transaction runner decides whether to retry.
 *
 * @category models
 * @since 0.1.0
 */
export interface Transaction {
  /** The value of a key, or `undefined`. Adds a read conflict on the key unless `snapshot`. */
  readonly get: (key: Uint8Array, options?: ReadOptions) => Effect.Effect<Uint8Array | undefined, FdbError.FdbError>
  /**
   * The pairs with `begin <= key < end`, ascending (descending when `reverse`), at
   * most `limit`. Adds a read conflict range (up to the last key returned when the
   * limit stopped the read) unless `snapshot`.
   */
  readonly getRange: (
    begin: Uint8Array,
    end: Uint8Array,
    options?: RangeOptions
  ) => Effect.Effect<ReadonlyArray<KeyValue>, FdbError.FdbError>
  /** Sets a key (fails with `key_too_large` 2102 / `value_too_large` 2103). */
  readonly set: (key: Uint8Array, value: Uint8Array) => Effect.Effect<void, FdbError.FdbError>
  /** Clears a key. A blind write: it never causes a conflict. */
  readonly clear: (key: Uint8Array) => Effect.Effect<void, FdbError.FdbError>
  /** Clears every key with `begin <= key < end`. */
  readonly clearRange: (begin: Uint8Array, end: Uint8Array) => Effect.Effect<void, FdbError.FdbError>
  /**
   * Sets a key whose 10 bytes at `offset` are replaced, at commit, by the
   * transaction's versionstamp. Reading a range containing such a key in the
   * same transaction fails with `accessed_unreadable` (1036).
   */
  readonly setVersionstampedKey: (
    key: Uint8Array,
    offset: number,
    value: Uint8Array
  ) => Effect.Effect<void, FdbError.FdbError>
  /** Sets a value whose 10 bytes at `offset` are replaced, at commit, by the transaction's versionstamp. */
  readonly setVersionstampedValue: (
    key: Uint8Array,
    value: Uint8Array,
    offset: number
  ) => Effect.Effect<void, FdbError.FdbError>
  /** Adds a read conflict range `[begin, end)` as if it had been read. */
  readonly addReadConflictRange: (begin: Uint8Array, end: Uint8Array) => Effect.Effect<void, FdbError.FdbError>
  /** Watches a key (see {@link Watch}). */
  readonly watch: (key: Uint8Array) => Effect.Effect<Watch, FdbError.FdbError>
  /**
   * The 10-byte versionstamp of this transaction's commit, as an Effect that
   * completes only after the commit: return it from the body and run it after
   * `transact` returned. Fails when the transaction did not write.
   */
  readonly getVersionstamp: Effect.Effect<Effect.Effect<Uint8Array, FdbError.FdbError>>
}

/**
 * Options of a transaction.
 *
 * @category models
 * @since 0.1.0
 */
export interface TransactionOptions {
  /**
   * Cancel with `transaction_timed_out` (1031) after this many milliseconds, across retries; 0 (or absent):
   * no timeout. A negative or non-integer value fails with `invalid_option_value` (2006), as on a cluster.
   */
  readonly timeoutMillis?: number | undefined
  /**
   * Retry at most this many times; the last error is then returned. Absent or -1: unlimited (FoundationDB's
   * `retry_limit` takes -1 to INT_MAX); anything else fails with `invalid_option_value` (2006).
   */
  readonly retryLimit?: number | undefined
}

/**
 * The operations of a database.
 *
 * @category models
 * @since 0.1.0
 */
export interface FdbDatabaseShape {
  /**
   * Runs `body` in a transaction and commits it, retrying the whole body on
   * retryable FoundationDB errors (the `doTn` loop; `body` is called once per
   * attempt). Failures of the body other than {@link FdbError.FdbError} abort
   * the transaction (nothing is written by that attempt) and are returned as
   * they are. Once an attempt ended in `commit_unknown_result` (or a timeout
   * or cancellation cut a commit off in flight), the loop's final
   * `FdbError`, whatever its code, has `unknownResult: true`: an earlier
   * commit may have been applied.
   */
  readonly transact: <A, E, R>(
    body: (tn: Transaction) => Effect.Effect<A, E, R>,
    options?: TransactionOptions
  ) => Effect.Effect<A, E | FdbError.FdbError, R>
}

/**
 * The FoundationDB database service.
 *
 * @category services
 * @since 0.1.0
 */
export class FdbDatabase extends Context.Service<FdbDatabase, FdbDatabaseShape>()("fairway/FdbDatabase") {}

// -----------------------------------------------------------------------------
// Live: the foundationdb binding, typed here
// -----------------------------------------------------------------------------

/**
 * The surface of the `foundationdb` npm package (2.x) that {@link layer}
 * uses, typed here so the project type-checks without it installed. The
 * published typings of `foundationdb@2.0.1` are checked to be assignable to
 * it, without a cast, by `.ci/fdb-binding-types` (run in CI): keys and values
 * go in as `Buffer` (the package accepts `string | Buffer`) and come out as
 * `Buffer`.
 *
 * @category binding
 * @since 0.1.0
 */
export interface Binding {
  readonly setAPIVersion: (version: number) => void
  readonly open: (clusterFile?: string) => BindingDatabase
}

/**
 * A binding database (root subspace: raw `Buffer` keys and values).
 *
 * @category binding
 * @since 0.1.0
 */
export interface BindingDatabase {
  rawCreateTransaction(options?: { timeout?: number; retry_limit?: number }): BindingTransaction
  close(): void
}

/**
 * A binding transaction (the raw methods behind `doTn`).
 *
 * @category binding
 * @since 0.1.0
 */
export interface BindingTransaction {
  snapshot(): BindingTransaction
  get(key: Buffer): Promise<Buffer | undefined>
  getRangeAll(
    start: Buffer,
    end: Buffer,
    options?: { limit?: number; reverse?: boolean }
  ): Promise<Array<[Buffer, Buffer]>>
  getRangeBatch(
    start: Buffer,
    end: Buffer,
    options?: { limit?: number; reverse?: boolean }
  ): AsyncGenerator<Array<[Buffer, Buffer]>, void, unknown>
  set(key: Buffer, value: Buffer): void
  clear(key: Buffer): void
  clearRange(start: Buffer, end: Buffer): void
  setVersionstampedKeyRaw(keyBytes: Buffer, value: Buffer): void
  setVersionstampedValueRaw(key: Buffer, value: Buffer): void
  addReadConflictRange(start: Buffer, end: Buffer): void
  watch(key: Buffer): { promise: Promise<boolean>; cancel(): void }
  getVersionstamp(): { promise: Promise<Buffer> }
  rawCommit(): Promise<void>
  rawOnError(code: number): Promise<void>
  rawCancel(): void
}

const toFdbError = (error: unknown): FdbError.FdbError => {
  if (error instanceof FdbError.FdbError) return error
  const code = typeof error === "object" && error !== null && "code" in error && typeof error.code === "number"
    ? error.code
    : 4100
  const reason = error instanceof Error ? error.message : String(error)
  return FdbError.make(code, reason)
}

const promise = <A>(f: () => Promise<A>): Effect.Effect<A, FdbError.FdbError> =>
  Effect.tryPromise({ try: f, catch: toFdbError })

const sync = (f: () => void): Effect.Effect<void, FdbError.FdbError> => Effect.try({ try: f, catch: toFdbError })

/** `bytes` followed by the 4-byte little-endian offset the raw versionstamp mutations expect (API >= 520). */
const withOffset = (bytes: Uint8Array, offset: number): Uint8Array => {
  const out = new Uint8Array(bytes.length + 4)
  out.set(bytes)
  new DataView(out.buffer).setUint32(bytes.length, offset, true)
  return out
}

const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength)

/**
 * A plain `Uint8Array` copy of bytes the binding returned: its `Buffer`s may
 * be views over a larger (pooled) buffer, which must not leak into events.
 */
const copy = (b: Uint8Array): Uint8Array => new Uint8Array(b)

/** Keep a promise from being reported as unhandled when nobody awaits it. */
const quiet = <A>(p: Promise<A>): Promise<A> => {
  p.catch(() => {})
  return p
}

const wrapTransaction = (raw: BindingTransaction): Transaction => {
  const snap = raw.snapshot()
  return {
    get: (key, options) =>
      promise(() => (options?.snapshot ? snap : raw).get(toBuffer(key))).pipe(
        Effect.map((value) => (value === undefined ? undefined : copy(value)))
      ),
    getRange: (begin, end, options) =>
      promise(() => {
        const opts: { limit?: number; reverse?: boolean } = {}
        if (options?.limit !== undefined && options.limit > 0) opts.limit = options.limit
        if (options?.reverse === true) opts.reverse = true
        const tn = options?.snapshot ? snap : raw
        const maxBytes = options?.maxBytes
        if (maxBytes === undefined || maxBytes <= 0) return tn.getRangeAll(toBuffer(begin), toBuffer(end), opts)
        // batch by batch, stopping once the bytes reach the cap
        return (async () => {
          const out: Array<[Buffer, Buffer]> = []
          let bytes = 0
          for await (const batch of tn.getRangeBatch(toBuffer(begin), toBuffer(end), opts)) {
            for (const pair of batch) {
              out.push(pair)
              bytes += pair[0].length + pair[1].length
              if (bytes >= maxBytes || (opts.limit !== undefined && out.length >= opts.limit)) return out
            }
          }
          return out
        })()
      }).pipe(Effect.map((pairs) => pairs.map(([key, value]) => ({ key: copy(key), value: copy(value) })))),
    set: (key, value) => sync(() => raw.set(toBuffer(key), toBuffer(value))),
    clear: (key) => sync(() => raw.clear(toBuffer(key))),
    clearRange: (begin, end) => sync(() => raw.clearRange(toBuffer(begin), toBuffer(end))),
    setVersionstampedKey: (key, offset, value) =>
      sync(() => raw.setVersionstampedKeyRaw(toBuffer(withOffset(key, offset)), toBuffer(value))),
    setVersionstampedValue: (key, value, offset) =>
      sync(() => raw.setVersionstampedValueRaw(toBuffer(key), toBuffer(withOffset(value, offset)))),
    addReadConflictRange: (begin, end) => sync(() => raw.addReadConflictRange(toBuffer(begin), toBuffer(end))),
    watch: (key) =>
      Effect.try({
        try: () => {
          const w = raw.watch(toBuffer(key))
          const p = quiet(w.promise)
          const watch: Watch = {
            changed: promise(() => p).pipe(
              Effect.flatMap((fired) =>
                fired ? Effect.void : Effect.fail(FdbError.make(FdbError.codes.operation_cancelled, "watch cancelled"))
              )
            ),
            cancel: Effect.sync(() => w.cancel())
          }
          return watch
        },
        catch: toFdbError
      }),
    getVersionstamp: Effect.sync(() => {
      const p = quiet(raw.getVersionstamp().promise)
      return promise(() => p).pipe(Effect.map(copy))
    })
  }
}

/**
 * Makes the service over an open binding database (our own `doTn` loop over
 * `rawCreateTransaction` / `rawCommit` / `rawOnError`, so bodies are Effects).
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromBinding = (db: BindingDatabase): FdbDatabaseShape => ({
  transact: <A, E, R>(body: (tn: Transaction) => Effect.Effect<A, E, R>, options?: TransactionOptions) =>
    Effect.suspend(() => {
      const opts: { timeout?: number; retry_limit?: number } = {}
      if (options?.timeoutMillis !== undefined) opts.timeout = options.timeoutMillis
      if (options?.retryLimit !== undefined) opts.retry_limit = options.retryLimit
      const raw = db.rawCreateTransaction(opts)
      /** Once an attempt may have committed, every later failure of this loop says the outcome is unknown. */
      let unknown = false
      // a commit cut off by the timeout or a cancellation may still be applied
      const commit = promise(() => raw.rawCommit()).pipe(
        Effect.mapError((e) =>
          e.code === FdbError.codes.transaction_timed_out || e.code === FdbError.codes.transaction_cancelled ||
            e.code === FdbError.codes.operation_cancelled
            ? FdbError.withUnknownResult(e)
            : e
        )
      )
      // the body runs once per attempt, on the transaction as reset by onError
      const attempt: Effect.Effect<A, E | FdbError.FdbError, R> = Effect.suspend(() =>
        Effect.flatMap(body(wrapTransaction(raw)), (a) => Effect.as(commit, a))
      )
      const loop: Effect.Effect<A, E | FdbError.FdbError, R> = attempt.pipe(
        Effect.catchIf(
          (e): e is FdbError.FdbError => FdbError.isFdbError(e),
          // rawOnError waits the backoff and resolves when the error is retryable, rejects otherwise
          (e) => {
            if (FdbError.isOutcomeUnknown(e)) unknown = true
            return Effect.flatMap(promise(() => raw.rawOnError(e.code)), () => loop)
          }
        )
      )
      return loop.pipe(
        Effect.catchIf(
          (e): e is FdbError.FdbError => FdbError.isFdbError(e),
          (e) => Effect.fail(unknown || FdbError.isOutcomeUnknown(e) ? FdbError.withUnknownResult(e) : e)
        ),
        Effect.onInterrupt(() => Effect.sync(() => raw.rawCancel()))
      )
    })
})

/**
 * The name of the optional npm dependency {@link layer} loads.
 *
 * @category binding
 * @since 0.1.0
 */
export const bindingModule = "foundationdb"

/**
 * Options of {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface LayerOptions {
  /** The cluster file (absent: `FDB_CLUSTER_FILE`, then the client's default, `/etc/foundationdb/fdb.cluster`). */
  readonly clusterFile?: string | undefined
  /** The API version to select (default 710, FoundationDB 7.1+). */
  readonly apiVersion?: number | undefined
}

/**
 * Loads the `foundationdb` binding with a dynamic `import()`.
 *
 * @category binding
 * @since 0.1.0
 */
export const loadBinding: Effect.Effect<Binding, FdbError.FdbUnavailable> = Effect.tryPromise({
  try: async () => {
    const specifier: string = bindingModule
    const mod: unknown = await import(specifier)
    if (isBinding(mod)) return mod
    const fallback: unknown = typeof mod === "object" && mod !== null && "default" in mod ? mod.default : undefined
    if (isBinding(fallback)) return fallback
    throw new Error(`the module "${bindingModule}" does not export open() and setAPIVersion()`)
  },
  catch: (cause) =>
    new FdbUnavailable({
      reason: `the FoundationDB client could not be loaded (${cause instanceof Error ? cause.message : String(cause)})`,
      cause
    })
})

const FdbUnavailable = FdbError.FdbUnavailable

/** Whether a loaded module has the functions of {@link Binding} (its types are checked in CI against the package's). */
const isBinding = (u: unknown): u is Binding =>
  typeof u === "object" && u !== null && "open" in u && typeof u.open === "function" && "setAPIVersion" in u &&
  typeof u.setAPIVersion === "function"

/**
 * The live database over the `foundationdb` binding. Fails with
 * {@link FdbError.FdbUnavailable} (saying how to install the client) when the
 * binding or `libfdb_c` cannot be loaded. The database is closed when the
 * layer is released.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: LayerOptions): Layer.Layer<FdbDatabase, FdbError.FdbUnavailable> =>
  Layer.effect(FdbDatabase, Effect.flatMap(loadBinding, (binding) => openBinding(binding, options)))

/**
 * Selects the API version on a loaded binding and opens the database (closed
 * when the scope closes). A binding already set to another API version in
 * this process fails with {@link FdbError.FdbUnavailable} saying so.
 *
 * @category constructors
 * @since 0.1.0
 */
export const openBinding = (
  binding: Binding,
  options?: LayerOptions
): Effect.Effect<FdbDatabaseShape, FdbError.FdbUnavailable, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.try({
        try: () => {
          // selecting the same version again is a no-op in the binding; a different one throws
          // ("already initialized with API version …"), and that must not be ignored
          binding.setAPIVersion(options?.apiVersion ?? 710)
          return binding.open(options?.clusterFile ?? process.env["FDB_CLUSTER_FILE"])
        },
        catch: (cause) =>
          new FdbUnavailable({
            reason: `the FoundationDB database could not be opened (${cause instanceof Error ? cause.message : String(cause)})`,
            cause
          })
      }),
      (db) => Effect.sync(() => db.close())
    ),
    fromBinding
  )

/**
 * The simulated database (see `FdbSimulator`): deterministic from its seed,
 * with optional fault injection. Also provides the {@link FdbSimulator.FdbSimulator}
 * control service (statistics, fault switch, key dump).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerSimulated = (
  options?: FdbSimulator.SimulatorOptions
): Layer.Layer<FdbDatabase | FdbSimulator.FdbSimulator> =>
  Layer.effectContext(Effect.sync(() => {
    const sim = FdbSimulator.make(options)
    return Context.make(FdbDatabase, FdbDatabase.of(sim.database)).pipe(
      Context.add(FdbSimulator.FdbSimulator, sim.control)
    )
  }))
