/** Navigation that follows the session: what a visitor can do next. */
export function Nav({ active, here }: { active: boolean; here: string }) {
  const links: [string, string][] = active
    ? [
        ['/', 'Session'],
        ['/dashboard', 'Dashboard'],
        ['/devices', 'Devices'],
        ['/read-only', 'Server component'],
        ['/api/me', 'JSON'],
      ]
    : [
        ['/', 'Session'],
        ['/signin', 'Sign in'],
        ['/read-only', 'Server component'],
      ]
  return (
    <nav aria-label="Main" data-testid="nav">
      <a className="brand" href="/">
        cachet
      </a>
      {links.map(([href, label]) => (
        <a key={href} href={href} aria-current={href === here ? 'page' : undefined}>
          {label}
        </a>
      ))}
    </nav>
  )
}
