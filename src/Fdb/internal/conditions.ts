/**
 * The append-condition check of `EventStoreFdb`: for every condition of an
 * append, is there an event matching its query after its own `after`?
 *
 * Each condition becomes a list of checks, all issued concurrently:
 *
 * - **Exact range** (`Query.all`, an item of at most two tags, types only):
 *   every key in the range is a match, so one non-snapshot `getRange` with
 *   limit 1 after `after` answers, and its read conflict range is the whole
 *   rest of the range.
 * - **Intersection** (an item of three or more tags): an event carries all
 *   the item's tags exactly when it is in the index range of every pair of
 *   them (`("g", a, b)` or, with a type, `("x", type, a, b)`). The check is a
 *   leapfrog join of those pair ranges over their keys alone (no read of the
 *   log, no per-row point read): each range is read a page at a time, with
 *   snapshot reads, from the highest position any range has reached, all the
 *   ranges that need a page read at once. The join stops at the first
 *   position found in every range (a match), or when one range runs out (no
 *   match). Then the range that ran out with the fewest keys read is given a
 *   read conflict range over the condition's window: a concurrent event
 *   carrying all the tags writes into it, so the two appends conflict. A
 *   concurrent event carrying only that pair is a false conflict (one retry),
 *   never a lost one.
 *
 * Every key a join reads counts against a budget shared by the append's conditions;
 * past it, the check fails with a `TooBroad` result instead of running the
 * transaction toward FoundationDB's 5-second limit.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as AppendCondition from "../../Dcb/AppendCondition.ts"
import type * as Query from "../../Dcb/Query.ts"
import type * as SequencePosition from "../../Dcb/SequencePosition.ts"
import type * as FdbDatabase from "../FdbDatabase.ts"
import type * as FdbError from "../FdbError.ts"
import * as KeyLayout from "../KeyLayout.ts"
import * as Tuple from "../Tuple.ts"

/** One check of a condition. @internal */
export type Check =
  | { readonly _tag: "Exact"; readonly range: KeyLayout.StampRange }
  | { readonly _tag: "Intersection"; readonly ranges: ReadonlyArray<KeyLayout.StampRange> }

/**
 * The tag pairs an item of three or more sorted tags is checked with: every
 * pair up to four tags (so the join can start from the rarest pair), beyond
 * that a cover of the tags by pairs (`⌈k/2⌉` ranges).
 *
 * @internal
 */
export const tagPairs = (tags: ReadonlyArray<string>): Array<ReadonlyArray<string>> => {
  const k = tags.length
  const out: Array<ReadonlyArray<string>> = []
  if (k <= 4) {
    // Stryker disable next-line EqualityOperator: with i = k the inner loop pushes nothing
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) out.push([tags[i]!, tags[j]!])
    return out
  }
  for (let i = 0; i < k; i += 2) {
    const pair = i + 1 < k ? [tags[i]!, tags[i + 1]!] : [tags[0]!, tags[i]!]
    // Stryker disable next-line MethodExpression: the tags come sorted, so each pair is already sorted
    out.push(pair.sort())
  }
  return out
}

const idOf = (range: KeyLayout.StampRange): string => String.fromCharCode(...range.prefix)

/**
 * The checks of a query: one exact range per type, tag set or type-and-tag
 * set of its items (the ranges `KeyLayout.sources` reads), and one
 * intersection per type of each item of three or more tags.
 *
 * @internal
 */
