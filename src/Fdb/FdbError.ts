/**
 * Errors of the FoundationDB layer: {@link FdbError}, a FoundationDB error
 * code as the client (or the simulator) reports it, and {@link FdbUnavailable},
 * raised when the live layer cannot load the FoundationDB client.
 *
 * The codes that matter to Fairway are listed in {@link codes}; the
 * predicates {@link isRetryable} and {@link isMaybeCommitted} follow
 * `fdb_error_predicate` of the C client, so the simulator's retry loop
 * retries exactly what the real `doTn` loop retries.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as EventStore from "../Dcb/EventStore.ts"

/**
 * FoundationDB error codes used by Fairway (see the FoundationDB error
 * code table).
 *
 * @category codes
 * @since 0.1.0
 */
export const codes = {
  /** The read version is too old (a transaction older than about 5 seconds). Retryable. */
  transaction_too_old: 1007,
  /** Request for a future version. Retryable. */
  future_version: 1009,
  /** Conflict: a key read was written by a transaction committed after our read version. Retryable. */
  not_committed: 1020,
  /** The commit may or may not have happened. Retryable, maybe committed. */
  commit_unknown_result: 1021,
  /** The transaction was cancelled (for example a watch of a transaction that never committed). */
  transaction_cancelled: 1025,
  /** The transaction's timeout option elapsed. Not retryable. */
  transaction_timed_out: 1031,
  /** Too many watches are outstanding. */
  too_many_watches: 1032,
  /** A read touched a key written with a versionstamp in the same transaction. */
  accessed_unreadable: 1036,
  /** The storage servers are behind. Retryable. */
  process_behind: 1037,
  /** The operation was cancelled. */
  operation_cancelled: 1101,
  /** Transaction exceeds the 10,000,000 byte limit. */
  transaction_too_large: 2101,
  /** Key exceeds the 10,000 byte limit. */
  key_too_large: 2102,
  /** Value exceeds the 100,000 byte limit. */
  value_too_large: 2103,
  /** Versionstamp offset or placeholder invalid. */
  client_invalid_operation: 2000,
  /** A key at or above `\xff` (the system keys) without the option to access them. */
  key_outside_legal_range: 2004,
  /** A range whose end is before its begin. */
  inverted_range: 2005,
  /** An option's value is out of its range (a negative timeout, a retry limit below -1). */
  invalid_option_value: 2006
} as const

/**
 * The sizes FoundationDB enforces.
 *
 * @category codes
 * @since 0.1.0
 */
export const fdbLimits = {
  maxKeyBytes: 10_000,
  maxValueBytes: 100_000,
  maxTransactionBytes: 10_000_000,
  /** Transactions older than this (read version age) fail with `transaction_too_old`. */
  maxTransactionAgeMillis: 5_000
} as const

const names: Record<number, string> = Object.fromEntries(Object.entries(codes).map(([k, v]) => [v, k]))

/**
 * A FoundationDB error: its numeric `code` and a description.
 *
 * @category errors
 * @since 0.1.0
 */
export class FdbError extends Schema.TaggedError<FdbError>()("FdbError", {
  code: Schema.Number,
  reason: Schema.String,
  /**
   * `true` when an earlier attempt of the same retry loop ended in
   * `commit_unknown_result` (or a timeout or cancellation landed while a
   * commit was in flight): whatever this error says, that commit may have
   * been applied.
   */
  unknownResult: Schema.optionalKey(Schema.Boolean)
}) {
  override get message(): string {
    const unknown = this.unknownResult === true ? " (an earlier attempt may have committed: the outcome is unknown)" : ""
    return `FoundationDB error ${this.code} (${names[this.code] ?? "error"}): ${this.reason}${unknown}`
  }
}

/**
 * The live layer could not load the FoundationDB client: the optional
 * `foundationdb` npm package or the native `libfdb_c` library is missing, or
 * the cluster could not be opened.
 *
 * @category errors
 * @since 0.1.0
 */
