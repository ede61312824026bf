import { describe, expect, test } from 'bun:test'
import {
  extractBearerToken,
  extractCredentials,
  InvalidRequestError,
  MAX_AUTHORIZATION_LENGTH,
  MissingCredentialsError,
} from '../src/index.ts'

const reasonOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.reason
    if (error instanceof MissingCredentialsError) return 'missing'
    throw error
  }
  return 'no error'
}

describe('extractBearerToken', () => {
  test('returns the token of a well-formed header', () => {
    expect(extractBearerToken({ authorization: 'Bearer abc.DEF-_~+/==' })).toBe('abc.DEF-_~+/==')
  })

  test('matches the scheme case-insensitively (RFC 9110 §11.1)', () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      expect(extractBearerToken({ authorization: `${scheme} tok` })).toBe('tok')
    }
  })

  test('tolerates extra spaces between scheme and token and around the value', () => {
    expect(extractBearerToken({ authorization: '  Bearer    tok  ' })).toBe('tok')
  })

  test('no header, an empty header or another scheme: missing credentials', () => {
    expect(reasonOf(() => extractBearerToken({}))).toBe('missing')
    expect(reasonOf(() => extractBearerToken({ authorization: '' }))).toBe('missing')
    expect(reasonOf(() => extractBearerToken({ authorization: '   ' }))).toBe('missing')
    expect(reasonOf(() => extractBearerToken({ authorization: 'Basic dXNlcjpwYXNz' }))).toBe('missing')
    expect(reasonOf(() => extractBearerToken({ authorization: 'Bearertoken' }))).toBe('missing')
    expect(reasonOf(() => extractBearerToken({ authorization: 'DPoP tok' }))).toBe('missing')
  })

  test('an empty token is invalid_request (fetch trims "Bearer " to "Bearer")', () => {
    expect(reasonOf(() => extractBearerToken({ authorization: 'Bearer' }))).toBe('empty_token')
    expect(reasonOf(() => extractBearerToken({ authorization: 'Bearer ' }))).toBe('empty_token')
  })

  test('a token with spaces or characters outside b64token is invalid_request', () => {
    for (const bad of [
      'Bearer a b',
      'Bearer a,b',
      'Bearer "tok"',
      'Bearer tok=x',
      'Bearer ==',
      'Bearer a\tb',
      'Bearer tök',
    ]) {
      expect(reasonOf(() => extractBearerToken({ authorization: bad }))).toBe('malformed_header')
    }
  })

  test('two Authorization headers joined by the runtime are refused', () => {
    expect(reasonOf(() => extractBearerToken({ authorization: 'Bearer a, Bearer b' }))).toBe('malformed_header')
  })

  test('an oversized header is refused before parsing, whatever it holds', () => {
    const header = `Bearer ${'a'.repeat(MAX_AUTHORIZATION_LENGTH)}`
    expect(reasonOf(() => extractBearerToken({ authorization: header }))).toBe('header_too_large')
    const blank = '\v\f'.repeat(MAX_AUTHORIZATION_LENGTH)
    expect(reasonOf(() => extractBearerToken({ authorization: blank }))).toBe('header_too_large')
  })

  test('only spaces and tabs count as whitespace (RFC 9110 §5.6.3)', () => {
    expect(extractBearerToken({ authorization: '\tBearer tok\t' })).toBe('tok')
    for (const odd of ['Bearer \vtok', 'Bearer \u00a0tok', '\u00a0Bearer tok', 'Bearer tok\f', 'Bearer\ttok']) {
      expect(reasonOf(() => extractBearerToken({ authorization: odd }))).not.toBe('no error')
    }
  })

  test('a token in the query string is refused (RFC 6750 §2.3 leaks into logs)', () => {
    expect(reasonOf(() => extractBearerToken({ url: 'https://api.example/x?access_token=tok' }))).toBe('token_in_query')
    expect(reasonOf(() => extractBearerToken({ url: '/x?a=1&access_token=' }))).toBe('token_in_query')
    expect(reasonOf(() => extractBearerToken({ url: '/x?not_access_token=1' }))).toBe('missing')
    expect(reasonOf(() => extractBearerToken({ url: '/x#access_token=tok' }))).toBe('missing')
    expect(reasonOf(() => extractBearerToken({ url: '/x?q=access_token' }))).toBe('missing')
  })

  test('a token in the header and the query string at once is refused', () => {
    expect(reasonOf(() => extractBearerToken({ authorization: 'Bearer a', url: '/x?access_token=b' }))).toBe(
      'multiple_methods',
    )
  })
})

describe('extractCredentials', () => {
  test('Bearer or DPoP, case-insensitively, with the DPoP proofs of the request', () => {
    expect(extractCredentials({ authorization: 'Bearer tok' })).toEqual({ scheme: 'bearer', token: 'tok', proofs: [] })
    expect(extractCredentials({ authorization: 'dPoP tok', dpop: 'a.b.c' })).toEqual({
      scheme: 'dpop',
      token: 'tok',
      proofs: ['a.b.c'],
    })
  })

  test('several DPoP fields (joined by the runtime with ", ") are several proofs', () => {
    expect(extractCredentials({ authorization: 'DPoP tok', dpop: 'a.b.c, d.e.f' }).proofs).toEqual(['a.b.c', 'd.e.f'])
    expect(extractCredentials({ authorization: 'DPoP tok', dpop: ' \t' }).proofs).toEqual([])
  })

  test('the DPoP scheme follows the token68 syntax and the other rules of the Bearer one', () => {
    expect(reasonOf(() => extractCredentials({ authorization: 'DPoP' }))).toBe('empty_token')
    expect(reasonOf(() => extractCredentials({ authorization: 'DPoP a b' }))).toBe('malformed_header')
    expect(reasonOf(() => extractCredentials({ authorization: 'DPoP a', url: '/?access_token=b' }))).toBe(
      'multiple_methods',
    )
    expect(reasonOf(() => extractCredentials({ authorization: 'DPoPtok' }))).toBe('missing')
  })

  test('another scheme is missing credentials, told apart from none at all', () => {
    const reason = (authorization?: string) => {
      try {
        extractCredentials({ authorization })
      } catch (error) {
        return (error as MissingCredentialsError).reason
      }
    }
    expect(reason()).toBe('none')
    expect(reason('Basic dXNlcjpwYXNz')).toBe('unsupported_scheme')
    // Names an object's prototype has are schemes like any other.
    for (const scheme of ['constructor', '__proto__', 'toString', 'Constructor']) {
      expect(reason(`${scheme} tok`)).toBe('unsupported_scheme')
    }
  })
})
