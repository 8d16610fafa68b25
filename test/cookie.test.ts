import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { createSessionCookie, MAX_COOKIE_BYTES, type CookieOptions } from '../src/cookie.js'
import { code } from './helpers/error-code.js'

const bytes = (s: string) => new TextEncoder().encode(s).length

describe('configuration is validated at construction', () => {
  test('secure defaults', () => {
    const c = createSessionCookie()
    expect(c.name).toBe('__Host-session')
    expect(c.attributes).toEqual({ path: '/', secure: true, httpOnly: true, sameSite: 'lax' })
    const [write] = c.write('v', 60, [])
    expect(write!.header).toBe(
      '__Host-session=v; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Lax',
    )
  })

  test.each<[string, CookieOptions]>([
    ['__Host- without Secure', { secure: false }],
    ['__Host- with a Domain', { domain: 'example.com' }],
    ['__Host- with another Path', { path: '/app' }],
    ['__host- (lower case) without Secure', { name: '__host-s', secure: false }],
    ['__Secure- without Secure', { name: '__Secure-s', secure: false }],
    ['__SECURE- without Secure', { name: '__SECURE-s', secure: false }],
    ['SameSite=None without Secure', { name: 's', secure: false, sameSite: 'none' }],
    ['Partitioned without Secure', { name: 's', secure: false, partitioned: true }],
    ['a name with ;', { name: 'a;b' }],
    ['a name with a space', { name: 'a b' }],
    ['a name with =', { name: 'a=b' }],
    ['a name with CR/LF', { name: 'a\r\nb' }],
    ['an empty name', { name: '' }],
    ['a name ending in a chunk suffix', { name: 'session.1' }],
    ['a path with ;', { name: 's', path: '/a;b' }],
    ['a path with CR/LF', { name: 's', path: '/a\r\nSet-Cookie: x=y' }],
    ['a path with a space', { name: 's', path: '/a b' }],
    ['a relative path', { name: 's', path: 'app' }],
    ['a domain with ;', { name: 's', domain: 'a.com;x' }],
    ['a domain with a space', { name: 's', domain: 'a .com' }],
    ['a domain with a port', { name: 's', domain: 'a.com:80' }],
    ['an unknown SameSite', { sameSite: 'lax ' as never }],
    ['a string for secure', { secure: 'yes' as never }],
    ['zero chunks', { maxChunks: 0 }],
    ['51 chunks', { maxChunks: 51 }],
    ['fractional chunks', { maxChunks: 1.5 }],
    // Issue 10 item 11: express-session's cookie.maxAge (ms) is maxAgeSeconds in createSessions.
    ['an unknown option (maxAge)', { maxAge: 1000 } as never],
    ['an unknown option (expires)', { expires: new Date() } as never],
  ])('%s → ERR_COOKIE_OPTIONS', (_name, options) => {
    expect(code(() => createSessionCookie(options))).toBe('ERR_COOKIE_OPTIONS')
  })

  test.each<[string, CookieOptions]>([
    ['a plain name over http', { name: 'sid', secure: false }],
    [
      '__Secure- with a domain and path',
      { name: '__Secure-sid', domain: '.example.com', path: '/app' },
    ],
    ['SameSite=None with Secure', { sameSite: 'none' }],
    ['Partitioned with Secure', { partitioned: true, sameSite: 'none' }],
  ])('accepts %s', (_name, options) => {
    expect(code(() => createSessionCookie(options))).toBe('no error')
  })

  test('9.9: a path or domain over 1024 bytes is refused (RFC 6265bis §5.6: attribute value limit)', () => {
    const at = (path: string) => code(() => createSessionCookie({ name: 's', path }))
    expect(at('/' + 'a'.repeat(1023))).toBe('no error')
    expect(at('/' + 'a'.repeat(1024))).toBe('ERR_COOKIE_OPTIONS')
    expect(at('/' + 'a'.repeat(4000))).toBe('ERR_COOKIE_OPTIONS')
    const label = 'a'.repeat(63)
    const domain = Array(20).fill(label).join('.')
    expect(code(() => createSessionCookie({ name: 's', domain }))).toBe('ERR_COOKIE_OPTIONS')
  })

  test('9.9: with the longest attributes allowed, a write emits the value or throws', () => {
    const widest = createSessionCookie({
      name: 's'.repeat(128),
      path: '/' + 'p'.repeat(1023),
      domain: Array(4).fill('d'.repeat(62)).join('.'),
      sameSite: 'none',
      partitioned: true,
      maxChunks: 50,
    })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 * 4096 }), (length) => {
        const value = 'v'.repeat(length)
        let writes
        try {
          writes = widest.write(value, 60, [])
        } catch (error) {
          expect(
            code(() => {
              throw error
            }),
          ).toBe('ERR_COOKIE_TOO_LARGE')
          return
        }
        expect(writes.length).toBeGreaterThan(0)
        for (const w of writes) expect(bytes(w.header)).toBeLessThanOrEqual(MAX_COOKIE_BYTES)
        expect(writes.map((w) => w.value).join('')).toBe(value)
      }),
      { numRuns: 200 },
    )
  })

  test('Partitioned and Domain are serialized', () => {
    const c = createSessionCookie({ name: '__Secure-s', domain: 'example.com', partitioned: true })
    expect(c.write('v', 10, [])[0]!.header).toBe(
      '__Secure-s=v; Max-Age=10; Domain=example.com; Path=/; HttpOnly; Secure; Partitioned; SameSite=Lax',
    )
  })
})