export class FdbUnavailable extends Schema.TaggedError<FdbUnavailable>()("FdbUnavailable", {
  reason: Schema.String,
  cause: Schema.optionalKey(Schema.Defect())
}) {
  override get message(): string {
    return `${this.reason}. To use FoundationDB, install the FoundationDB client package for your platform ` +
      `(libfdb_c, e.g. foundationdb-clients_<version>_amd64.deb from https://github.com/apple/foundationdb/releases), ` +
      `then \`npm install foundationdb\`, and point FDB_CLUSTER_FILE (or the clusterFile option) at your cluster file ` +
      `(default /etc/foundationdb/fdb.cluster).`
  }
}

/**
 * Makes an {@link FdbError} from a code, with the code's name as description.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (code: number, reason?: string): FdbError =>
  new FdbError({ code, reason: reason ?? names[code] ?? "FoundationDB error" })

const retryable = new Set<number>([
  codes.transaction_too_old,
  codes.future_version,
  codes.not_committed,
  codes.commit_unknown_result,
  codes.process_behind,
  1038, // database_locked
  1039, // cluster_version_changed
  1213, // tag_throttled
  1051 // batch_transaction_throttled
])

/**
 * Whether `doTn` retries after this error (`fdb_error_predicate(RETRYABLE)`).
 *
 * @category predicates
 * @since 0.1.0
 */
export const isRetryable = (code: number): boolean => retryable.has(code)

/**
 * Whether a commit that failed with this error may nonetheless have been
 * applied (`fdb_error_predicate(MAYBE_COMMITTED)`).
 *
 * @category predicates
 * @since 0.1.0
 */
export const isMaybeCommitted = (code: number): boolean =>
  code === codes.commit_unknown_result

/**
 * Whether the retry loop that ended in this error may have committed: the
 * error is `commit_unknown_result`, or it carries `unknownResult` (an earlier
 * attempt's outcome was unknown).
 *
 * @category predicates
 * @since 0.1.0
 */
export const isOutcomeUnknown = (error: FdbError): boolean =>
  error.unknownResult === true || isMaybeCommitted(error.code)

/**
 * The same error (code and reason), marked as the end of a retry loop whose
 * outcome is unknown (see {@link FdbError.unknownResult}).
 *
 * @category constructors
 * @since 0.1.0
 */
export const withUnknownResult = (error: FdbError): FdbError =>
  new FdbError({ code: error.code, reason: error.reason, unknownResult: true })

/**
 * `true` for an {@link FdbError}.
 *
 * @category guards
 * @since 0.1.0
 */
export const isFdbError = (u: unknown): u is FdbError => u instanceof FdbError

/**
 * A FoundationDB failure as the storage-agnostic `EventStore.StorageError`
 * that Fairway's services report, prefixed with what was being done. After
 * `commit_unknown_result` the error says so (`unknownResult: true`).
 *
 * @category conversions
 * @since 0.1.0
 */
export const toStorageError = (error: FdbError, what: string): EventStore.StorageError =>
  isOutcomeUnknown(error)
    ? new EventStore.StorageError({
      reason: `${what}: an attempt ended in commit_unknown_result (or a commit was cut off in flight) and the ` +
        `transaction then failed: the outcome is unknown (${error.message})`,
      unknownResult: true,
      cause: error
    })
    : new EventStore.StorageError({ reason: `${what}: ${error.message}`, cause: error })

/**
 * Turns the {@link FdbError} failures of an effect into `EventStore.StorageError`s
 * (see {@link toStorageError}); other failures pass through.
 *
 * @category conversions
 * @since 0.1.0
 */
export const catchAsStorageError = (what: string) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, Exclude<E, FdbError> | EventStore.StorageError, R> =>
  Effect.catchIf(effect, (e: E): e is E & FdbError => isFdbError(e), (e) => Effect.fail(toStorageError(e, what))) as Effect.Effect<
    A,
    Exclude<E, FdbError> | EventStore.StorageError,
    R
  >
