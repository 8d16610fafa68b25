import express, { type NextFunction, type Request, type Response } from 'express'
import { Redis } from 'ioredis'
import { createRedisDenylist } from 'cachet/denylist'
import { session } from 'cachet/express'

declare module 'cachet/express' {
  interface SessionData {
    user?: string | null
    views?: number
  }
}

const redis = new Redis(process.env.REDIS_URL!)
const app = express()
app.set('trust proxy', 1)

app.use(
  session({
    denylist: createRedisDenylist(redis),
    secret: process.env.SESSION_SECRET!.split(','), // newest first
    maxAgeSeconds: 30 * 24 * 3600, // the absolute lifetime: no session outlives it
    resave: false,
    saveUninitialized: false,
    cookie: { secure: 'auto', httpOnly: true, sameSite: 'lax' },
  }),
)

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function isAuthenticated(req: Request, _res: Response, next: NextFunction) {
  if (req.session.user) next()
  else next('route')
}

app.get('/', isAuthenticated, (req, res) => {
  res.send(`hello, ${escapeHtml(req.session.user!)}! <a href="/logout">Logout</a>`)
})

app.get('/', (_req, res) => {
  res.send(
    '<form action="/login" method="post">' +
      'Username: <input name="user"><br>' +
      'Password: <input name="pass" type="password"><br>' +
      '<label><input name="remember" type="checkbox"> Remember me</label>' +
      '<input type="submit" value="Login"></form>',
  )
})

app.post('/login', express.urlencoded({ extended: false }), (req, res, next) => {
  // login logic to validate req.body.user and req.body.pass would be implemented here
  req.session.regenerate((err) => {
    if (err) return next(err)
    req.session.user = req.body.user
    if (req.body.remember) req.session.cookie.maxAge = 30 * 24 * 3600 * 1000
    req.session.save((err) => {
      if (err) return next(err)
      res.redirect('/')
    })
  })
})

app.get('/logout', (req, res, next) => {
  req.session.user = null
  req.session.save((err) => {
    if (err) return next(err)
    req.session.regenerate((err) => {
      if (err) return next(err)
      res.redirect('/')
    })
  })
})

app.get('/views', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1
  res.setHeader('Content-Type', 'text/html')
  res.write(`<p>views: ${req.session.views}</p>`)
  res.end()
})

export { app, redis }
