/**
 * `node bench/profileSummary.ts <file.cpuprofile> [top]`: self time per
 * function (name, file:line), highest first, and the share of the total.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"

interface Node {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: ReadonlyArray<number>
}
interface Profile {
  readonly nodes: ReadonlyArray<Node>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const [file, topArg] = process.argv.slice(2)
if (file === undefined) {
  console.error("usage: node bench/profileSummary.ts <file.cpuprofile> [top]")
  process.exit(2)
}
const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const self = new Map<string, number>()
let total = 0
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]!)!
  const dt = profile.timeDeltas[i] ?? 0
  total += dt
  const { functionName, lineNumber, url } = node.callFrame
  const where = url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/(src|bench)\//, "$1/")
  const key = `${functionName || "(anonymous)"}  ${where}:${lineNumber + 1}`
  self.set(key, (self.get(key) ?? 0) + dt)
}
const top = Number(topArg ?? 40)
console.log(`total ${(total / 1000).toFixed(0)} ms`)
for (const [key, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${key}`)
}
