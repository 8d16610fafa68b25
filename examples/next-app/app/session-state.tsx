import type { ReadonlySession } from 'cachet/next'
import { cookies } from 'next/headers'
import { cookieAnatomy } from '../lib/anatomy'
import type { SessionData } from '../lib/config'
import { sessions } from '../lib/session'
import { REASONS } from './reasons'

const time = (ms: number | undefined) =>
  ms === undefined ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC'

/** The session's anatomy: what cachet decided, and what the cookie is made of. */
export async function SessionState({ session }: { session: ReadonlySession<SessionData> }) {
  const anatomy = cookieAnatomy(await cookies(), sessions.cookie)
  const active = session.state === 'active'
  return (
    <section className="card" aria-label="Session">
      <dl className="anatomy">
        <dt>State</dt>
        <dd>
          <span className={`badge ${session.state}`} data-testid="state">
            {session.state}
          </span>
        </dd>
        <dt>Reason</dt>
        <dd>
          <code data-testid="reason">{session.reason ?? '—'}</code>
          {session.reason ? <span className="note"> {REASONS[session.reason]}</span> : null}
        </dd>
        <dt>User</dt>
        <dd data-testid="user">{active ? session.data.userId : '—'}</dd>
        <dt>Display name</dt>
        <dd data-testid="display-name">{active ? session.data.displayName : '—'}</dd>
        <dt>Sealed cookie</dt>
        <dd data-testid="sealed">
          {anatomy
            ? `${anatomy.bytes} bytes in ${anatomy.chunks} cookie${anatomy.chunks === 1 ? '' : 's'}`
            : 'none'}
        </dd>
        <dt>Key id</dt>
        <dd data-testid="key-id">
          {anatomy?.keyId ?? '—'}
          {anatomy?.keyId ? (
            <span className="note">
              {anatomy.keyId === sessions.keys.current
                ? ' (the current key)'
                : ' (an older key: re-sealed with the current one on the next write)'}
            </span>
          ) : null}
        </dd>
        <dt>Signed in</dt>
        <dd>{time(session.createdAtMs)}</dd>
        <dt>Absolute expiry</dt>
        <dd data-testid="expires">{time(session.expiresAtMs)}</dd>
        <dt>Idle expiry</dt>
        <dd data-testid="idle-expires">{time(session.idleExpiresAtMs)}</dd>
        <dt>Revocation</dt>
        <dd data-testid="revocation">checked on this page (denylist)</dd>
      </dl>
    </section>
  )
}
