/**
 * Scenario 6: heap bytes per stored event at 1M events (small payload, two
 * tags). Measured in a child process per backend, as the growth of
 * `heapUsed + external` (payload buffers may live outside the V8 heap)
 * between an empty store and a loaded one, after full collections.
 *
 * @since 0.1.0
 */
import { execFile } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { type Backend, maxEvents } from "../backends/Backend.ts"
import * as Datasets from "../datasets.ts"
import { formatNumber, keysNote, type Report, type Settings } from "../harness.ts"

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "heapChild.ts")

const measure = (backend: Backend, n: number) =>
  new Promise<{ backend: Backend; n: number; result: { stdout: string; stderr: string } }>((resolve) => {
    execFile(
      process.execPath,
      ["--expose-gc", "--conditions=fairway-source", child, backend.name, String(n)],
      { encoding: "utf8", maxBuffer: 1 << 20 },
      (_error, stdout, stderr) => resolve({ backend, n, result: { stdout, stderr } })
    )
  })

/**
 * Scenario 6.
 *
 * @since 0.1.0
 */
export const heap = async (report: Report, backends: ReadonlyArray<Backend>, settings: Settings) => {
  const scenario = "6. memory: heap per stored event (small payload, two tags)"
  const measured: Array<Promise<{ backend: Backend; n: number; result: { stdout: string; stderr: string } }>> = []
  for (const backend of backends) {
    if (backend.measureHeap === false) {
      // keys written per event instead (two tags: 3 tag subsets)
      const n = settings.quick ? 2_000 : 10_000
      const store = await backend.open()
      if (store.keys === undefined) continue
      const before = await store.keys()
      await store.load(Datasets.heapDataset(n))
      const after = await store.keys()
      await store.close()
      const perEvent = (k: string) => ((after[k] ?? 0) - (before[k] ?? 0)) / n
      report.add({
        scenario,
        backend: backend.name,
        metric: "index keys per event (two tags)",
        figure: perEvent("t") + perEvent("g") + perEvent("x"),
        unit: "keys",
        better: "none",
        note: `${keysNote(before, after, n)} (e: log, t: type, g: tag subsets, x: type + tag subsets); heap not measured`
      })
      continue
    }
    measured.push(measure(backend, Math.min(1_000_000, maxEvents(backend, settings.quick))))
  }
  // memory figures do not depend on CPU contention: the children run in parallel
  for (const { backend, n, result } of await Promise.all(measured)) {
    const line = result.stdout.trim().split("\n").pop() ?? ""
    let parsed: { heap: number; external: number } | undefined
    try {
      parsed = JSON.parse(line)
    } catch {
      report.note(`scenario 6 failed on ${backend.name}: ${result.stderr.slice(0, 500)}`)
      continue
    }
    report.add({
      scenario,
      backend: backend.name,
      metric: "heap + external per event",
      figure: parsed!.heap + parsed!.external,
      unit: "bytes",
      better: "lower",
      note: `at ${formatNumber(n)} events; V8 heap ${parsed!.heap.toFixed(0)} + external ${parsed!.external.toFixed(0)}`
    })
  }
  report.print(scenario)
}
