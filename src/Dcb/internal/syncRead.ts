/**
 * A synchronous read, offered by stores that hold their events in memory:
 * the events matching a query strictly after a position, read in one
 * synchronous step (a snapshot), or the read's error. `DecisionModel.read`
 * folds them without a `Stream` when the store offers it (a `Stream` costs
 * ~3 µs per short read, the synchronous read ~1 µs).
 *
 * The read is a non-enumerable property of the store's shape: a wrapper made
 * by spreading a store (one that intercepts `read`, say) does not copy it,
 * so decision reads go through the wrapper's own `read`.
 *
 * @internal
 */
import type * as Event from "../Event.ts"
import type * as EventStore from "../EventStore.ts"
import type * as Query from "../Query.ts"
import type * as SequencePosition from "../SequencePosition.ts"

const key: unique symbol = Symbol.for("fairway/Dcb/EventStore/syncRead")

/** @internal */
export type SyncRead = (
  query: Query.Query,
  after: SequencePosition.SequencePosition | undefined
) => ReadonlyArray<Event.SequencedEvent> | EventStore.ReadError

/** The store's synchronous read, if it offers one. @internal */
export const get = (store: EventStore.EventStoreShape): SyncRead | undefined =>
  (store as { readonly [key]?: SyncRead })[key]

/** Offers a synchronous read on a store's shape (non-enumerable). @internal */
export const attach = <S extends EventStore.EventStoreShape>(store: S, read: SyncRead): S =>
  Object.defineProperty(store, key, { value: read, enumerable: false })
