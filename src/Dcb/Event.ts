/**
 * Events as the store sees them: a type, tags, bytes and optional metadata;
 * and typed event definitions ({@link define}) that encode a Schema payload
 * to those bytes and decode it back.
 *
 * A {@link NewEvent} is what you append; the store gives it a sequence
 * position and a timestamp and hands it back as a {@link SequencedEvent}.
 * The payload is opaque bytes here: the typed layer (event definitions with a
 * Schema payload) encodes and decodes it.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import type * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as PayloadDecoder from "./internal/payloadDecoder.ts"
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

// -----------------------------------------------------------------------------
// Typed event definitions
// -----------------------------------------------------------------------------

/**
 * Identifies an {@link EventDefinition}.
 *
 * @category type ids
 * @since 0.1.0
 */
export const DefinitionTypeId: "~fairway/Dcb/EventDefinition" = "~fairway/Dcb/EventDefinition"

/**
 * Identifies an {@link EventDefinition}.
 *
 * @category type ids
 * @since 0.1.0
 */
export type DefinitionTypeId = typeof DefinitionTypeId

/**
 * A payload schema an event definition accepts: any schema whose decoding and
 * encoding need no services.
 *
 * @category models
 * @since 0.1.0
 */
export type PayloadSchema = Schema.Top & {
  readonly DecodingServices: never
  readonly EncodingServices: never
}

/**
 * A stored event decoded through its definition: the payload is the
 * schema's `Type`, and `metadata` is always a record (empty when the event
 * has none).
 *
 * @category models
 * @since 0.1.0
 */
export interface Decoded<Type extends string = string, Payload = unknown> {
  readonly type: Type
  readonly payload: Payload
  readonly tags: ReadonlyArray<string>
  readonly position: SequencePosition.SequencePosition
  readonly recordedAt: DateTime.Utc
  readonly metadata: Readonly<Record<string, string>>
}

/**
 * A typed event: its type name, its payload schema, and how its tags follow
 * from its payload. It makes {@link NewEvent}s (payload encoded to JSON bytes
 * through the schema) and decodes {@link SequencedEvent}s (with a typed
 * {@link EventDecodeError} for data that does not decode).
 *
 * @category models
 * @since 0.1.0
 */
export interface EventDefinition<Type extends string, Payload extends PayloadSchema> {
  readonly [DefinitionTypeId]: DefinitionTypeId
  /** The event type, as stored. */
  readonly type: Type
  /** The payload schema. */
  readonly payload: Payload
  /** The tags of an event with this payload. */
  readonly tags: (payload: Payload["Type"]) => ReadonlyArray<string>
  /**
   * A new event with this payload. Throws when the payload does not encode
   * (a programming error: the payload is typed); use {@link EventDefinition.encode}
   * for untrusted values.
   */
  readonly make: (payload: Payload["Type"], metadata?: Readonly<Record<string, string>>) => NewEvent
  /** A new event with this payload, or an {@link EventEncodeError}. */
  readonly encode: (
    payload: Payload["Type"],
    metadata?: Readonly<Record<string, string>>
  ) => Effect.Effect<NewEvent, EventEncodeError>
  /** Decodes a stored event of this type. */
  readonly decode: (event: SequencedEvent) => Effect.Effect<Decoded<Type, Payload["Type"]>, EventDecodeError>
  /** Whether a (stored or new) event is of this type. */
  readonly is: (event: { readonly type: string }) => boolean
}

/**
 * Any event definition.
 *
 * @category models
 * @since 0.1.0
 */
export interface Any {
  readonly [DefinitionTypeId]: DefinitionTypeId
  readonly type: string
  readonly payload: PayloadSchema
  readonly tags: (payload: any) => ReadonlyArray<string>
  readonly make: (payload: any, metadata?: Readonly<Record<string, string>>) => NewEvent
  readonly encode: (payload: any, metadata?: Readonly<Record<string, string>>) => Effect.Effect<NewEvent, EventEncodeError>
  readonly decode: (event: SequencedEvent) => Effect.Effect<Decoded<string, any>, EventDecodeError>
  readonly is: (event: { readonly type: string }) => boolean
}

