// The session lifetime bounds other modules size themselves by.

/**
 * The largest `clockSkewSeconds` `createSessions` accepts: the allowed clock difference between
 * instances, added to revocation TTLs.
 */
export const MAX_CLOCK_SKEW_SECONDS = 3600
