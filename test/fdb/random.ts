/**
 * Seeded random conditions and events for the conflict-precision tests of
 * the FoundationDB store: a small alphabet of types and tags, so that random
 * events often match random query items.
 */
import * as Event from "fairway/Dcb/Event"
import type * as Query from "fairway/Dcb/Query"

/** A seeded generator of numbers in [0, 1) (mulberry32). */
export const rngOf = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `n` distinct elements of `from`, drawn at random. */
export const pick = <A>(rng: () => number, from: ReadonlyArray<A>, n: number): Array<A> => {
  const pool = [...from]
  const out: Array<A> = []
  while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(rng() * pool.length), 1)[0]!)
  return out
}

/** The event types the random events and items use. */
export const TYPES = ["A", "B", "C"]
/** The tags the random events and items use. */
export const TAGS = ["t1", "t2", "t3", "t4"]

/** A valid query item: 0–2 types and 0–`maxTags` tags, not both none. */
export const randomItem = (rng: () => number, maxTags: number): Query.QueryItem => {
  for (;;) {
    const types = pick(rng, TYPES, Math.floor(rng() * 3))
    const tags = pick(rng, TAGS, Math.floor(rng() * (maxTags + 1)))
    if (types.length + tags.length > 0) {
      return { ...(types.length > 0 ? { types } : {}), ...(tags.length > 0 ? { tags } : {}) }
    }
  }
}

/** An event of a random type with 0 to `maxTags` of the tags, its payload `${prefix}${i}`. */
export const randomEvent = (rng: () => number, i: number, maxTags = 3, prefix = "b") =>
  Event.make(TYPES[Math.floor(rng() * 3)]!, pick(rng, TAGS, Math.floor(rng() * (maxTags + 1))), `${prefix}${i}`)