describe('writing', () => {
  const c = createSessionCookie()

  test('Max-Age is capped at 400 days and never negative', () => {
    expect(c.write('v', 1e12, [])[0]!.options.maxAge).toBe(400 * 24 * 3600)
    expect(c.write('v', -5, [])[0]!.options.maxAge).toBe(0)
  })

  test('the largest single cookie is exactly 4096 bytes of Set-Cookie', () => {
    const overhead = bytes(c.write('', 60, [])[0]!.header)
    const fits = c.write('a'.repeat(MAX_COOKIE_BYTES - overhead), 60, [])
    expect(fits).toHaveLength(1)
    expect(bytes(fits[0]!.header)).toBe(4096)
    const over = c.write('a'.repeat(MAX_COOKIE_BYTES - overhead + 1), 60, [])
    expect(over.map((w) => w.name)).toEqual(['__Host-session.0', '__Host-session.1'])
    for (const w of over) expect(bytes(w.header)).toBeLessThanOrEqual(4096)
    expect(over.map((w) => w.value).join('')).toBe('a'.repeat(MAX_COOKIE_BYTES - overhead + 1))
  })

  test('over the chunk cap → ERR_COOKIE_TOO_LARGE; with chunking off, over 4096 bytes throws', () => {
    expect(code(() => c.write('a'.repeat(4 * 4096), 60, []))).toBe('ERR_COOKIE_TOO_LARGE')
    const off = createSessionCookie({ chunking: false })
    expect(code(() => off.write('a'.repeat(4096), 60, []))).toBe('ERR_COOKIE_TOO_LARGE')
    const two = createSessionCookie({ maxChunks: 2 })
    expect(code(() => two.write('a'.repeat(3 * 4000), 60, []))).toBe('ERR_COOKIE_TOO_LARGE')
  })

  test('stale cookies are deleted when the session shrinks or grows', () => {
    const shrink = c.write('small', 60, [
      '__Host-session.0',
      '__Host-session.1',
      '__Host-session.2',
    ])
    expect(shrink.map((w) => [w.name, w.options.maxAge])).toEqual([
      ['__Host-session', 60],
      ['__Host-session.0', 0],
      ['__Host-session.1', 0],
      ['__Host-session.2', 0],
    ])
    const grow = c.write('a'.repeat(6000), 60, ['__Host-session', '__Host-session.0'])
    expect(grow.map((w) => [w.name, w.options.maxAge])).toEqual([
      ['__Host-session.0', 60],
      ['__Host-session.1', 60],
      ['__Host-session', 0],
    ])
    expect(grow[2]!.header).toContain('Expires=Thu, 01 Jan 1970 00:00:00 GMT')
  })
})

