// deviceLabel: real User-Agent strings of current browsers, hostile input, and a property test.

import fc from 'fast-check'
import { expect, test } from 'vitest'
import { deviceLabel } from '../src/user-agent.js'

const REAL: readonly [string, string][] = [
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'Chrome 131 on Windows',
  ],
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
    'Edge 131 on Windows',
  ],
  [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
    'Safari 17 on macOS',
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
    'Safari 17 on iPhone',
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
    'Chrome 131 on iPhone',
  ],
  [
    'Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15',
    'Firefox 133 on iPad',
  ],
  [
    'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
    'Firefox 133 on Linux',
  ],
  [
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
    'Samsung Internet 26 on Android',
  ],
  [
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
    'Chrome 131 on Android',
  ],
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0',
    'Opera 115 on Windows',
  ],
  [
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'Chrome 131 on ChromeOS',
  ],
  // The headless Chromium of the e2e tests.
  [
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
    'Browser on Linux',
  ],
  ['curl/8.5.0', 'curl 8'],
]

test('labels real User-Agent strings by browser, major version and system', () => {
  for (const [ua, label] of REAL) expect(deviceLabel(ua)).toBe(label)
})

test('absent, empty and unrecognised headers give "Unknown browser"', () => {
  for (const ua of [undefined, null, '', 'x', '{}', 'Mozilla/5.0', 7 as unknown as string])
    expect(deviceLabel(ua)).toBe('Unknown browser')
})

test('nothing from the header is copied into the label: markup and control characters stay out', () => {
  const label = deviceLabel('<script>alert(1)</script> Chrome/131.0 (Windows NT 10.0)\r\nX: y')
  expect(label).toBe('Chrome 131 on Windows')
  expect(deviceLabel('Firefox/99999999 on Linux')).toBe('Browser on Linux')
})

test('property: any string gives a short label of fixed names and digits, without throwing', () => {
  const allowed = /^[A-Za-z0-9 ]{1,40}$/
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 2000 }),
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc
          .constantFrom(...REAL.map(([ua]) => ua))
          .chain((ua) =>
            fc
              .tuple(fc.nat(ua.length), fc.string())
              .map(([at, s]) => ua.slice(0, at) + s + ua.slice(at)),
          ),
      ),
      (ua) => {
        expect(deviceLabel(ua)).toMatch(allowed)
      },
    ),
    { numRuns: 2000 },
  )
})
