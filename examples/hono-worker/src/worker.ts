import type { ExecutionContext } from 'hono'
import { createApp } from './app.js'

interface Env {
  SESSION_SECRET: string
}

let app: ReturnType<typeof createApp> | undefined

// Workers hand the secret to fetch(), not to module scope: the app is made on the first request.
export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    app ??= createApp(env.SESSION_SECRET)
    return app.fetch(request, env, ctx)
  },
}
