/**
 * The `EventStore` on FoundationDB, over the {@link FdbDatabase.FdbDatabase}
 * service (the live binding or the simulator).
 *
 * - **Positions** are versionstamps: 10 bytes of commit version and 2 bytes of
 *   the event's index in its append, read as a 96-bit `bigint`. They increase
 *   with commit order, with gaps.
 * - **Indexes** (see `KeyLayout`): by type, by every subset of 1 or 2 tags,
 *   and by type with those subsets, so a query item with at most two tags is
 *   one exact key range.
 * - **The append conditions** (one or several, each after its own `after`)
 *   are checked with non-snapshot reads of exactly those ranges, all issued
 *   at once; an item of three or more tags is checked by a join of its
 *   tag-pair ranges, keys only, bounded by `conditionScanLimit`
 *   (`internal/conditions.ts`). A concurrent append of an event matching a
 *   condition writes a key into a range this transaction read, so one of the
 *   two fails with `not_committed`, retries, and re-evaluates the conditions.
 *   An append whose events cannot match writes nowhere we read: no conflict.
 * - **Exactly once**: every append writes a marker key in its transaction
 *   (the caller's `appendId`, or a generated one) and reads it first; a retry
 *   after `commit_unknown_result` finds it and returns the first position.
 * - **Reads** merge the index ranges of a query page by page, one transaction
 *   per page, in position order; **subscribe** follows the head key with a
 *   watch.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { EventStore } from "fairway/Dcb"
 * import { EventStoreFdb, FdbDatabase } from "fairway/Fdb"
 *
 * // on a cluster:   EventStoreFdb.layer().pipe(Layer.provide(FdbDatabase.layer()))
 * // in tests:       EventStoreFdb.layer().pipe(Layer.provide(FdbDatabase.layerSimulated()))
 * const Store = EventStoreFdb.layer({ prefix: "shop" }).pipe(Layer.provide(FdbDatabase.layerSimulated()))
 * ```
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as Event from "../Dcb/Event.ts"
import * as EventStore from "../Dcb/EventStore.ts"
import * as Query from "../Dcb/Query.ts"
import type * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as FdbDatabase from "./FdbDatabase.ts"
import * as FdbError from "./FdbError.ts"
import * as Conditions from "./internal/conditions.ts"
import * as KeyLayout from "./KeyLayout.ts"
import * as TransactionSize from "./TransactionSize.ts"
import * as Tuple from "./Tuple.ts"

/**
 * Options of {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The store's prefix: bytes, or a name `s` for the tuple `("fairway", s)` (default `("fairway", "default")`). */
  readonly prefix?: Uint8Array | string | undefined
  /** Keys read per index range per page (an integer, default 1,000, below one read as one): each page is one transaction. */
  readonly pageSize?: number | undefined
  /** Retries of one transaction before a `StorageError` (an integer, default 100; -1: unlimited, as FoundationDB's option). */
  readonly retryLimit?: number | undefined
  /** Timeout of one transaction in milliseconds (a non-negative integer; default and 0: none). */
  readonly transactionTimeoutMillis?: number | undefined
  /**
   * Most index keys the joins of the conditions of one append may read
   * (items of three or more tags; a non-negative integer, default
   * {@link defaultConditionScanLimit});
   * past it the append fails with `ConditionTooBroad`, nothing written.
   */
  readonly conditionScanLimit?: number | undefined
}

/**
 * The default bound on the index keys read to check the conditions of one
 * append (only items of three or more tags read more than one key per range,
 * see `docs/fdb-layout.md`).
 *
 * @category limits
 * @since 0.1.0
 */
export const defaultConditionScanLimit = 100_000

/**
 * The size one append's transaction may reach, counted as FoundationDB's
 * client counts it at commit (`TransactionSize`: mutations with their
 * per-mutation overhead and versionstamp offsets, conflict ranges with
 * theirs): FoundationDB's own 10,000,000-byte limit. The budget of an append
 * is an upper bound of that count (its events, index keys, head, marker,
 * marker clears and its conditions' read conflict ranges), so an append
 * within the budget never fails with `transaction_too_large`.
 *
 * @category limits
 * @since 0.1.0
 */
export const maxAppendTransactionBytes = FdbError.fdbLimits.maxTransactionBytes