/**
 * The decoded event of a definition (or of a union of definitions: then a
 * union discriminated by `type`).
 *
 * @category type-level
 * @since 0.1.0
 */
export type DecodedOf<D> = D extends EventDefinition<infer T, infer P> ? Decoded<T, P["Type"]> : never

/**
 * The payload type of a definition.
 *
 * @category type-level
 * @since 0.1.0
 */
export type PayloadOf<D> = D extends EventDefinition<infer _T, infer P> ? P["Type"] : never

/**
 * A stored event did not decode through its definition (wrong type, bytes
 * that are not JSON, or JSON that the payload schema rejects).
 *
 * @category errors
 * @since 0.1.0
 */
export class EventDecodeError extends Schema.TaggedError<EventDecodeError>()("EventDecodeError", {
  type: Schema.String,
  position: SequencePosition.SequencePosition,
  reason: Schema.String
}) {
  override get message(): string {
    return `event ${this.type} at position ${this.position} does not decode: ${this.reason}`
  }
}

/**
 * A payload did not encode through its definition's schema.
 *
 * @category errors
 * @since 0.1.0
 */
export class EventEncodeError extends Schema.TaggedError<EventEncodeError>()("EventEncodeError", {
  type: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `event ${this.type} does not encode: ${this.reason}`
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true })
const notJson: unique symbol = Symbol("notJson")

