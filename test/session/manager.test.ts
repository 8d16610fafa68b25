// The session manager's own surface: what it shows of its cookie, and that it is frozen.
import { expect, test } from 'vitest'
import { createSessions } from '../../src/session/index.js'
import { SECRET } from '../helpers/session.js'

test('sessions.cookie shows the validated name and attributes, nothing to write with', () => {
  const sessions = createSessions({ keys: SECRET, cookie: { name: '__Secure-s', path: '/app' } })
  expect(Object.keys(sessions.cookie).sort()).toEqual(['attributes', 'name'])
  expect(sessions.cookie).toEqual({
    name: '__Secure-s',
    attributes: { path: '/app', secure: true, httpOnly: true, sameSite: 'lax' },
  })
  expect(Object.isFrozen(sessions) && Object.isFrozen(sessions.cookie)).toBe(true)
})