/**
 * Bytes of events one page of `read(Query.all())` reads in its transaction
 * (besides the `pageSize` bound): a page stops after the event that reaches it.
 *
 * @category limits
 * @since 0.1.0
 */
export const logPageBytes = 1_000_000

/** Most markers of earlier appends one append clears. */
const markersClearedPerAppend = 100

/** An upper bound of the length of a generated marker's name (`instance-counter`). */
const markerNameBound = 40

/** Bytes of an append's fingerprint in its marker's value (hex digits, one byte each). */
const fingerprintBytes = EventStore.fingerprint([]).length

// -----------------------------------------------------------------------------
// Event encoding: 0x01, header length (u32 BE), JSON header, payload bytes
// -----------------------------------------------------------------------------

const encoder = new TextEncoder()
const decoder = new TextDecoder()

interface Header {
  readonly t: string
  readonly g: ReadonlyArray<string>
  readonly r: number
  readonly m?: Readonly<Record<string, string>> | undefined
}

/**
 * Encodes an event's stored value.
 *
 * @category encoding
 * @since 0.1.0
 */
export const encodeEvent = (event: Event.NewEvent, recordedAt: number): Uint8Array => {
  // without metadata `m` is undefined, which JSON leaves out
  const header: Header = { t: event.type, g: event.tags, r: recordedAt, m: event.metadata }
  const h = encoder.encode(JSON.stringify(header))
  const out = new Uint8Array(5 + h.length + event.data.length)
  out[0] = 1
  new DataView(out.buffer).setUint32(1, h.length)
  out.set(h, 5)
  out.set(event.data, 5 + h.length)
  return out
}

/**
 * Decodes a stored event value at its position.
 *
 * @category encoding
 * @since 0.1.0
 */
export const decodeEvent = (value: Uint8Array, position: SequencePosition.SequencePosition): Event.SequencedEvent => {
  const length = new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(1)
  const header = JSON.parse(decoder.decode(value.subarray(5, 5 + length))) as Header
  return {
    type: header.t,
    tags: header.g,
    data: value.slice(5 + length),
    ...(header.m !== undefined ? { metadata: header.m } : {}),
    position,
    recordedAt: DateTime.makeUnsafe(header.r)
  }
}

// -----------------------------------------------------------------------------
// Errors
// -----------------------------------------------------------------------------

const storageError = FdbError.toStorageError

/** FoundationDB size errors at commit mean nothing was written: report them as an invalid append. */
const appendFdbError = (error: FdbError.FdbError): EventStore.InvalidAppend | EventStore.StorageError =>
  !FdbError.isOutcomeUnknown(error) &&
    (error.code === FdbError.codes.transaction_too_large || error.code === FdbError.codes.key_too_large ||
      error.code === FdbError.codes.value_too_large)
    ? new EventStore.InvalidAppend({ reason: `the append exceeds a FoundationDB limit: ${error.message}` })
    : storageError(error, "append failed")

// -----------------------------------------------------------------------------
// Store
// -----------------------------------------------------------------------------

interface Prepared {
  readonly indexes: Array<Array<KeyLayout.StampRange>>
}

/**
 * Checks an append against FoundationDB's sizes (value 100,000 bytes, key
 * 10,000 bytes, transaction {@link maxAppendTransactionBytes}) after the core
 * validation, and prepares its keys.
 */
