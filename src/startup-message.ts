/** What the service prints once it listens: where the reference is, and what to try first. */
export interface StartupMessageOptions {
  /** http://host:port as a caller reaches it (0.0.0.0 and :: shown as 127.0.0.1). */
  readonly baseUrl: string
  /** Demo users of the local database (empty without demo data). */
  readonly demoUsers: readonly { readonly subject: string; readonly role: string }[]
  /** `npm run -s token --` under tsx, `node dist/scripts/token.js` in the compiled image. */
  readonly tokenCommand: string
}

export function baseUrlOf(address: string | { address: string; port: number; family?: string } | null, fallbackPort: number): string {
  if (!address || typeof address === 'string') return `http://127.0.0.1:${fallbackPort}`
  const host =
    address.address === '0.0.0.0' || address.address === '::'
      ? '127.0.0.1'
      : address.address.includes(':')
        ? `[${address.address}]`
        : address.address
  return `http://${host}:${address.port}`
}

export function startupMessage({ baseUrl, demoUsers, tokenCommand }: StartupMessageOptions): string {
  const lines = [
    '',
    `API reference:   ${baseUrl}/docs   (OpenAPI document: ${baseUrl}/openapi.json, code lists: ${baseUrl}/vocabulary)`,
    `Service index:   ${baseUrl}/`,
  ]
  if (demoUsers.length > 0) {
    const has = (subject: string) => demoUsers.some((user) => user.subject === subject)
    lines.push('', 'Demo users (print a token for one, then send it as "Authorization: Bearer <token>"):')
    for (const user of demoUsers) lines.push(`  ${user.role.padEnd(20)} ${tokenCommand} ${user.subject}`)
    const tries: [string, string, string][] = [
      ['demo-ngo-caseworker', `${baseUrl}/cases?limit=1`, 'the whole case file'],
      ['demo-migration-officer', `${baseUrl}/cases?limit=1`, 'minimal view: no contact, health, protection, legal'],
      ['demo-auditor', `${baseUrl}/cases?inDetention=true`, 'pseudonymised: no name, ever'],
    ]
    const usable = tries.filter(([subject]) => has(subject))
    if (usable.length > 0) {
      lines.push('', 'Try the walls (each role sees a different case file):')
      for (const [subject, url, what] of usable) {
        lines.push(`  TOKEN=$(${tokenCommand} ${subject})`, `  curl -s "${url}" -H "authorization: Bearer $TOKEN"   # ${what}`)
      }
    }
  }
  lines.push('', `Problems and labels in Spanish or English: add -H "accept-language: es-MX" or "accept-language: en".`, '')
  return lines.join('\n')
}
