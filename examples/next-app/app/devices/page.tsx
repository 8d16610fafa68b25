// "Where you're signed in": the user's sessions from the device index, this one marked, each other
// one with a sign-out button. The page verifies the cookie and asks the denylist itself.
import { readSession } from 'cachet/next'
import { cookies } from 'next/headers'
import { redirect } from 'next/navigation'
import { sessions } from '../../lib/session'
import { signOutDevice } from '../actions'
import { Nav } from '../nav'

const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC'

export default async function Devices() {
  const session = await readSession(await cookies(), sessions)
  if (session.state !== 'active') redirect('/signin?next=/devices')
  const devices = await sessions.listSessions(session.data.userId, { current: session })
  return (
    <main>
      <Nav active here="/devices" />
      <h1>Where you are signed in</h1>
      <p className="intro">
        With the <code>devices</code> option, cachet records each login next to the denylist: when
        it signed in, when it was last seen, and a label made from the browser&apos;s User-Agent (no
        IP address). Signing out another device revokes that session on the server; its next request
        is refused.
      </p>
      <ul data-testid="devices" className="card">
        {devices.map((device) => (
          <li key={device.id} data-testid="device" data-current={device.current}>
            <strong data-testid="label">{device.label}</strong>
            {device.current ? ' (this device)' : ''} · signed in {time(device.createdAtMs)} · last
            seen {time(device.lastSeenMs)}{' '}
            {device.current ? null : (
              <form action={signOutDevice} style={{ display: 'inline' }}>
                <input type="hidden" name="id" value={device.id} />
                <button type="submit">Sign out this device</button>
              </form>
            )}
          </li>
        ))}
      </ul>
      <p>
        <a href="/dashboard">Back</a>
      </p>
    </main>
  )
}