const prepare = (
  layout: KeyLayout.KeyLayout,
  events: ReadonlyArray<Event.NewEvent>,
  appendOptions: EventStore.AppendOptions | undefined
): Prepared | EventStore.InvalidEvent | EventStore.InvalidAppend => {
  if (events.length > 65_536) {
    return new EventStore.InvalidAppend({ reason: "an append holds at most 65,536 events on FoundationDB" })
  }
  let total = fixedAppendBytes(layout, appendOptions)
  const indexes: Array<Array<KeyLayout.StampRange>> = []
  const stamped = layout.events.prefix.length + KeyLayout.stampLength
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!
    // the timestamp is re-encoded at commit; 2^53 is the widest it can be
    const value = encodeEvent(event, Number.MAX_SAFE_INTEGER)
    if (value.length > FdbError.fdbLimits.maxValueBytes) {
      return new EventStore.InvalidEvent({
        eventIndex: i,
        reason: `the encoded event is ${value.length} bytes, over FoundationDB's ${FdbError.fdbLimits.maxValueBytes}-byte value limit`
      })
    }
    const ranges = KeyLayout.indexRanges(layout, event.type, event.tags)
    total += TransactionSize.versionstampedKey(stamped, value.length)
    for (const range of ranges) {
      const keyLength = range.prefix.length + KeyLayout.stampLength
      if (keyLength > FdbError.fdbLimits.maxKeyBytes) {
        return new EventStore.InvalidEvent({
          eventIndex: i,
          reason: `an index key is ${keyLength} bytes, over FoundationDB's ${FdbError.fdbLimits.maxKeyBytes}-byte key limit`
        })
      }
      total += TransactionSize.versionstampedKey(keyLength, 0)
    }
    if (total > maxAppendTransactionBytes) break
    indexes.push(ranges)
  }
  if (total > maxAppendTransactionBytes) {
    return new EventStore.InvalidAppend({
      reason: `the append's transaction would reach ${total} bytes as FoundationDB counts it (events, index keys, ` +
        `conflict ranges), over its ${maxAppendTransactionBytes}-byte transaction limit: split it`
    })
  }
  return { indexes }
}

/**
 * FoundationDB's limits on an append (value and key sizes, events per
 * append, the transaction's bytes as its client counts them) as a check for
 * another backend: `EventStore.layerMemoryWith({ checkAppend: EventStoreFdb.checkAppend() })`
 * refuses exactly the appends this store would refuse for their size (with
 * the same prefix).
 *
 * @category limits
 * @since 0.1.0
 */
export const checkAppend = (options?: { readonly prefix?: Uint8Array | string | undefined }): EventStore.AppendCheck => {
  const layout = KeyLayout.make(options?.prefix)
  return (events, appendOptions) => {
    const prepared = prepare(layout, events, appendOptions)
    return prepared instanceof EventStore.InvalidEvent || prepared instanceof EventStore.InvalidAppend ? prepared : undefined
  }
}

/**
 * The bytes of an append besides its events and index keys, as an upper
 * bound: the head and the marker (versionstamped values, with their write
 * conflict ranges), the marker's read, the clears of earlier markers, and
 * two read conflict ranges per index range its conditions read.
 */
const fixedAppendBytes = (layout: KeyLayout.KeyLayout, appendOptions: EventStore.AppendOptions | undefined): number => {
  const stampValue = KeyLayout.stampLength + fingerprintBytes // position, then the fingerprint
  const marker = appendOptions?.appendId !== undefined
    ? layout.appendId(appendOptions.appendId).length
    : layout.appendMarker("x".repeat(markerNameBound)).length
  const generated = layout.appendMarker("x".repeat(markerNameBound)).length
  let total = TransactionSize.versionstampedValue(layout.head.length, KeyLayout.stampLength) +
    TransactionSize.versionstampedValue(marker, stampValue) + TransactionSize.pointRead(marker) +
    markersClearedPerAppend * TransactionSize.clear(generated)
  for (const condition of EventStore.conditionsOf(appendOptions)) {
    for (const source of KeyLayout.sources(layout, condition.failIfEventsMatch)) {
      const bound = source.range.prefix.length + KeyLayout.stampLength + 1
      total += 2 * TransactionSize.range(bound, bound)
    }
  }
  return total
}

type AppendOutcome =
  | { readonly _tag: "Existing"; readonly position: SequencePosition.SequencePosition }
  | { readonly _tag: "Written"; readonly stamp: Effect.Effect<Uint8Array, FdbError.FdbError> }

