/**
 * A payload decoder compiled once per Schema, for the shapes most payloads
 * have: a struct of required strings, numbers and booleans (nested structs of
 * the same allowed), with no checks, transformations or codec annotations.
 * On the value `JSON.parse` gave, it builds what the Schema's JSON codec would
 * decode (a fresh object of the declared keys, in declaration order) at a
 * fraction of the cost; whenever it is not sure — a value of another type, a
 * missing key, not an object — it declines (`undefined`) and the caller runs
 * the Schema itself, which decodes or reports the error.
 *
 * @internal
 */
import * as SchemaAST from "effect/SchemaAST"

/** A compiled decoder: the decoded value, or `undefined` when the Schema must decide. @internal */
export type Fast = (json: unknown) => object | undefined

/** Annotations that change nothing in decoding (documentation, and the messages of failures the Schema reports). */
const inert: ReadonlySet<string> = new Set(["identifier", "title", "description", "documentation", "examples", "expected"])

const plain = (ast: SchemaAST.AST): boolean => {
  if (ast.checks !== undefined || ast.encoding !== undefined || ast.context !== undefined) return false
  const annotations = ast.annotations
  if (annotations === undefined) return true
  // (a symbol key is not in `inert` either)
  for (const key of Reflect.ownKeys(annotations)) if (!inert.has(key as string)) return false
  return true
}

type Field = (value: unknown) => unknown

/** The sentinel a field decoder returns when it declines. */
const decline = Symbol("fairway/Dcb/payloadDecoder/decline")

const field = (ast: SchemaAST.AST): Field | undefined => {
  if (!plain(ast)) return undefined
  if (SchemaAST.isString(ast)) return (v) => typeof v === "string" ? v : decline
  if (SchemaAST.isNumber(ast)) return (v) => typeof v === "number" ? v : decline
  if (SchemaAST.isBoolean(ast)) return (v) => typeof v === "boolean" ? v : decline
  if (SchemaAST.isObjects(ast)) {
    const struct = objects(ast)
    return struct === undefined ? undefined : (v) => struct(v) ?? decline
  }
  return undefined
}

const objects = (ast: SchemaAST.Objects): Fast | undefined => {
  if (ast.indexSignatures.length > 0 || ast.encodingChecks !== undefined || ast.propertySignatures.length === 0) {
    return undefined
  }
  const names: Array<string> = []
  const fields: Array<Field> = []
  for (const ps of ast.propertySignatures) {
    if (typeof ps.name !== "string" || ps.name === "__proto__") return undefined
    const f = field(ps.type)
    if (f === undefined) return undefined
    names.push(ps.name)
    fields.push(f)
  }
  const n = names.length
  return (json) => {
    if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined
    const record = json as Record<string, unknown>
    const out: Record<string, unknown> = {}
    for (let i = 0; i < n; i++) {
      const name = names[i]!
      const value = fields[i]!(record[name])
      if (value === decline) return undefined
      out[name] = value
    }
    return out
  }
}

/**
 * Compiles the decoder of a payload Schema, or `undefined` when its shape is
 * not one this covers (the Schema decodes every payload then).
 *
 * @internal
 */
export const compile = (schema: { readonly ast: SchemaAST.AST }): Fast | undefined => {
  const ast = schema.ast
  return SchemaAST.isObjects(ast) && plain(ast) ? objects(ast) : undefined
}
