/**
 * `EventStoreFdb.checkAppend` with the default prefix, as another backend uses
 * it (`EventStore.layerMemoryWith({ checkAppend: EventStoreFdb.checkAppend() })`):
 * it refuses what the FoundationDB store refuses for its size, and only that.
 */
import { expect, it } from "@effect/vitest"
import * as Event from "fairway/Dcb/Event"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"

it("checkAppend() without options checks with the default prefix", () => {
  const check = EventStoreFdb.checkAppend()
  expect(check([Event.make("A", ["t"], "small")], undefined)).toBeUndefined()
  const tooMany = check(Array.from({ length: 65_537 }, () => Event.make("A", [])), undefined)
  expect(tooMany?._tag).toBe("InvalidAppend")
})
