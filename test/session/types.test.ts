// The public types: only an active session has typed data.
import { expectTypeOf, test } from 'vitest'
import { setup, type Data } from '../helpers/session.js'

test('types: only an active session has typed data', async () => {
  const { sessions } = setup()
  const s = await sessions.read(null)
  expectTypeOf(s.data).toEqualTypeOf<Data | Partial<Data>>()
  if (s.state === 'active') expectTypeOf(s.data).toEqualTypeOf<Data>()
  else expectTypeOf(s.data).toEqualTypeOf<Partial<Data>>()
})
