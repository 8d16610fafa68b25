'use server'
// Server actions: each reads and verifies the cookie itself (never trusting the proxy), and writes
// through cookies().set, which Next allows here.
import { getSession } from 'cachet/next'
import { cookies, headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { DEMO_PASSWORD } from '../lib/config'
import { sessions } from '../lib/session'

/** Only same-site paths: `//evil.example` and `/\evil` are other hosts to a browser. */
function safePath(value: FormDataEntryValue | null): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/dashboard'
}

export async function signIn(formData: FormData): Promise<void> {
  const user = formData.get('user')
  const userId = typeof user === 'string' ? user.trim() : ''
  if (!/^[\w.@-]{1,64}$/.test(userId) || formData.get('password') !== DEMO_PASSWORD) {
    redirect('/signin?error=1')
  }
  // The request headers label this login on the Devices page ("Chrome 131 on Linux").
  const session = await getSession(await cookies(), sessions, { headers: await headers() })
  await session.regenerate() // a new id at login: no session fixation
  await session.save({ userId, displayName: userId })
  redirect(safePath(formData.get('next')))
}

export async function updateProfile(formData: FormData): Promise<void> {
  const session = await getSession(await cookies(), sessions)
  if (session.state !== 'active') redirect('/signin')
  const name = formData.get('displayName')
  if (typeof name !== 'string' || name.trim() === '' || name.length > 64) return
  session.data.displayName = name.trim()
  await session.save()
}

export async function signOut(): Promise<void> {
  const session = await getSession(await cookies(), sessions)
  await session.destroy() // clears the cookie and revokes this session id
  redirect('/')
}

export async function signOutEverywhere(): Promise<void> {
  const session = await getSession(await cookies(), sessions)
  if (session.state === 'active') await sessions.revokeUser(session.data.userId)
  await session.destroy()
  redirect('/signin')
}

/** "Sign out this device" on the Devices page: only one of the signed-in user's own sessions. */
export async function signOutDevice(formData: FormData): Promise<void> {
  const session = await getSession(await cookies(), sessions)
  if (session.state !== 'active') redirect('/signin?next=/devices')
  const id = formData.get('id')
  if (typeof id === 'string') await sessions.revokeOwnSession(session, id)
  redirect('/devices')
}
