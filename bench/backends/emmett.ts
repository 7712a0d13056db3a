/**
 * `@event-driven-io/emmett` 0.42, `getInMemoryEventStore()`: stream-based, not
 * DCB. One tag maps to one stream (an event goes to the stream of its
 * `stream` tag), a command is `readStream` + `appendToStream` with
 * `expectedStreamVersion`. It has no type index: reads of one type are not
 * supported.
 *
 * @since 0.1.0
 */
import { getInMemoryEventStore, isExpectedVersionConflictError } from "@event-driven-io/emmett"
import {
  type Backend,
  type BenchEvent,
  COMMAND_EVENT_TYPE,
  payload,
  runPromiseCommands,
  type Store
} from "./Backend.ts"

type EmmettEvent = { type: string; data: { readonly bytes: Uint8Array } }

const toEvent = (e: BenchEvent): EmmettEvent => ({ type: e.type, data: { bytes: e.data } })

/**
 * The Emmett backend.
 *
 * @since 0.1.0
 */
export const make = (): Backend => ({
  name: "Emmett memory",
  kind: "peer",
  // the peer of the command targets: also measured in paired processes (scenario 3)
  paired: true,
  // its append computes the global position by summing every stream's length, per event: loading 1M events takes minutes
  maxEvents: 100_000,
  maxEventsQuick: 30_000,
  open: async () => {
    const store = getInMemoryEventStore()
    const s: Store = {
      appendEach: async (events, deadline) => {
        let i = 0
        for (; i < events.length; i++) {
          if ((i & 63) === 0 && performance.now() > deadline) break
          const e = events[i]!
          await store.appendToStream(e.stream, [toEvent(e)])
        }
        return i
      },
      appendBatches: async (batches, deadline) => {
        // a batch of one stream (the benchmark's batches share a stream); otherwise one append per stream
        let n = 0
        for (const batch of batches) {
          if (performance.now() > deadline) break
          const byStream = new Map<string, Array<EmmettEvent>>()
          for (const e of batch) {
            const list = byStream.get(e.stream)
            if (list === undefined) byStream.set(e.stream, [toEvent(e)])
            else list.push(toEvent(e))
          }
          for (const [stream, events] of byStream) await store.appendToStream(stream, events)
          n += batch.length
        }
        return n
      },
      load: async (batches) => {
        // grouped per stream, in large appends: one append per event copies the stream each time
        const byStream = new Map<string, Array<EmmettEvent>>()
        const flush = async () => {
          for (const [stream, events] of byStream) await store.appendToStream(stream, events)
          byStream.clear()
        }
        let pending = 0
        for (const batch of batches) {
          for (const e of batch) {
            const list = byStream.get(e.stream)
            if (list === undefined) byStream.set(e.stream, [toEvent(e)])
            else list.push(toEvent(e))
          }
          pending += batch.length
          if (pending >= 200_000) {
            await flush()
            pending = 0
          }
        }
        await flush()
      },
      read: async (q, reps, deadline) => {
        if (q._tag !== "Tag") return undefined
        const samples: Array<number> = []
        let count = 0
        for (let r = 0; r < reps; r++) {
          if (r > 0 && performance.now() > deadline) break
          const t0 = performance.now()
          const result = await store.readStream(q.tag)
          let n = 0
          let last: bigint | undefined
          for (const e of result.events) {
            n++
            last = e.metadata.streamPosition
          }
          samples.push(performance.now() - t0)
          count = n
          void last
        }
        return { samples, count }
      },
      commands: (plan) =>
        runPromiseCommands(plan, async (stream) => {
          const { currentStreamVersion, events } = await store.readStream<EmmettEvent>(stream)
          let count = 0
          for (const _ of events) count++
          try {
            await store.appendToStream<EmmettEvent>(
              stream,
              [{ type: COMMAND_EVENT_TYPE, data: { bytes: payload(count) } }],
              { expectedStreamVersion: currentStreamVersion }
            )
            return "appended"
          } catch (error) {
            if (!isExpectedVersionConflictError(error)) throw error
            return "conflict"
          }
        }),
      close: async () => {}
    }
    return s
  }
})
