import { serve } from '@hono/node-server'
import { createApp } from './app.js'

const app = createApp(process.env.SESSION_SECRET!)
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 8787) }, (info) =>
  console.log(`listening on http://127.0.0.1:${info.port}`),
)