/**
 * Defines a typed event: a type name, a payload schema, and the tags derived
 * from the payload. The payload is stored as JSON bytes through the schema
 * (via `Schema.toCodecJson`, so `bigint`s, dates and bytes work), which is
 * what lets a definition evolve: a later version of the schema (new optional
 * fields, defaults, transformations from the old shape) decodes the events
 * stored with the earlier one. A payload round-trips up to what JSON keeps
 * (a `-0` comes back as `0`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Event } from "fairway/Dcb"
 *
 * const StudentSubscribedToCourse = Event.define("StudentSubscribedToCourse", {
 *   payload: Schema.Struct({ studentId: Schema.String, courseId: Schema.String }),
 *   tags: (p) => [`student:${p.studentId}`, `course:${p.courseId}`]
 * })
 * const event = StudentSubscribedToCourse.make({ studentId: "s1", courseId: "c1" })
 * // event.type === "StudentSubscribedToCourse", event.tags: ["student:s1", "course:c1"]
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const define = <const Type extends string, Payload extends PayloadSchema>(
  type: Type,
  options: {
    readonly payload: Payload
    readonly tags: (payload: Payload["Type"]) => ReadonlyArray<string>
  }
): EventDefinition<Type, Payload> => {
  if (typeof type !== "string" || type.length === 0) throw new TypeError("Event.define: the event type is empty")
  const json = Schema.fromJsonString(Schema.toCodecJson(options.payload as Schema.Top)) as unknown as Schema.Codec<
    unknown,
    string
  >
  const encodeJson = Schema.encodeExit(json)
  const decodeJson = Schema.decodeUnknownExit(json)
  // JSON.parse, then the payload's JSON codec: what decoding `json` does, at a quarter of the cost
  const decodePayload = Schema.decodeUnknownExit(
    Schema.toCodecJson(options.payload as Schema.Top) as unknown as Schema.Codec<unknown, unknown>
  )
  // a struct of plain fields: decoded without the Schema's machinery (which still decides whatever it declines)
  const decodeFast = PayloadDecoder.compile(options.payload)
  const toNewEvent = (payload: unknown, text: string, metadata: Readonly<Record<string, string>> | undefined) =>
    make(type, options.tags(payload), text, metadata)
  const encodeEither = (
    payload: unknown,
    metadata?: Readonly<Record<string, string>>
  ): { readonly ok: true; readonly event: NewEvent } | { readonly ok: false; readonly reason: string } => {
    const exit = encodeJson(payload)
    if (Exit.isSuccess(exit)) return { ok: true, event: toNewEvent(payload, exit.value, metadata) }
    return { ok: false, reason: Cause.pretty(exit.cause) }
  }
  const is = (event: { readonly type: string }) => event.type === type
  const decodeNow = (event: SequencedEvent): Decoded<Type, Payload["Type"]> | EventDecodeError => {
    if (event.type !== type) return decodeError(event, `expected an event of type ${type}`)
    let text: string
    try {
      text = decoder.decode(event.data)
    } catch {
      return decodeError(event, "the payload is not UTF-8")
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = notJson
    }
    // (`notJson`, a symbol, is declined like any value that is not an object)
    // Stryker disable next-line ConditionalExpression: equivalent: the compiled decoder only saves the Schema's work
    let payload = decodeFast === undefined ? undefined : decodeFast(json)
    // Stryker disable next-line ConditionalExpression: equivalent: the Schema decodes what the compiled decoder did alike
    if (payload === undefined) {
      // not JSON: the JSON string codec's own failure
      const exit = json === notJson ? decodeJson(text) : decodePayload(json)
      if (Exit.isFailure(exit)) {
        const error = Cause.findErrorOption(exit.cause)
        return decodeError(event, Option.isSome(error) ? String((error.value as { message?: unknown }).message) : Cause.pretty(exit.cause))
      }
      payload = exit.value as object
    }
    return {
      type,
      payload: payload as Payload["Type"],
      tags: event.tags,
      position: event.position,
      recordedAt: event.recordedAt,
      metadata: event.metadata ?? EMPTY_METADATA
    }
  }
  const decode = (event: SequencedEvent): Effect.Effect<Decoded<Type, Payload["Type"]>, EventDecodeError> =>
    Effect.suspend(() => {
      const decoded = decodeNow(event)
      return decoded instanceof EventDecodeError ? Effect.fail(decoded) : Effect.succeed(decoded)
    })
  const definition: EventDefinition<Type, Payload> = {
    [DefinitionTypeId]: DefinitionTypeId,
    type,
    payload: options.payload,
    tags: options.tags,
    make: (payload, metadata) => {
      const result = encodeEither(payload, metadata)
      if (result.ok) return result.event
      throw new EventEncodeError({ type, reason: result.reason })
    },
    encode: (payload, metadata) =>
      Effect.suspend(() => {
        const result = encodeEither(payload, metadata)
        return result.ok ? Effect.succeed(result.event) : Effect.fail(new EventEncodeError({ type, reason: result.reason }))
      }),
    decode,
    is
  }
  syncDecoders.set(definition, decodeNow)
  return definition
}

/** A decode failure of an event (a function, not a closure per decoded event). */
const decodeError = (event: SequencedEvent, reason: string) =>
  new EventDecodeError({ type: event.type, position: event.position, reason })

const EMPTY_METADATA: Readonly<Record<string, string>> = Object.freeze({})

const syncDecoders = new WeakMap<Any, (event: SequencedEvent) => Decoded<string, any> | EventDecodeError>()

/**
 * The synchronous decoder of a definition made by {@link define}: the same
 * outcome as `definition.decode(event)`, without running an Effect (the
 * error is returned, not thrown). `undefined` for any other definition (use
 * its `decode`). Decision models and views fold with it.
 *
 * @example
 * ```ts
 * import { Event } from "fairway/Dcb"
 *
 * const decode = Event.syncDecoder(StudentSubscribed)
 * const decoded = decode?.(storedEvent) // Decoded | EventDecodeError | undefined
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const syncDecoder = (
  definition: Any
): ((event: SequencedEvent) => Decoded<string, any> | EventDecodeError) | undefined => syncDecoders.get(definition)

/**
 * Whether a value is an {@link EventDefinition}.
 *
 * @category guards
 * @since 0.1.0
 */
export const isDefinition = (u: unknown): u is Any =>
  typeof u === "object" && u !== null && (u as Record<string, unknown>)[DefinitionTypeId] === DefinitionTypeId
