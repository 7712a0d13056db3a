/**
 * Version 2 of the membership events, reading every event v1 stored:
 *
 * - **a v1 payload read by a v2 schema through a transformation**: v1 stored
 *   `name`; v2 has `firstName` and `lastName`. The v2 payload schema is a
 *   union whose second member decodes the v1 shape into the v2 one, so old
 *   events decode to v2 values and new events are written in the v2 shape.
 * - **a renamed field**: `quota` became `seats`, the same way (a union with a
 *   member that reads the old key).
 * - **a field added**: `referrer`, optional with a default on decoding.
 * - **a renamed event type**: `MemberRegistered` became `MemberJoined`. A
 *   stored event keeps its type forever, so v2 keeps a definition of the old
 *   name (`LegacyMemberRegistered`, decoding to the same payload) and every
 *   query and projection lists both types: {@link memberJoined} does both.
 *
 * @since 0.1.0
 */
import { Effect, Schema, SchemaTransformation } from "effect"
import { Event, Query } from "fairway/Dcb"

/**
 * A member's name, v2: two fields.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Joined = Schema.Struct({
  memberId: Schema.String,
  firstName: Schema.String,
  lastName: Schema.String,
  referrer: Schema.String.pipe(Schema.optionalKey, Schema.withDecodingDefault(Effect.succeed("none")))
})

/**
 * The v1 shape (`{ memberId, name }`) decoded into the v2 one: the name split
 * at its last space (encoding back joins them).
 *
 * @category schemas
 * @since 0.1.0
 */
export const JoinedFromV1 = Schema.Struct({ memberId: Schema.String, name: Schema.String }).pipe(
  Schema.decodeTo(
    Schema.Struct({ memberId: Schema.String, firstName: Schema.String, lastName: Schema.String, referrer: Schema.String }),
    SchemaTransformation.transform({
      decode: ({ memberId, name }) => {
        const at = name.lastIndexOf(" ")
        return at === -1
          ? { memberId, firstName: name, lastName: "", referrer: "none" }
          : { memberId, firstName: name.slice(0, at), lastName: name.slice(at + 1), referrer: "none" }
      },
      encode: ({ memberId, firstName, lastName }) => ({ memberId, name: `${firstName} ${lastName}`.trim() })
    })
  )
)

/**
 * The payload of a member joining, whatever version wrote it: v2 first (what
 * new events are encoded with), then v1.
 *
 * @category schemas
 * @since 0.1.0
 */
export const JoinedPayload = Schema.Union([Joined, JoinedFromV1])

/**
 * v2's event: a member joined.
 *
 * @category events
 * @since 0.1.0
 */
export const MemberJoined = Event.define("MemberJoined", {
  payload: JoinedPayload,
  tags: (p) => [`member:${p.memberId}`]
})

/**
 * The v1 name of the same fact, still in the log: decoded to the v2 payload.
 *
 * @category events
 * @since 0.1.0
 */
export const LegacyMemberRegistered = Event.define("MemberRegistered", {
  payload: JoinedPayload,
  tags: (p) => [`member:${p.memberId}`]
})

/**
 * Both definitions of "a member joined" (for a projection's `events`).
 *
 * @category events
 * @since 0.1.0
 */
export const memberJoined = [MemberJoined, LegacyMemberRegistered] as const

/**
 * The query of "a member joined" (both type names), for one member.
 *
 * @category queries
 * @since 0.1.0
 */
export const memberJoinedQuery = (memberId: string) =>
  Query.item({ types: memberJoined.map((d) => d.type), tags: [`member:${memberId}`] })

/**
 * v2's plan payload: `seats`, which v1 called `quota`.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Plan = Schema.Struct({ memberId: Schema.String, seats: Schema.Int })

/**
 * A plan, whatever version wrote it.
 *
 * @category schemas
 * @since 0.1.0
 */
export const PlanPayload = Schema.Union([
  Plan,
  Schema.Struct({ memberId: Schema.String, quota: Schema.Int }).pipe(
    Schema.decodeTo(
      Plan,
      SchemaTransformation.transform({
        decode: ({ memberId, quota }) => ({ memberId, seats: quota }),
        encode: ({ memberId, seats }) => ({ memberId, quota: seats })
      })
    )
  )
])

/**
 * v2's plan event (same type name as v1).
 *
 * @category events
 * @since 0.1.0
 */
export const PlanChosen = Event.define("PlanChosen", {
  payload: PlanPayload,
  tags: (p) => [`member:${p.memberId}`]
})
