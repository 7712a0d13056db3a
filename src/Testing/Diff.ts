/**
 * Readable failures: an expected and an actual value, shown as a line diff
 * of their JSON renderings (`-` expected, `+` actual).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as TextDiff from "effect/TextDiff"

/**
 * A given/when/then expectation did not hold. The message carries the diff.
 *
 * @category errors
 * @since 0.1.0
 */
export class AssertionFailed extends Schema.TaggedError<AssertionFailed>()("AssertionFailed", {
  message: Schema.String
}) {}

const replacer = (_key: string, value: unknown) => {
  if (typeof value === "bigint") return `${value}n`
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`
  if (value instanceof Map) return Object.fromEntries(value)
  if (value instanceof Set) return [...value]
  return value
}

const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key])
    return out
  }
  return value
}

/**
 * A stable JSON rendering (sorted keys, bigints as `5n`, bytes as a size).
 *
 * @category rendering
 * @since 0.1.0
 */
export const render = (value: unknown): string =>
  value === undefined ? "undefined" : JSON.stringify(sortKeys(JSON.parse(JSON.stringify(value, replacer) ?? "null")), null, 2)

/**
 * The line diff of two values, `-` for expected and `+` for actual lines.
 *
 * @category rendering
 * @since 0.1.0
 */
export const diff = (expected: unknown, actual: unknown): string => {
  const edits = TextDiff.lines(render(expected) + "\n", render(actual) + "\n")
  const out: Array<string> = []
  for (const edit of edits) {
    const mark = edit._tag === "Equal" ? "  " : edit._tag === "Delete" ? "- " : "+ "
    for (const line of edit.items) out.push(mark + line.replace(/\n$/, ""))
  }
  return out.join("\n")
}

/**
 * Whether two values render the same.
 *
 * @category comparing
 * @since 0.1.0
 */
export const equals = (expected: unknown, actual: unknown): boolean => render(expected) === render(actual)

/**
 * Succeeds when `actual` equals `expected`, fails with an
 * {@link AssertionFailed} showing the diff otherwise.
 *
 * @category comparing
 * @since 0.1.0
 */
export const expectEqual = (title: string, expected: unknown, actual: unknown): Effect.Effect<void, AssertionFailed> =>
  equals(expected, actual)
    ? Effect.void
    : Effect.fail(new AssertionFailed({ message: `${title}\n(- expected, + actual)\n${diff(expected, actual)}` }))