describe('reading', () => {
  const c = createSessionCookie()

  test('only the exact name counts', () => {
    const r = c.read('__host-session=a; __Host-session2=b; x__Host-session=c; __Host-session=good')
    expect(r.values).toEqual(['good'])
    expect(r.present).toEqual(['__Host-session'])
  })

  test('9.7: distinct values of the name are all candidates; beyond maxChunks + 4 it overflows', () => {
    expect(c.read('__Host-session=one; __Host-session=two').values).toEqual(['one', 'two'])
    expect(c.read(Array(10).fill('__Host-session=v').join('; ')).values).toEqual(['v'])
    const many = (n: number) =>
      c.read(Array.from({ length: n }, (_, i) => `__Host-session=v${i}`).join('; '))
    expect(many(8)).toMatchObject({ overflow: false })
    expect(many(8).values).toHaveLength(8)
    expect(many(9)).toMatchObject({ values: [], overflow: true })
  })

  test('9.7: every complete chunk prefix, in every combination of duplicates, is a candidate', () => {
    const r = c.read('__Host-session.1=BB; other=x; __Host-session.0=AA; __Host-session.01=ZZ')
    expect(r.values).toEqual(['AA', 'AABB'])
    expect([...r.present].sort()).toEqual(['__Host-session.0', '__Host-session.1'])
    const dup = c.read('__Host-session.0=XX; __Host-session.0=AA; __Host-session.1=BB')
    expect([...dup.values].sort()).toEqual(['AA', 'AABB', 'XX', 'XXBB'])
  })

  test('a gap marks the chunks malformed; only the sets before it are candidates', () => {
    expect(c.read('__Host-session.0=AA; __Host-session.2=CC')).toMatchObject({
      values: ['AA'],
      malformedChunks: true,
    })
    expect(c.read('__Host-session.1=BB')).toMatchObject({ values: [], malformedChunks: true })
  })

  test('9.8: chunk indices at or above maxChunks are ignored: neither candidates nor present', () => {
    expect(c.read('__Host-session.0=AA; __Host-session.4=EE')).toMatchObject({
      values: ['AA'],
      present: ['__Host-session.0'],
      malformedChunks: false,
    })
    let header = ''
    for (let i = 0; header.length < 16_384; i++) header += `__Host-session.${i % 1000}=A; `
    header += '__Host-session=x'
    const r = c.read(header)
    expect(r.present.length).toBeLessThanOrEqual(c.maxChunks + 1)
    expect(c.clear(r.present).length).toBeLessThanOrEqual(c.maxChunks + 1)
  })

  test('values outside the token alphabet are not candidates', () => {
    expect(c.read('__Host-session="quoted"').values).toEqual([])
    expect(c.read('__Host-session=a%20b').values).toEqual([])
    expect(c.read('__Host-session=').values).toEqual([])
  })

  test('property: any string as a Cookie header never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (header) => {
        const r = c.read(header)
        expect(Array.isArray(r.values)).toBe(true)
      }),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(
              '__Host-session',
              '__Host-session.0',
              '__Host-session.1',
              '__Host-session.9',
              'x',
            ),
            fc.string(),
          ),
          { maxLength: 8 },
        ),
        (pairs) => {
          const r = c.read(pairs.map(([k, v]) => `${k}=${v}`).join('; '))
          for (const v of r.values) expect(v).toMatch(/^[A-Za-z0-9._-]+$/)
        },
      ),
    )
  })

  test('null, undefined and non-strings read as nothing', () => {
    expect(c.read(null).values).toEqual([])
    expect(c.read(undefined).values).toEqual([])
    expect(c.read(42 as never).values).toEqual([])
  })
})

test('property: every Set-Cookie equals what the cookie package serializes', async () => {
  const { stringifySetCookie } = await import('cookie')
  fc.assert(
    fc.property(
      fc.record({
        name: fc.constantFrom('__Host-session', '__Secure-s', 'sid'),
        sameSite: fc.constantFrom('lax', 'strict', 'none'),
        httpOnly: fc.boolean(),
        partitioned: fc.boolean(),
        domain: fc.constantFrom(undefined, 'example.com', '.a-b.example'),
        path: fc.constantFrom('/', '/app', '/a/b-c'),
      }),
      fc.stringMatching(/^[A-Za-z0-9._-]{1,80}$/),
      fc.integer({ min: -10, max: 500 * 24 * 3600 }),
      (o, value, maxAgeSeconds) => {
        const options: CookieOptions = {
          name: o.name,
          sameSite: o.sameSite,
          httpOnly: o.httpOnly,
          partitioned: o.partitioned,
          ...(o.name === '__Host-session' ? {} : { path: o.path }),
          ...(o.name === '__Host-session' || o.domain === undefined ? {} : { domain: o.domain }),
        }
        const cookie = createSessionCookie(options)
        for (const w of cookie.write(value, maxAgeSeconds, [o.name + '.0'])) {
          const expected = stringifySetCookie(w.name, w.value, {
            ...w.options,
            ...(w.options.maxAge > 0 ? {} : { expires: new Date(0) }),
          })
          expect(w.header).toBe(expected)
        }
      },
    ),
    { numRuns: 500 },
  )
})