export const checksOf = (layout: KeyLayout.KeyLayout, query: Query.Query): Array<Check> => {
  if (query._tag === "All") return [{ _tag: "Exact", range: layout.events }]
  const out: Array<Check> = []
  const seen = new Set<string>()
  const push = (check: Check) => {
    const id = check._tag === "Exact" ? idOf(check.range) : check.ranges.map(idOf).join("\u0000\u0001")
    if (seen.has(id)) return
    seen.add(id)
    out.push(check)
  }
  for (const item of query.items) {
    const types = [...new Set(item.types ?? [])]
    const tags = KeyLayout.sortedTags(item.tags ?? [])
    if (tags.length === 0) {
      for (const type of types) push({ _tag: "Exact", range: layout.type(type) })
    } else if (tags.length <= KeyLayout.maxIndexedTagSubset) {
      if (types.length === 0) push({ _tag: "Exact", range: layout.tags(tags) })
      else for (const type of types) push({ _tag: "Exact", range: layout.typeTags(type, tags) })
    } else {
      const pairs = tagPairs(tags)
      if (types.length === 0) push({ _tag: "Intersection", ranges: pairs.map((pair) => layout.tags(pair)) })
      else for (const type of types) push({ _tag: "Intersection", ranges: pairs.map((pair) => layout.typeTags(type, pair)) })
    }
  }
  return out
}

/**
 * The keys the checks of an append read (`keys`), and those asked for by the
 * page reads in flight (`reserved`): a page asks for at most what is left, so
 * reads issued at once cannot overshoot the bound by a page each. @internal
 */
export interface Budget {
  keys: number
  reserved: number
  readonly max: number
}

/** A check read more keys than its budget allows (the keys each condition read are counted apart). @internal */
export class TooBroad {}

/** What checking the conditions of an append found. @internal */
export type Outcome =
  | { readonly _tag: "Holds" }
  | { readonly _tag: "Failed"; readonly index: number; readonly position: SequencePosition.SequencePosition }
  | { readonly _tag: "TooBroad"; readonly index: number; readonly keys: number }

interface Cursor {
  readonly range: KeyLayout.StampRange
  positions: Array<bigint>
  at: number
  /** Read to the end of the range. */
  done: boolean
  keys: number
}

/** The first position after `after` in every one of `ranges` (leapfrog join over pages), or `undefined`. */
const intersection = (
  tn: FdbDatabase.Transaction,
  ranges: ReadonlyArray<KeyLayout.StampRange>,
  after: bigint | undefined,
  pageSize: number,
  budget: Budget,
  own: { keys: number }
): Effect.Effect<bigint | undefined, FdbError.FdbError | TooBroad> =>
  Effect.gen(function* () {
    let candidate = after === undefined ? 0n : after + 1n
    const cursors: Array<Cursor> = ranges.map((range) => ({ range, positions: [], at: 0, done: false, keys: 0 }))
    const readPage = (cursor: Cursor) =>
      Effect.suspend(() => {
        // what is left of the bound (one key past it, to know it was passed), at least one key
        const limit = Math.max(1, Math.min(pageSize, budget.max + 1 - budget.keys - budget.reserved))
        budget.reserved += limit
        // a cursor runs dry only once every position it read is below `candidate`: read on from there
        return tn.getRange(
          KeyLayout.keyAt(cursor.range, candidate),
          Tuple.strinc(cursor.range.prefix),
          { limit, snapshot: true }
        ).pipe(
          Effect.ensuring(Effect.sync(() => (budget.reserved -= limit))),
          Effect.flatMap((rows) => {
            cursor.positions = rows.map((row) => KeyLayout.positionFromBytes(row.key))
            cursor.at = 0
            cursor.done = rows.length < limit
            cursor.keys += rows.length
            own.keys += rows.length
            budget.keys += rows.length
            return budget.keys > budget.max ? Effect.fail(new TooBroad()) : Effect.void
          })
        )
      })
    for (;;) {
      const dry: Array<Cursor> = []
      for (const cursor of cursors) {
        // Stryker disable next-line EqualityOperator: past the end the position is undefined, never below candidate
        while (cursor.at < cursor.positions.length && cursor.positions[cursor.at]! < candidate) cursor.at++
        if (cursor.at === cursor.positions.length && !cursor.done) dry.push(cursor)
      }
      // Stryker disable next-line ConditionalExpression,EqualityOperator,BooleanLiteral: a fast path (no page to read, results unused)
      if (dry.length > 0) yield* Effect.forEach(dry, readPage, { concurrency: "unbounded", discard: true })
      let exhausted: Cursor | undefined
      let highest = candidate
      let agree = true
      for (const cursor of cursors) {
        if (cursor.at === cursor.positions.length) {
          // ran out: no position after `candidate` is in every range
          if (exhausted === undefined || cursor.keys < exhausted.keys) exhausted = cursor
          continue
        }
        const head = cursor.positions[cursor.at]!
        if (head !== highest) agree = false
        // Stryker disable next-line EqualityOperator: on a tie the candidate stays the same
        if (head > highest) highest = head
      }
      if (exhausted !== undefined) {
        // the range that ran out holds every future match too: conflict on it, over the whole window
        const [begin, end] = KeyLayout.bounds(exhausted.range, after)
        yield* tn.addReadConflictRange(begin, end)
        return undefined
      }
      if (agree) return highest
      candidate = highest
    }
  })

