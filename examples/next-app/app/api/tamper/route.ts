// For the demo only: changes one character of the sealed cookie, as an attacker might, then sends
// the browser back to the session page. That page load carries the changed cookie: the proxy
// deletes it, and the page reads it and shows why it was refused (state `invalid`).
// A route handler rather than a server action, so that the next page is a fresh request.
import { cookies } from 'next/headers'
import { sessions } from '../../../lib/session'

export async function POST() {
  const store = await cookies()
  const { name, attributes } = sessions.cookie
  const value = store.get(name)?.value
  if (value && value.length > 20) {
    const at = value.length - 10
    const flipped = value[at] === 'A' ? 'B' : 'A'
    store.set(name, value.slice(0, at) + flipped + value.slice(at + 1), {
      httpOnly: true,
      secure: attributes.secure,
      sameSite: attributes.sameSite,
      path: attributes.path,
    })
  }
  return new Response(null, {
    status: 303,
    headers: { location: '/?tampered=1', 'cache-control': 'private, no-store' },
  })
}
