import { describe, expect, test } from 'bun:test'
import { normalizeHtu, requestHtu } from '../src/index.ts'

describe('normalizeHtu (RFC 9449 §4.3, RFC 3986 §6.2.2 and §6.2.3)', () => {
  test.each([
    ['scheme and host case', 'HTTPS://API.Example.COM/api/private', 'https://api.example.com/api/private'],
    ['the default https port', 'https://api.example.com:443/api/private', 'https://api.example.com/api/private'],
    ['the default http port', 'http://localhost:80/x', 'http://localhost/x'],
    ['an empty path', 'https://api.example.com', 'https://api.example.com/'],
    ['the query', 'https://api.example.com/a?b=c&d', 'https://api.example.com/a'],
    ['the fragment', 'https://api.example.com/a#b', 'https://api.example.com/a'],
    ['dot segments', 'https://api.example.com/a/./b/../c', 'https://api.example.com/a/c'],
    [
      'encoded unreserved characters',
      'https://api.example.com/%7Euser/%41%2d%5F%2E',
      'https://api.example.com/~user/A-_.',
    ],
    ['lower-case hex in other encodings', 'https://api.example.com/a%2fb%3a', 'https://api.example.com/a%2Fb%3A'],
    ['characters WHATWG encodes', 'https://api.example.com/a b', 'https://api.example.com/a%20b'],
    ['an IDN host', 'https://bücher.example/', 'https://xn--bcher-kva.example/'],
  ])('normalises %s', (_name, input, expected) => {
    expect(normalizeHtu(input)).toBe(expected)
  })

  test.each([
    ['a trailing slash', 'https://api.example.com/a/', 'https://api.example.com/a'],
    ['path case', 'https://api.example.com/A', 'https://api.example.com/a'],
    ['an encoded slash', 'https://api.example.com/a%2Fb', 'https://api.example.com/a/b'],
    ['another port', 'https://api.example.com:8443/a', 'https://api.example.com/a'],
    ['another scheme', 'http://api.example.com/a', 'https://api.example.com/a'],
  ])('keeps %s significant', (_name, a, b) => {
    expect(normalizeHtu(a)).not.toBe(normalizeHtu(b))
  })

  test.each([
    ['a relative reference', '/api/private'],
    ['another scheme', 'ftp://api.example.com/a'],
    ['user information', 'https://user:pass@api.example.com/a'],
    ['not a URL', 'https://'],
    ['an empty string', ''],
  ])('refuses %s', (_name, input) => {
    expect(normalizeHtu(input)).toBeUndefined()
  })
})

describe('requestHtu', () => {
  test('the request path under the public origin, without its query', () => {
    expect(requestHtu('https://api.example.com', 'http://10.0.0.7:8000/api/private?x=1')).toBe(
      'https://api.example.com/api/private',
    )
    expect(requestHtu('https://api.example.com', '/api/%7eprivate')).toBe('https://api.example.com/api/~private')
  })

  test('a path that looks like an authority stays a path', () => {
    expect(requestHtu('https://api.example.com', 'http://internal//evil.example/x')).toBe(
      'https://api.example.com//evil.example/x',
    )
  })
})
