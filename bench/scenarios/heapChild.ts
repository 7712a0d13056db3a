/**
 * Scenario 6's measurement, one backend per process (so that no garbage of
 * another backend skews it): `node --expose-gc bench/scenarios/heapChild.ts
 * <backend name> <events>` prints `{ heap, external }` bytes per event.
 *
 * @since 0.1.0
 */
import * as Backends from "../backends/index.ts"
import * as Datasets from "../datasets.ts"
import { gc } from "../harness.ts"

const [name, count] = process.argv.slice(2)
const n = Number(count)
const backend = (await Backends.all()).find((b) => b.name === name)
if (backend === undefined || !Number.isSafeInteger(n) || (globalThis as { gc?: unknown }).gc === undefined) {
  console.error(`usage: node --expose-gc heapChild.ts <backend> <events> (backend ${name} not found?)`)
  process.exit(2)
}
const used = () => {
  const m = process.memoryUsage()
  return { heap: m.heapUsed, external: m.external }
}
// warm the backend's code paths on a small store, then measure on a fresh one
{
  const warm = await backend.open()
  await warm.load(Datasets.heapDataset(2_000))
  await warm.close()
}
gc()
const before = used()
const store = await backend.open()
await store.load(Datasets.heapDataset(n))
gc()
const after = used()
console.log(JSON.stringify({ heap: (after.heap - before.heap) / n, external: (after.external - before.external) / n }))
await store.close()
