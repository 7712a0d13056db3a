/**
 * Error texts stored with dead letters are bounded, so that parking an event
 * can never fail because its error is large (a FoundationDB value is at most
 * 100,000 bytes): a parking write that failed would leave the event to be
 * retried forever, re-running its side effects.
 *
 * @since 0.1.0
 */

/**
 * The most UTF-16 code units of error text kept in a dead letter (at most
 * 12 KB of UTF-8).
 *
 * @since 0.1.0
 */
export const maxErrorTextLength = 4_096

/**
 * The text itself when short enough, else its start and a note of how much
 * was cut (never splitting a surrogate pair).
 *
 * @since 0.1.0
 */
export const bound = (text: string): string => {
  if (text.length <= maxErrorTextLength) return text
  const note = ` … (${text.length - maxErrorTextLength} more characters cut)`
  let end = maxErrorTextLength - note.length
  const code = text.charCodeAt(end - 1)
  if (code >= 0xd800 && code <= 0xdbff) end--
  return text.slice(0, end) + note
}

/**
 * A dead letter (of a view or an automation) with its error text bounded.
 *
 * @since 0.1.0
 */
export const boundLetter = <L extends { readonly error: string }>(letter: L): L =>
  letter.error.length <= maxErrorTextLength ? letter : { ...letter, error: bound(letter.error) }
