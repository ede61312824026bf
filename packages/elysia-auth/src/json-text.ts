/** What `Response.json` sends as the content type. */
export const JSON_CONTENT_TYPE = 'application/json;charset=utf-8'

// A frozen value's JSON text cannot change: it is made once and goes when the value does.
const texts = new WeakMap<object, string>()

/**
 * `JSON.stringify(value)`, made once per frozen value. Answers shared by many requests are frozen: a refusal of one
 * kind (`createAuthenticator`), the claims of a principal served from the token cache (`createPrincipal`). A value
 * that is not frozen could change, and is serialised every time.
 */
export function jsonTextOf(value: object): string {
  let text = texts.get(value)
  if (text === undefined) {
    text = JSON.stringify(value)
    if (Object.isFrozen(value)) texts.set(value, text)
  }
  return text
}
