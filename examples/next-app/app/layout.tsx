import type { ReactNode } from 'react'

export const metadata = { title: 'cachet demo: encrypted cookie sessions for Next.js' }
export const viewport = { width: 'device-width', initialScale: 1 }

const css = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1d2330;background:#f5f6f8}
.wrap{max-width:760px;margin:0 auto;padding:1rem}
nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:baseline;padding:.75rem 0;border-bottom:1px solid #d9dce3;margin-bottom:1rem}
nav a{color:#2b4fd8;text-decoration:none}
nav a[aria-current=page]{font-weight:600;text-decoration:underline}
nav .brand{font-weight:700;color:#1d2330;margin-right:.5rem}
h1{font-size:1.6rem;line-height:1.2;margin:.5rem 0}
.intro{color:#4a5263;margin-top:0}
.card{background:#fff;border:1px solid #d9dce3;border-radius:8px;padding:1rem;margin:1rem 0}
.anatomy{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.35rem 1rem;margin:0}
.anatomy dt{color:#4a5263}
.anatomy dd{margin:0;overflow-wrap:anywhere}
.note{color:#4a5263;font-size:.9em}
.badge{display:inline-block;padding:0 .5rem;border-radius:999px;font-weight:600;background:#e4e7ee}
.badge.active{background:#d4f3dd;color:#14632f}
.badge.invalid,.badge.revoked,.badge.expired{background:#fde2e1;color:#8a1c17}
.notice{border-left:4px solid #2b4fd8;background:#eef2ff;padding:.5rem .75rem;border-radius:4px}
.notice.warn{border-color:#b45309;background:#fff7e6}
form{margin:.5rem 0}
label{display:block;margin:.5rem 0}
input{font:inherit;padding:.35rem .5rem;width:100%;max-width:22rem;display:block}
button{font:inherit;padding:.4rem .9rem;margin:.25rem .5rem .25rem 0;border-radius:6px;border:1px solid #9aa3b5;background:#fff;cursor:pointer}
button.primary{background:#2b4fd8;border-color:#2b4fd8;color:#fff}
code{font-size:.9em;overflow-wrap:anywhere}
@media (max-width:480px){.anatomy{grid-template-columns:1fr}.anatomy dd{margin-bottom:.4rem}}
`

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        <style dangerouslySetInnerHTML={{ __html: css }} />
      </head>
      <body>
        <div className="wrap">{children}</div>
      </body>
    </html>
  )
}
