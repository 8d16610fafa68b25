import type { ReactNode } from 'react'

export const metadata = { title: 'cachet + Next.js' }

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 720, margin: '2rem auto' }}>
        <nav style={{ display: 'flex', gap: '1rem', marginBottom: '1.5rem' }}>
          <a href="/">Session</a>
          <a href="/dashboard">Dashboard</a>
          <a href="/signin">Sign in</a>
          <a href="/api/me">/api/me</a>
          <a href="/api/edge">/api/edge</a>
          <a href="/api/whoami">/api/whoami</a>
          <a href="/read-only">Save in a server component</a>
        </nav>
        {children}
      </body>
    </html>
  )
}
