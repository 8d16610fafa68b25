// A response that sets or clears a session cookie is for one user only: RFC 9111 §5.2.2.7
// (private) keeps shared caches out and §5.2.2.5 (no-store) keeps it out of every cache.

/** The `Cache-Control` value of every response that carries session cookie writes. */
export const PRIVATE_NO_STORE = 'private, no-store'
