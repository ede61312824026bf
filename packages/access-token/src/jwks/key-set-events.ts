import type { IssuerUnavailableReason } from '../errors.ts'
import { boundForLog } from './transport-policy.ts'

/** Something worth a log line: every fetch, failure and rotation. Never carries a token; every value is bounded. */
export type KeySetEvent =
  | {
      readonly type: 'jwks_fetched'
      readonly url: string
      readonly keys: number
      readonly kids: readonly string[]
      readonly freshForSeconds: number
      readonly durationMs: number
    }
  | {
      readonly type: 'jwks_rotated'
      readonly url: string
      readonly added: readonly string[]
      readonly removed: readonly string[]
    }
  | {
      readonly type: 'jwks_fetch_failed'
      readonly url: string
      readonly reason: IssuerUnavailableReason
      readonly detail: string
      readonly retryInSeconds: number
      readonly servingStaleKeys: boolean
    }

export type KeySetListener = (event: KeySetEvent) => void

const MAX_LISTED_KIDS = 20
const MAX_KID_LENGTH = 64

/** `kid`s come from the issuer's document: a few are listed, each cut short, and the rest counted. */
export function boundKids(kids: readonly string[]): string[] {
  const listed = kids.slice(0, MAX_LISTED_KIDS).map((kid) => boundForLog(kid, MAX_KID_LENGTH))
  if (kids.length > MAX_LISTED_KIDS) listed.push(`…(${kids.length - MAX_LISTED_KIDS} more)`)
  return listed
}

/**
 * Delivers events with every outside value bounded, and keeps a listener's fault out of the caller: a throwing
 * log sink must not turn a valid token into a refusal, nor a fetch into a failure.
 */
export function safeListener(listener: KeySetListener | undefined): KeySetListener {
  if (listener === undefined) return () => {}
  return function deliverKeySetEvent(event) {
    const bounded: KeySetEvent =
      event.type === 'jwks_fetched'
        ? { ...event, kids: boundKids(event.kids) }
        : event.type === 'jwks_rotated'
          ? { ...event, added: boundKids(event.added), removed: boundKids(event.removed) }
          : { ...event, detail: boundForLog(event.detail, 500) }
    try {
      listener(bounded)
    } catch {
      // Deliberately ignored: the listener owns its faults (the app's logger reports its own).
    }
  }
}
