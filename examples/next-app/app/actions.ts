'use server'
// Server actions: each reads and verifies the cookie itself (never trusting the proxy), and writes
// through cookies().set, which Next allows here.
import { isSessionError } from 'cachet'
import { getSession } from 'cachet/next'
import { cookies, headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { DEMO_PASSWORD } from '../lib/config'
import { sessions } from '../lib/session'

/** Only same-site paths: `//evil.example` and `/\evil` are other hosts to a browser. */
function safePath(value: FormDataEntryValue | null): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/dashboard'
}

/** Letters, digits, spaces and . _ @ ' - (the sign-in page says so); 64 characters at most. */
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._@'-]*$/u
const MAX_NAME = 64

/** Why a name is refused, for the form to show; undefined when it is fine. */
function nameError(name: string): string | undefined {
  if (name.length > MAX_NAME) return 'long'
  if (!NAME.test(name)) return 'chars'
  return undefined
}

export async function signIn(formData: FormData): Promise<void> {
  const user = formData.get('user')
  const userId = typeof user === 'string' ? user.trim() : ''
  const error = nameError(userId) ?? (formData.get('password') !== DEMO_PASSWORD ? '1' : undefined)
  if (error) redirect(`/signin?error=${error}`)
  // The request headers label this login on the Devices page ("Chrome 131 on Linux").
  const session = await getSession(await cookies(), sessions, { headers: await headers() })
  await session.regenerate() // a new id at login: no session fixation
  await session.save({ userId, displayName: userId })
  redirect(safePath(formData.get('next')))
}

export async function updateProfile(formData: FormData): Promise<void> {
  const session = await getSession(await cookies(), sessions)
  if (session.state !== 'active') redirect('/signin')
  const value = formData.get('displayName')
  const name = typeof value === 'string' ? value.trim() : ''
  const error = name === '' ? 'chars' : nameError(name)
  if (error) redirect(`/dashboard?error=${error}`)
  session.data.displayName = name
  await session.save()
  redirect('/dashboard?saved=1')
}

/**
 * Ends the session (and, with `everywhere`, every session of its user). The cookie is cleared
 * either way; when the revocation did not reach the server (the denylist is down), a copy of the
 * cookie would still work, so the user is told instead of being shown a plain sign-out.
 */
async function endSession(everywhere: boolean): Promise<boolean> {
  const session = await getSession(await cookies(), sessions)
  try {
    await session.destroy({ everywhere })
    return true
  } catch (error) {
    if (isSessionError(error, 'ERR_DENYLIST_UNAVAILABLE')) return false
    throw error
  }
}

export async function signOut(): Promise<void> {
  const confirmed = await endSession(false)
  redirect(confirmed ? '/?signout=done' : '/?signout=unconfirmed')
}

export async function signOutEverywhere(): Promise<void> {
  const confirmed = await endSession(true)
  redirect(confirmed ? '/signin?signout=everywhere' : '/signin?signout=unconfirmed')
}

/** "Sign out this device" on the Devices page: only one of the signed-in user's own sessions. */
export async function signOutDevice(formData: FormData): Promise<void> {
  const session = await getSession(await cookies(), sessions)
  if (session.state !== 'active') redirect('/signin?next=/devices')
  const id = formData.get('id')
  if (typeof id === 'string') await sessions.revokeOwnSession(session, id)
  redirect('/devices')
}
