import { InsufficientScopeError } from '../errors.ts'
import type { AccessTokenPrincipal } from './verify-access-token.ts'

/** What a route needs beyond a valid token. Every listed scope and permission is required ("all of"). */
export interface AccessRequirement {
  /** OAuth 2.0 scopes that must all be in the token's space-separated `scope` claim. */
  readonly scopes?: readonly string[]
  /** Auth0 RBAC permissions that must all be in the token's `permissions` array. */
  readonly permissions?: readonly string[]
  /** A custom check on the verified token (an organisation id, a role); false means 403. */
  readonly check?: (principal: AccessTokenPrincipal) => boolean
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/** Splits a space-delimited list (RFC 6749 §3.3) into its members. */
export function parseStringList(value: string): string[] {
  return value.split(' ').filter((item) => item !== '')
}

/** Checks a requirement once, where a route is declared, so that a typo fails at start-up. */
export function validateAccessRequirement(requirement: AccessRequirement): AccessRequirement {
  for (const name of ['scopes', 'permissions'] as const) {
    const list = requirement[name]
    if (list !== undefined && (!Array.isArray(list) || list.some((item) => !SCOPE_TOKEN.test(item)))) {
      throw new TypeError(`"${name}" must be a list of scope tokens without spaces or quotes`)
    }
  }
  if (requirement.check !== undefined && typeof requirement.check !== 'function') {
    throw new TypeError('"check" must be a function')
  }
  return Object.freeze({ ...requirement })
}

/** Throws `InsufficientScopeError` (403) unless the principal meets the requirement. */
export function assertAccess(principal: AccessTokenPrincipal, requirement: AccessRequirement): void {
  const missingScopes = (requirement.scopes ?? []).filter((scope) => !principal.scopes.has(scope))
  if (missingScopes.length > 0) throw new InsufficientScopeError(requirement.scopes ?? [])
  const missingPermissions = (requirement.permissions ?? []).filter((p) => !principal.permissions.has(p))
  if (missingPermissions.length > 0) {
    throw new InsufficientScopeError(requirement.permissions ?? [], 'The access token lacks a required permission')
  }
  if (requirement.check !== undefined && !requirement.check(principal)) {
    throw new InsufficientScopeError([], 'The access token does not grant access to this resource')
  }
}
