import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'

export interface Server {
  readonly name: string
  readonly url: string
  readonly pid: number | undefined
  /** The database it serves (DATABASE_URL of its environment). */
  readonly databaseUrl: string | undefined
  stop(): Promise<void>
}

/** A free loopback port (the OS picks it, the server binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/**
 * Starts an entry point in its own Node process and waits until `readyPath` answers 200. A `.ts`
 * entry runs with `node --import tsx` (so the pid is the server itself, not a wrapper); a `.js`
 * entry (the compiled service, as deployed) runs with plain node.
 */
export async function startServer(options: {
  name: string
  entry: string
  env: Record<string, string>
  nodeArguments?: readonly string[]
  readyPath: string
  logDirectory: string
}): Promise<Server> {
  const port = await freePort()
  mkdirSync(options.logDirectory, { recursive: true })
  const log = createWriteStream(path.join(options.logDirectory, `${options.name}.log`))
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.entry.endsWith('.ts') ? ['--import', 'tsx'] : []), ...(options.nodeArguments ?? []), options.entry],
    {
      env: { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  child.stdout?.pipe(log)
  child.stderr?.pipe(log)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 120_000
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${options.name} exited with ${child.exitCode}; see ${options.logDirectory}/${options.name}.log`)
    try {
      const response = await fetch(`${url}${options.readyPath}`)
      if (response.status < 500) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${options.name} did not start within 120 s`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return {
    name: options.name,
    url,
    pid: child.pid,
    databaseUrl: options.env.DATABASE_URL,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      await exited
      clearTimeout(timer)
    },
  }
}