/** The first position after `after` matching one check. */
const runCheck = (
  tn: FdbDatabase.Transaction,
  check: Check,
  after: bigint | undefined,
  pageSize: number,
  budget: Budget,
  own: { keys: number }
): Effect.Effect<bigint | undefined, FdbError.FdbError | TooBroad> => {
  if (check._tag === "Intersection") return intersection(tn, check.ranges, after, pageSize, budget, own)
  const [begin, end] = KeyLayout.bounds(check.range, after)
  // non-snapshot: the conflict range covers the window up to the key returned, or all of it
  return Effect.map(tn.getRange(begin, end, { limit: 1 }), (rows) =>
    rows.length === 0 ? undefined : KeyLayout.positionFromBytes(rows[0]!.key))
}

/**
 * Checks every condition of an append, all their reads issued at once.
 * Reports the failed condition of lowest index (with its first matching
 * position); past the bound, only when no condition failed, the condition
 * whose checks read the most keys (with that count) among those the bound
 * cut short.
 *
 * @internal
 */
export const check = (
  tn: FdbDatabase.Transaction,
  layout: KeyLayout.KeyLayout,
  conditions: ReadonlyArray<AppendCondition.AppendCondition>,
  options: { readonly pageSize: number; readonly maxKeys: number }
): Effect.Effect<Outcome, FdbError.FdbError> => {
  const budget: Budget = { keys: 0, reserved: 0, max: options.maxKeys }
  const jobs: Array<{ readonly index: number; readonly check: Check }> = []
  // the keys each condition's checks read: past the shared bound, the condition that read the most is named
  // (the reads of all the checks interleave, so the check that crossed the bound may be a narrow one)
  const read = conditions.map(() => ({ keys: 0 }))
  conditions.forEach((condition, index) => {
    for (const c of checksOf(layout, condition.failIfEventsMatch)) jobs.push({ index, check: c })
  })
  return Effect.map(
    Effect.forEach(
      jobs,
      (job) =>
        runCheck(tn, job.check, conditions[job.index]!.after, options.pageSize, budget, read[job.index]!).pipe(
          Effect.catchIf((e): e is TooBroad => e instanceof TooBroad, (e) => Effect.succeed(e))
        ),
      { concurrency: "unbounded" }
    ),
    (results): Outcome => {
      const first: Array<bigint | undefined> = conditions.map(() => undefined)
      let broad: { index: number; keys: number } | undefined
      results.forEach((result, i) => {
        const index = jobs[i]!.index
        if (result instanceof TooBroad) {
          const keys = read[index]!.keys
          if (broad === undefined || keys > broad.keys || (keys === broad.keys && index < broad.index)) broad = { index, keys }
        // Stryker disable next-line ConditionalExpression,EqualityOperator: an undefined result never replaces a position, an equal one is the same
        } else if (result !== undefined && (first[index] === undefined || result < first[index]!)) {
          first[index] = result
        }
      })
      const failed = first.findIndex((p) => p !== undefined)
      if (failed >= 0) return { _tag: "Failed", index: failed, position: first[failed]! as SequencePosition.SequencePosition }
      if (broad !== undefined) return { _tag: "TooBroad", index: broad.index, keys: broad.keys }
      // Stryker disable next-line ObjectLiteral,StringLiteral: the store acts only on "Failed" and "TooBroad"
      return { _tag: "Holds" }
    }
  )
}
