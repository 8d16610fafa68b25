/**
 * The ioredis client shape the Redis denylist uses, declared structurally so that cachet compiles
 * without ioredis or Node's types, and the check that a value has it.
 *
 * @module
 */

/**
 * The members of an ioredis `Redis` or `Cluster` (v5) that the Redis denylist uses. Declared
 * structurally so that cachet compiles without ioredis (an optional peer dependency) and without
 * Node's types, which ioredis's declarations would pull into every module.
 */
export interface RedisDenylistClient {
  /** ioredis connection status: `'ready'` once commands can be sent. */
  readonly status: string
  /** True for an ioredis `Cluster`. */
  readonly isCluster: boolean
  mget(...keys: string[]): Promise<unknown>
  set(key: string, value: string, mode: 'PX', milliseconds: number): Promise<unknown>
  incr(key: string): Promise<unknown>
  eval(script: string, numberOfKeys: number, ...keysAndArgs: string[]): Promise<unknown>
  publish(channel: string, message: string): Promise<unknown>
  subscribe(...channels: string[]): Promise<unknown>
  unsubscribe(...channels: string[]): Promise<unknown>
  connect(): Promise<unknown>
  disconnect(): void
  duplicate(): RedisDenylistClient
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
}

export function isClient(value: unknown): value is RedisDenylistClient {
  const c = value as Partial<Record<keyof RedisDenylistClient, unknown>> | null
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.mget === 'function' &&
    typeof c.set === 'function' &&
    typeof c.incr === 'function' &&
    typeof c.eval === 'function' &&
    typeof c.publish === 'function' &&
    typeof c.on === 'function' &&
    typeof c.off === 'function' &&
    typeof c.status === 'string'
  )
}
