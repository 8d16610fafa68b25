// What the demo shows of the cookie itself: its size, how many cookies it takes, which key sealed
// it. Read from the raw cookie values (never decrypted here: only cachet opens them).
import type { SessionCookieSettings } from 'cachet'

/** The few members of Next's cookie store this reads. */
type CookieStore = { get(name: string): { value: string } | undefined }

export interface CookieAnatomy {
  /** Characters of the sealed value (all chunks together). */
  readonly bytes: number
  /** 1 for a plain cookie, else the number of `name.0`, `name.1`, … chunks. */
  readonly chunks: number
  /** The key id written in clear in the seal (`c1.<kid>.…`). */
  readonly keyId: string | undefined
}

export function cookieAnatomy(
  store: CookieStore,
  cookie: SessionCookieSettings,
): CookieAnatomy | undefined {
  const plain = store.get(cookie.name)?.value
  const parts: string[] = plain ? [plain] : []
  if (!plain) {
    for (let i = 0; i < 50; i++) {
      const chunk = store.get(`${cookie.name}.${i}`)?.value
      if (!chunk) break
      parts.push(chunk)
    }
  }
  if (parts.length === 0) return undefined
  const value = parts.join('')
  return { bytes: value.length, chunks: parts.length, keyId: value.split('.')[1] }
}