/**
 * Makes the FoundationDB event store over the database in context.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options?: Options): Effect.Effect<EventStore.EventStoreShape, never, FdbDatabase.FdbDatabase> =>
  Effect.gen(function* () {
    const db = yield* FdbDatabase.FdbDatabase
    const layout = KeyLayout.make(options?.prefix)
    // a page is full when it holds exactly `pageSize` keys: a fraction would end every read after one page
    if (options?.pageSize !== undefined && !Number.isSafeInteger(options.pageSize)) {
      return yield* Effect.die(new RangeError(`pageSize must be an integer, got ${options.pageSize}`))
    }
    const scanLimit = options?.conditionScanLimit
    if (scanLimit !== undefined && !(Number.isSafeInteger(scanLimit) && scanLimit >= 0)) {
      return yield* Effect.die(new RangeError(`conditionScanLimit must be a non-negative integer, got ${scanLimit}`))
    }
    // (the ranges of FoundationDB's own options: a store built with another would fail every transaction with 2006)
    const retryLimit = options?.retryLimit
    if (retryLimit !== undefined && !(Number.isSafeInteger(retryLimit) && retryLimit >= -1)) {
      return yield* Effect.die(new RangeError(`retryLimit must be an integer of at least -1 (unlimited), got ${retryLimit}`))
    }
    const timeout = options?.transactionTimeoutMillis
    if (timeout !== undefined && !(Number.isSafeInteger(timeout) && timeout >= 0)) {
      return yield* Effect.die(new RangeError(`transactionTimeoutMillis must be a non-negative integer, got ${timeout}`))
    }
    const pageSize = Math.max(1, options?.pageSize ?? 1000)
    const tnOptions: FdbDatabase.TransactionOptions = {
      retryLimit: options?.retryLimit ?? 100,
      ...(options?.transactionTimeoutMillis !== undefined ? { timeoutMillis: options.transactionTimeoutMillis } : {})
    }
    // Stryker disable next-line MethodExpression: the random part's length does not matter, only that it is random
    const instance = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
    let markerCounter = 0
    /** Markers of completed appends without id, cleared by later appends (blind clears: no conflict). */
    const doneMarkers: Array<Uint8Array> = []

    // --- head ---------------------------------------------------------------------
    const readHead = (tn: FdbDatabase.Transaction) =>
      Effect.map(
        // Stryker disable next-line ObjectLiteral,BooleanLiteral: the head is read in read-only transactions, whose read conflicts never matter
        tn.get(layout.head, { snapshot: true }),
        (value) => value === undefined ? Option.none() : Option.some(KeyLayout.positionFromBytes(value, 0))
      )
    const head: EventStore.EventStoreShape["head"] = db.transact(readHead, tnOptions).pipe(
      Effect.mapError((e) => storageError(e, "reading the head failed"))
    )

    // --- conditions ---------------------------------------------------------------
    const conditionOptions = { pageSize, maxKeys: options?.conditionScanLimit ?? defaultConditionScanLimit }

    // --- append -------------------------------------------------------------------
    const append: EventStore.EventStoreShape["append"] = (events, appendOptions) =>
      Effect.suspend((): Effect.Effect<SequencePosition.SequencePosition, EventStore.AppendError> => {
        const invalid = EventStore.validateAppend(events, appendOptions)
        if (invalid !== undefined) return Effect.fail(invalid)
        const prepared = prepare(layout, events, appendOptions)
        if (!("indexes" in prepared)) return Effect.fail(prepared)
        const conditions = EventStore.conditionsOf(appendOptions)
        const appendId = appendOptions?.appendId
        const print = EventStore.fingerprint(events)
        const printBytes = encoder.encode(print)
        const markerKey = appendId !== undefined
          ? layout.appendId(appendId)
          // Stryker disable next-line UpdateOperator: counting down names distinct markers as well
          : layout.appendMarker(`${instance}-${(markerCounter++).toString(36)}`)
        // claimed by this append (concurrent appends clear disjoint markers); handed back unless it succeeds
        const toClear = doneMarkers.splice(0, markersClearedPerAppend)
        const last = events.length - 1
        const body = (tn: FdbDatabase.Transaction) =>
          Effect.gen(function* () {
            // 1. a previous attempt of this append (or a previous append with this id) committed?
            const marker = yield* tn.get(markerKey)
            if (marker !== undefined) {
              const position = KeyLayout.positionFromBytes(marker, 0)
              if (decoder.decode(marker.subarray(KeyLayout.stampLength)) !== print) {
                // (a generated marker is this append's own, with its own fingerprint: only an append id is reused)
                // Stryker disable next-line StringLiteral: unreachable without an append id
                return yield* Effect.fail(new EventStore.AppendIdReused({ appendId: appendId ?? "", firstPosition: position }))
              }
              return { _tag: "Existing", position } as AppendOutcome
            }
            // 2. the conditions, each after its own position: reads (with conflict ranges) before any
            // versionstamped write, all issued at once (none without conditions)
            const outcome = yield* Conditions.check(tn, layout, conditions, conditionOptions)
            if (outcome._tag === "Failed") {
              return yield* Effect.fail(EventStore.conditionFailed(conditions, outcome.index, outcome.position))
            }
            if (outcome._tag === "TooBroad") {
              return yield* Effect.fail(
                new EventStore.ConditionTooBroad({
                  conditionIndex: outcome.index,
                  reason: `checking the append's conditions read more than ${conditionOptions.maxKeys} index keys ` +
                    `(the conditionScanLimit of this store), ${outcome.keys} of them for this one: an item of ` +
                    `three or more tags whose tag pairs are all common; narrow it`
                })
              )
            }
            // 3. the events, their index keys, the head and the marker
            const now = yield* Clock.currentTimeMillis
            for (let i = 0; i <= last; i++) {
              const event = events[i]!
              const log = KeyLayout.stampedKey(layout.events, i)
              yield* tn.setVersionstampedKey(log.key, log.offset, encodeEvent(event, now))
              for (const range of prepared.indexes[i]!) {
                const index = KeyLayout.stampedKey(range, i)
                yield* tn.setVersionstampedKey(index.key, index.offset, EMPTY)
              }
            }
            const lastStamp = KeyLayout.positionToBytes(BigInt(last))
            yield* tn.setVersionstampedValue(layout.head, lastStamp, 0)
            yield* tn.setVersionstampedValue(markerKey, Tuple.concat(lastStamp, printBytes), 0)
            for (const key of toClear) yield* tn.clear(key)
            return { _tag: "Written", stamp: yield* tn.getVersionstamp } as AppendOutcome
          })
        return db.transact(body, tnOptions).pipe(
          Effect.flatMap((outcome) =>
            outcome._tag === "Existing"
              // this attempt cleared nothing: the markers it claimed go back to a later append (an earlier
              // attempt that committed cleared them already, and clearing an absent key is harmless)
              ? Effect.sync(() => {
                doneMarkers.push(...toClear)
                return outcome.position
              })
              : Effect.map(outcome.stamp, (stamp) => KeyLayout.positionFromStamp(stamp, last))
          ),
          Effect.tap(() =>
            Effect.sync(() => {
              if (appendId === undefined) doneMarkers.push(markerKey)
            })
          ),
          // an append whose outcome is unknown (or interrupted while committing) may have written its
          // marker: a later append clears it, as for a completed one (clearing an absent key is harmless)
          Effect.onExit((exit) =>
            Effect.sync(() => {
              if (exit._tag === "Success") return
              doneMarkers.push(...toClear)
              if (appendId !== undefined) return
              const maybe = Exit.hasInterrupts(exit) ||
                exit.cause.reasons.some((r) => r._tag === "Fail" && FdbError.isFdbError(r.error) && FdbError.isOutcomeUnknown(r.error))
              if (maybe) doneMarkers.push(markerKey)
            })
          ),
          Effect.catchIf(FdbError.isFdbError, (e) => Effect.fail(appendFdbError(e)))
        )
      })

    // --- read ---------------------------------------------------------------------
    interface Cursor {
      readonly after: bigint | undefined
      readonly before: bigint | undefined
    }
    const readPage = (
      query: Query.Query,
      sources: ReadonlyArray<KeyLayout.Source>,
      cursor: Cursor,
      backwards: boolean,
      size: number
    ) =>
      db.transact((tn) =>
        Effect.gen(function* () {
          // exact ranges need no filter, but decoding is done anyway and matching is cheap:
          // filtering every event also guards against two strings packing alike (lone surrogates)
          const isLog = query._tag === "All"
          let bound: bigint | undefined
          const found = new Map<bigint, Uint8Array | undefined>()
          for (const source of sources) {
            const [begin, end] = KeyLayout.bounds(source.range, cursor.after, cursor.before)
            // the log's values come with its keys: its pages are bounded by bytes too
            const rows = yield* tn.getRange(begin, end, {
              limit: size,
              reverse: backwards,
              // Stryker disable next-line BooleanLiteral: reads run in read-only transactions, whose read conflicts never matter
              snapshot: true,
              ...(isLog ? { maxBytes: logPageBytes } : {})
            })
            let bytes = 0
            for (const row of rows) {
              found.set(KeyLayout.positionFromBytes(row.key), isLog ? row.value : undefined)
              bytes += row.key.length + row.value.length
            }
            if (rows.length === size || (isLog && bytes >= logPageBytes)) {
              const last = KeyLayout.positionFromBytes(rows[rows.length - 1]!.key)
              // Stryker disable next-line EqualityOperator: on a tie either bound is the same position
              if (bound === undefined || (backwards ? last > bound : last < bound)) bound = last
            }
          }
          let positions = [...found.keys()]
          if (bound !== undefined) positions = positions.filter((p) => (backwards ? p >= bound! : p <= bound!))
          // (distinct positions: the sign of the difference orders them)
          positions.sort((a, b) => Number(backwards ? b - a : a - b))
          const values = isLog
            ? positions.map((p) => found.get(p))
            : yield* Effect.forEach(
              positions,
              // Stryker disable next-line ObjectLiteral,BooleanLiteral: reads run in read-only transactions, whose read conflicts never matter
              (p) => tn.get(KeyLayout.keyAt(layout.events, p), { snapshot: true }),
              { concurrency: "unbounded" }
            )
          const out: Array<Event.SequencedEvent> = []
          // every index key has its event: both are written in one transaction, and neither is ever cleared
          for (let i = 0; i < positions.length; i++) {
            const event = decodeEvent(values[i]!, positions[i]! as SequencePosition.SequencePosition)
            if (Query.matches(query, event)) out.push(event)
          }
          const next: Option.Option<Cursor> = bound === undefined
            ? Option.none()
            : Option.some(backwards ? { after: cursor.after, before: bound } : { after: bound, before: cursor.before })
          return [out, next] as const
        }), tnOptions)

    const read: EventStore.EventStoreShape["read"] = (query, readOptions) =>
      Stream.suspend((): Stream.Stream<Event.SequencedEvent, EventStore.ReadError> => {
        const invalid = EventStore.validateRead(query, readOptions)
        if (invalid !== undefined) return Stream.fail(invalid)
        const sources = KeyLayout.sources(layout, query)
        const backwards = readOptions?.backwards === true
        const limit = readOptions?.limit
        const size = limit !== undefined && sources.every((s) => s.exact) ? Math.min(limit, pageSize) : pageSize
        const stream = Stream.paginate(
          { after: readOptions?.after, before: readOptions?.before } as Cursor,
          (cursor) => readPage(query, sources, cursor, backwards, size)
        ).pipe(Stream.mapError((e) => storageError(e, "read failed")))
        return limit === undefined ? stream : Stream.take(stream, limit)
      })

    // --- subscribe ----------------------------------------------------------------
    const awaitHeadAfter = (position: Option.Option<SequencePosition.SequencePosition>) =>
      db.transact((tn) =>
        Effect.gen(function* () {
          const current = yield* readHead(tn)
          const seen = Option.getOrElse(position, () => -1n)
          if (Option.isSome(current) && current.value > seen) return undefined
          return yield* tn.watch(layout.head)
        }), tnOptions).pipe(
          Effect.flatMap((watch) =>
            watch === undefined ? Effect.void : watch.changed.pipe(
              // a failed watch (too many watches, a lost connection…) is a change we may have missed:
              // let the subscription re-read, after a pause so that a failing watch cannot spin
              Effect.catch(() => Effect.sleep("100 millis")),
              Effect.ensuring(watch.cancel)
            )
          ),
          Effect.mapError((e) => storageError(e, "waiting for new events failed"))
        )

    return {
      append,
      read,
      head,
      subscribe: EventStore.makeSubscribe({ read, head, awaitHeadAfter })
    }
  })

const EMPTY = new Uint8Array(0)

/**
 * The FoundationDB {@link EventStore.EventStore}, over the `FdbDatabase` in
 * context (`FdbDatabase.layer()` on a cluster, `FdbDatabase.layerSimulated()`
 * in tests).
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: Options): Layer.Layer<EventStore.EventStore, never, FdbDatabase.FdbDatabase> =>
  Layer.effect(EventStore.EventStore, make(options))
