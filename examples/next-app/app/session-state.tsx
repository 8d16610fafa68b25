import type { ReadonlySession } from 'cachet/next'
import type { SessionData } from '../lib/config'

const time = (ms: number | undefined) => (ms === undefined ? '—' : new Date(ms).toISOString())

/** The session's state and lifetimes, as a server component renders them. */
export function SessionState({ session }: { session: ReadonlySession<SessionData> }) {
  return (
    <dl style={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '0.25rem 1rem' }}>
      <dt>State</dt>
      <dd style={{ margin: 0 }} data-testid="state">
        {session.state}
      </dd>
      <dt>Why not active</dt>
      <dd style={{ margin: 0 }} data-testid="reason">
        {session.reason ?? '—'}
      </dd>
      <dt>User</dt>
      <dd style={{ margin: 0 }} data-testid="user">
        {session.state === 'active' ? session.data.userId : '—'}
      </dd>
      <dt>Display name</dt>
      <dd style={{ margin: 0 }} data-testid="display-name">
        {session.state === 'active' ? session.data.displayName : '—'}
      </dd>
      <dt>Signed in at</dt>
      <dd style={{ margin: 0 }}>{time(session.createdAtMs)}</dd>
      <dt>Expires at (absolute)</dt>
      <dd style={{ margin: 0 }} data-testid="expires">
        {time(session.expiresAtMs)}
      </dd>
      <dt>Idle timeout at</dt>
      <dd style={{ margin: 0 }}>{time(session.idleExpiresAtMs)}</dd>
    </dl>
  )
}
