import { isSessionError, type SessionErrorCode } from '../../src/errors.js'

type Outcome = SessionErrorCode | 'no error' | 'not a SessionError'

/** The SessionError code `fn` throws (tests assert on codes, never on messages). */
export function code(fn: () => unknown): Outcome {
  try {
    fn()
    return 'no error'
  } catch (error) {
    return isSessionError(error) ? error.code : 'not a SessionError'
  }
}

/** {@link code} for async functions: the code of the rejection. */
export async function codeAsync(fn: () => unknown): Promise<Outcome> {
  try {
    await fn()
    return 'no error'
  } catch (error) {
    return isSessionError(error) ? error.code : 'not a SessionError'
  }
}
