/**
 * The in-process limit: a plain array of event records with `Map` indexes
 * from tag and from type to ascending positions, doing the same appends,
 * reads and conditional appends with no abstraction at all (synchronous; a
 * command cannot interleave with another, so it never retries).
 *
 * @since 0.1.0
 */
import { type Backend, type BenchEvent, COMMAND_EVENT_TYPE, type CommandResult, payload, type Store } from "./Backend.ts"

const decoder = new TextDecoder()

interface Stored {
  readonly type: string
  readonly tags: ReadonlyArray<string>
  readonly data: Uint8Array
  readonly position: number
  readonly recordedAt: number
}

/**
 * The plain array + Map reference.
 *
 * @since 0.1.0
 */
export const make = (): Backend => ({
  name: "array + Map",
  kind: "reference",
  open: async () => {
    const log: Array<Stored> = []
    const byTag = new Map<string, Array<number>>()
    const byType = new Map<string, Array<number>>()
    const index = (map: Map<string, Array<number>>, key: string, i: number) => {
      const list = map.get(key)
      if (list === undefined) map.set(key, [i])
      else list.push(i)
    }
    const append = (e: BenchEvent, recordedAt: number) => {
      const i = log.length
      log.push({ type: e.type, tags: e.tags, data: e.data, position: i + 1, recordedAt })
      index(byType, e.type, i)
      for (const tag of e.tags) index(byTag, tag, i)
    }
    const s: Store = {
      appendEach: async (events, deadline) => {
        let i = 0
        for (; i < events.length; i++) {
          if ((i & 1023) === 0 && performance.now() > deadline) break
          append(events[i]!, Date.now())
        }
        return i
      },
      appendBatches: async (batches, deadline) => {
        let n = 0
        for (const batch of batches) {
          if (performance.now() > deadline) break
          const now = Date.now()
          for (const e of batch) append(e, now)
          n += batch.length
        }
        return n
      },
      load: async (batches) => {
        for (const batch of batches) {
          const now = Date.now()
          for (const e of batch) append(e, now)
        }
      },
      read: async (q, reps, deadline) => {
        const list = (q._tag === "Tag" ? byTag.get(q.tag) : byType.get(q.type)) ?? []
        const samples: Array<number> = []
        let count = 0
        for (let r = 0; r < reps; r++) {
          if (r > 0 && performance.now() > deadline) break
          const t0 = performance.now()
          let n = 0
          let last = 0
          for (let j = 0; j < list.length; j++) {
            const e = log[list[j]!]!
            n++
            last = e.position
          }
          samples.push(performance.now() - t0)
          count = n
          void last
        }
        return { samples, count }
      },
      commands: async (plan) => {
        let successes = 0
        let commands = 0
        for (let w = 0; w < plan.writers; w++) {
          for (let i = 0; i < plan.perWriter; i++) {
            if (performance.now() > plan.deadline) break
            const tag = plan.tagOf(w, i)
            const list = byTag.get(tag) ?? []
            let count = 0
            let last = 0
            for (const j of list) {
              const e = log[j]!
              if (e.type === COMMAND_EVENT_TYPE) {
                count++
                last = e.position
              }
            }
            // condition: nothing matching after `last` (trivially true: synchronous)
            const conflict = list.length > 0 && log[list[list.length - 1]!]!.position > last &&
              log[list[list.length - 1]!]!.type === COMMAND_EVENT_TYPE
            if (!conflict) {
              append({ type: COMMAND_EVENT_TYPE, tags: [tag], data: payload(count), stream: tag }, Date.now())
              successes++
            }
            commands++
          }
        }
        return { commands, successes, conditionFailures: 0, retries: 0, gaveUp: 0 } satisfies CommandResult
      },
      viewCatchUp: async () => {
        // the in-process limit of a projection: decode each deposit, fold it into a Map by account
        const balances = new Map<string, number>()
        const list = byType.get(COMMAND_EVENT_TYPE) ?? []
        for (const j of list) {
          const e = log[j]!
          const key = e.tags[0]!
          const amount = (JSON.parse(decoder.decode(e.data)) as { amount: number }).amount
          balances.set(key, (balances.get(key) ?? 0) + amount)
        }
        return list.length
      },
      close: async () => {}
    }
    return s
  }
})
