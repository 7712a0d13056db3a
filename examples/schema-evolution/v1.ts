/**
 * Version 1 of the membership events, as the first release stored them: kept
 * only to write old-style events in the example and its tests (an app keeps
 * nothing of v1 but what `v2.ts` reads).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Event } from "fairway/Dcb"

/**
 * v1: one `name` field; renamed to `MemberJoined` in v2.
 *
 * @category events
 * @since 0.1.0
 */
export const MemberRegistered = Event.define("MemberRegistered", {
  payload: Schema.Struct({ memberId: Schema.String, name: Schema.String }),
  tags: (p) => [`member:${p.memberId}`]
})

/**
 * v1: the field `quota` is called `seats` in v2.
 *
 * @category events
 * @since 0.1.0
 */
export const PlanChosen = Event.define("PlanChosen", {
  payload: Schema.Struct({ memberId: Schema.String, quota: Schema.Int }),
  tags: (p) => [`member:${p.memberId}`]
})
