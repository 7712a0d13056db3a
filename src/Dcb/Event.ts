/**
 * Events as the store sees them: a type, tags, bytes and optional metadata.
 *
 * A {@link NewEvent} is what you append; the store gives it a sequence
 * position and a timestamp and hands it back as a {@link SequencedEvent}.
 * The payload is opaque bytes here: the typed layer (event definitions with a
 * Schema payload) encodes and decodes it.
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import * as SequencePosition from "./SequencePosition.ts"

/**
 * An event to append: its type, its tags (conventionally `"key:value"`), its
 * payload bytes, and optional string metadata (command name, correlation id…).
 *
 * @category models
 * @since 0.1.0
 */
export interface NewEvent {
  readonly type: string
  readonly tags: ReadonlyArray<string>
  readonly data: Uint8Array
  readonly metadata?: Readonly<Record<string, string>> | undefined
}

/**
 * A stored event: a {@link NewEvent} with its sequence position and the time
 * it was recorded.
 *
 * @category models
 * @since 0.1.0
 */
export interface SequencedEvent extends NewEvent {
  readonly position: SequencePosition.SequencePosition
  readonly recordedAt: DateTime.Utc
}

const encoder = new TextEncoder()
const EMPTY = new Uint8Array(0)

/**
 * Makes a new event. `data` may be bytes, a string (stored as UTF-8), or
 * omitted (no payload).
 *
 * @example
 * ```ts
 * import { Event } from "fairway/Dcb"
 *
 * const e = Event.make("CourseDefined", ["course:c1"], JSON.stringify({ capacity: 10 }))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  type: string,
  tags: ReadonlyArray<string>,
  data?: Uint8Array | string,
  metadata?: Readonly<Record<string, string>>
): NewEvent => ({
  type,
  tags,
  data: data === undefined ? EMPTY : typeof data === "string" ? encoder.encode(data) : data,
  ...(metadata !== undefined ? { metadata } : {})
})

/**
 * Schema of a new event for JSON (payload as base64).
 *
 * @category schemas
 * @since 0.1.0
 */
export const NewEventSchema = Schema.Struct({
  type: Schema.String,
  tags: Schema.Array(Schema.String),
  data: Schema.Uint8Array,
  metadata: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
})

/**
 * Schema of a sequenced event for JSON: the position as a decimal string, the
 * time as ISO 8601, the payload as base64 (through `Schema.toCodecJson`).
 *
 * @category schemas
 * @since 0.1.0
 */
export const SequencedEventSchema = Schema.Struct({
  ...NewEventSchema.fields,
  position: SequencePosition.SequencePosition,
  recordedAt: Schema.DateTimeUtc
})
