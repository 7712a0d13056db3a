/**
 * Checkpoints: how far a view or an automation has processed the event log.
 *
 * A checkpoint is the position of the last event a consumer has fully
 * processed. It is stored beside the consumer's state and advanced with a
 * compare-and-set: a writer names the checkpoint it started from, and the
 * store refuses the write with {@link CheckpointMoved} when another writer
 * got there first. That is what makes "state and checkpoint in one
 * transaction" exactly once even when two processes run the same consumer.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SequencePosition from "../Dcb/SequencePosition.ts"

/**
 * A stored checkpoint moved under a writer: the checkpoint it expected is not
 * the one stored. Nothing was written; re-read the checkpoint and resume from
 * there.
 *
 * @category errors
 * @since 0.1.0
 */
export class CheckpointMoved extends Schema.TaggedError<CheckpointMoved>()("CheckpointMoved", {
  consumer: Schema.String,
  expected: Schema.optionalKey(SequencePosition.SequencePosition),
  actual: Schema.optionalKey(SequencePosition.SequencePosition)
}) {
  override get message(): string {
    const show = (p: SequencePosition.SequencePosition | undefined) => (p === undefined ? "none" : p.toString())
    return `checkpoint of ${this.consumer} moved: expected ${show(this.expected)}, found ${show(this.actual)}`
  }
}

/**
 * Makes a {@link CheckpointMoved} error from optional positions.
 *
 * @category constructors
 * @since 0.1.0
 */
export const moved = (
  consumer: string,
  expected: Option.Option<SequencePosition.SequencePosition>,
  actual: Option.Option<SequencePosition.SequencePosition>
): CheckpointMoved =>
  new CheckpointMoved({
    consumer,
    ...(Option.isSome(expected) ? { expected: expected.value } : {}),
    ...(Option.isSome(actual) ? { actual: actual.value } : {})
  })

/**
 * Whether two optional checkpoints are the same.
 *
 * @category predicates
 * @since 0.1.0
 */
export const equals = (
  a: Option.Option<SequencePosition.SequencePosition>,
  b: Option.Option<SequencePosition.SequencePosition>
): boolean => (Option.isNone(a) ? Option.isNone(b) : Option.isSome(b) && a.value === b.value)

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Encodes a position as stored bytes (its decimal string in UTF-8).
 *
 * @category encoding
 * @since 0.1.0
 */
export const encode = (position: SequencePosition.SequencePosition): Uint8Array => encoder.encode(position.toString())

/**
 * Decodes stored bytes written by {@link encode}.
 *
 * @category encoding
 * @since 0.1.0
 */
export const decode = (bytes: Uint8Array): SequencePosition.SequencePosition =>
  SequencePosition.make(BigInt(decoder.decode(bytes)))

/**
 * How far a consumer is behind the log: the head minus the checkpoint, in
 * position units (`0n` when caught up or when the log is empty). Positions
 * have gaps, so this is a distance, not an event count; zero means caught up.
 *
 * @category lag
 * @since 0.1.0
 */
export const lag = (
  head: Option.Option<SequencePosition.SequencePosition>,
  checkpoint: Option.Option<SequencePosition.SequencePosition>
): bigint => {
  if (Option.isNone(head)) return 0n
  const from = Option.isSome(checkpoint) ? checkpoint.value : -1n
  return head.value > from ? head.value - from : 0n
}
