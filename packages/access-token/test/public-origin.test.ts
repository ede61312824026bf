import { describe, expect, test } from 'bun:test'
import { createPublicOrigin } from '../src/index.ts'

const request = (url: string, headers: Record<string, string> = {}) => new Request(url, { headers })
const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'API.Example.com' }

describe('createPublicOrigin', () => {
  test('a fixed origin is normalised and wins over everything the request says', () => {
    const origin = createPublicOrigin({ origin: 'HTTPS://API.example.com:443/', trustProxy: true })
    expect(origin(request('http://10.0.0.7:8000/x', forwarded))).toBe('https://api.example.com')
  })

  test('by default, the request URL’s own origin; forwarded headers are ignored', () => {
    const origin = createPublicOrigin()
    expect(origin(request('http://localhost:8000/x', forwarded))).toBe('http://localhost:8000')
  })

  test('trusted proxy: the first X-Forwarded-Proto and X-Forwarded-Host values', () => {
    const origin = createPublicOrigin({ trustProxy: true })
    expect(origin(request('http://10.0.0.7:8000/x', forwarded))).toBe('https://api.example.com')
    expect(
      origin(
        request('http://10.0.0.7:8000/x', {
          'x-forwarded-proto': 'https, http',
          'x-forwarded-host': 'api.example.com:443, internal',
        }),
      ),
    ).toBe('https://api.example.com')
    expect(origin(request('http://10.0.0.7:8000/x', { 'x-forwarded-proto': 'https' }))).toBe('https://10.0.0.7:8000')
  })

  test('trusted proxy: a value that is not a plain scheme or host voids both', () => {
    const origin = createPublicOrigin({ trustProxy: true })
    for (const headers of [
      { 'x-forwarded-host': 'evil.example/path' },
      { 'x-forwarded-host': 'user@evil.example' },
      { 'x-forwarded-host': 'evil.example:99999' },
      { 'x-forwarded-proto': 'javascript' },
      { 'x-forwarded-proto': 'https://evil.example/', 'x-forwarded-host': 'api.example.com' },
      { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com/x' },
    ]) {
      expect(origin(request('http://localhost:8000/x', headers))).toBe('http://localhost:8000')
    }
  })

  test('the request’s own origin is the same whether parsed afresh or remembered, for every prefix', () => {
    const origin = createPublicOrigin()
    const urls = [
      'http://localhost:8000/x',
      'http://LOCALHOST:8000/y?z',
      'http://localhost:80/x',
      'http://evil.example\\@good.example/x',
      'http://localhost:8000?q=1',
      'https://[::1]:443/x',
      '/relative/path',
    ]
    for (const url of [...urls, ...urls]) {
      const parsed = URL.canParse(url) ? new URL(url).origin : 'http://localhost'
      expect(origin({ method: 'GET', url, headers: new Headers() })).toBe(parsed)
    }
    // Any number of hosts: still each one's own origin once the memory is full.
    for (let i = 0; i < 200; i += 1) {
      expect(origin({ method: 'GET', url: `http://host-${i % 70}.example/x`, headers: new Headers() })).toBe(
        `http://host-${i % 70}.example`,
      )
    }
  })

  test('refuses a configured origin that is not http(s)', () => {
    expect(() => createPublicOrigin({ origin: 'ftp://example.com' })).toThrow('"origin"')
  })
})
