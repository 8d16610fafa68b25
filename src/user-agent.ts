/**
 * A short device label from a `User-Agent` header ("Firefox 133 on Linux"), for a "where you're
 * signed in" page, without a user-agent database.
 *
 * @module
 */

// Only the first characters are looked at: real browsers send well under 512, and a bound keeps
// every regular expression below linear in a small constant, whatever a client sends.
const MAX_INSPECTED = 512

// Order matters: Edge and Opera also say "Chrome/", Chrome also says "Safari/", every iOS
// browser says "Safari/" (RFC 9110 §10.1.5 leaves the product list free-form; these are the
// tokens the browsers document).
const BROWSERS: readonly (readonly [name: string, pattern: RegExp])[] = [
  ['Edge', /\bEdg(?:e|A|iOS)?\/(\d{1,4})(?!\d)/],
  ['Opera', /\bOPR\/(\d{1,4})(?!\d)/],
  ['Samsung Internet', /\bSamsungBrowser\/(\d{1,4})(?!\d)/],
  ['Firefox', /\b(?:Firefox|FxiOS)\/(\d{1,4})(?!\d)/],
  ['Chrome', /\b(?:Chrome|CriOS)\/(\d{1,4})(?!\d)/],
  ['Safari', /\bVersion\/(\d{1,4})(?!\d)(?:\.\d{1,4}){0,3} (?:Mobile\/\w{1,16} )?Safari\//],
  ['curl', /^curl\/(\d{1,4})(?!\d)/],
]

const SYSTEMS: readonly (readonly [name: string, pattern: RegExp])[] = [
  ['iPhone', /\biPhone\b/],
  ['iPad', /\biPad\b/],
  ['Android', /\bAndroid\b/],
  ['Windows', /\bWindows\b/],
  ['ChromeOS', /\bCrOS\b/],
  ['macOS', /\bMac OS X\b|\bMacintosh\b/],
  ['Linux', /\bLinux\b/],
]

/**
 * Describes a `User-Agent` as `"<browser> <major version> on <system>"`, e.g. `"Chrome 131 on
 * Windows"`, `"Safari 17 on iPhone"`, `"Firefox 133 on Linux"`; `"Unknown browser"` when nothing
 * is recognised. The label is built only from fixed names and digits, never copied from the
 * header, so it is safe to store and display; it is at most 40 characters. Never throws.
 *
 * A label is a hint a client chose to send, not an identity: use it to help users recognise their
 * devices, not to decide anything.
 *
 * @param userAgent - The request's `User-Agent` header, or null/undefined when absent.
 * @returns A short label.
 * @example
 * ```ts
 * deviceLabel('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0')
 * // 'Firefox 133 on Linux'
 * ```
 */
export function deviceLabel(userAgent: string | null | undefined): string {
  if (typeof userAgent !== 'string' || userAgent.length === 0) return 'Unknown browser'
  const ua = userAgent.slice(0, MAX_INSPECTED)
  let browser: string | undefined
  for (const [name, pattern] of BROWSERS) {
    const match = pattern.exec(ua)
    if (match) {
      browser = `${name} ${Number(match[1])}`
      break
    }
  }
  const system = SYSTEMS.find(([, pattern]) => pattern.test(ua))?.[0]
  if (browser === undefined)
    return system === undefined ? 'Unknown browser' : `Browser on ${system}`
  return system === undefined ? browser : `${browser} on ${system}`
}
