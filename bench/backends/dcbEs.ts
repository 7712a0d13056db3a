/**
 * `@dcb-es/event-store` 7.0.1, `MemoryEventStore`: the TypeScript DCB store
 * users would pick instead of Fairway. Driven with `async` code as its
 * README shows: `append({ events, condition })`, `read` as an async
 * generator, `AppendConditionError` on a failed condition. Its
 * `Query.fromItems` requires `types` on every item, so "read one tag" is
 * read as "the tag, with every type the dataset uses".
 *
 * @since 0.1.0
 */
import {
  AppendConditionError,
  type DcbEvent,
  MemoryEventStore,
  Query,
  type SequencedEvent,
  SequencePosition,
  Tags
} from "@dcb-es/event-store"
import {
  type Backend,
  type BenchEvent,
  type BenchQuery,
  COMMAND_EVENT_TYPE,
  payload,
  runPromiseCommands,
  type Store
} from "./Backend.ts"

const decoder = new TextDecoder()

const toEvent = (e: BenchEvent): DcbEvent => ({ type: e.type, tags: Tags.from(e.tags.slice()), data: e.data, metadata: {} })

/**
 * The `@dcb-es/event-store` backend. `types` lists every event type of the
 * datasets (its queries need types).
 *
 * @since 0.1.0
 */
export const make = (types: ReadonlyArray<string>): Backend => ({
  name: "@dcb-es memory",
  kind: "peer",
  maxEventsQuick: 100_000,
  open: async () => {
    let store = new MemoryEventStore()
    let loaded = 0
    const toQuery = (q: BenchQuery): Query =>
      q._tag === "Tag"
        ? Query.fromItems([{ types: types.slice(), tags: Tags.from([q.tag]) }])
        : Query.fromItems([{ types: [q.type] }])
    const s: Store = {
      appendEach: async (events, deadline) => {
        let i = 0
        for (; i < events.length; i++) {
          if ((i & 15) === 0 && performance.now() > deadline) break
          await store.append({ events: toEvent(events[i]!) })
        }
        return i
      },
      appendBatches: async (batches, deadline) => {
        let n = 0
        for (const batch of batches) {
          if (performance.now() > deadline) break
          await store.append({ events: batch.map(toEvent) })
          n += batch.length
        }
        return n
      },
      load: async (batches) => {
        // Its constructor takes stored events: loading through `append` is quadratic (each append copies the log).
        const initial: Array<SequencedEvent> = []
        for (const batch of batches) {
          for (const e of batch) {
            initial.push({ event: toEvent(e), position: SequencePosition.fromString(String(++loaded)) })
          }
        }
        store = new MemoryEventStore(initial)
      },
      read: async (q, reps, deadline) => {
        const query = toQuery(q)
        const samples: Array<number> = []
        let count = 0
        for (let r = 0; r < reps; r++) {
          if (r > 0 && performance.now() > deadline) break
          const t0 = performance.now()
          let n = 0
          let last: SequencePosition | undefined
          for await (const e of store.read(query)) {
            n++
            last = e.position
          }
          samples.push(performance.now() - t0)
          count = n
          void last
        }
        return { samples, count }
      },
      commands: (plan) =>
        runPromiseCommands(plan, async (tag) => {
          const query = Query.fromItems([{ types: [COMMAND_EVENT_TYPE], tags: Tags.from([tag]) }])
          let count = 0
          let last: SequencePosition | undefined
          for await (const e of store.read(query)) {
            count++
            last = e.position
          }
          try {
            await store.append({
              events: { type: COMMAND_EVENT_TYPE, tags: Tags.from([tag]), data: payload(count), metadata: {} },
              condition: last === undefined ? { failIfEventsMatch: query } : { failIfEventsMatch: query, after: last }
            })
            return "appended"
          } catch (error) {
            if (!(error instanceof AppendConditionError)) throw error
            return "conflict"
          }
        }),
      viewCatchUp: async () => {
        // a projection as its users write one: read the type, decode, fold into a Map by account
        const balances = new Map<string, number>()
        let n = 0
        for await (const { event } of store.read(Query.fromItems([{ types: [COMMAND_EVENT_TYPE] }]))) {
          const key = event.tags.values[0]!
          const amount = (JSON.parse(decoder.decode(event.data as Uint8Array)) as { amount: number }).amount
          balances.set(key, (balances.get(key) ?? 0) + amount)
          n++
        }
        return n
      },
      close: async () => {}
    }
    return s
  }
})
