// The compiled service, as deployed (node dist/src/server.js), on a port that stays the same across
// restarts so that the load keeps talking to "the service" while it is killed and started again.
import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, mkdirSync } from 'node:fs'
import path from 'node:path'

export class Service {
  private child: ChildProcess | undefined

  constructor(
    readonly name: string,
    readonly port: number,
    /** Added to this process's environment; a name set to undefined is left out (DATABASE_URL for the embedded database). */
    private readonly env: Record<string, string | undefined>,
    private readonly logDirectory: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    mkdirSync(this.logDirectory, { recursive: true })
    const log = createWriteStream(path.join(this.logDirectory, `${this.name}.log`), { flags: 'a' })
    const env: Record<string, string | undefined> = { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1' }
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name]
    const child = spawn(process.execPath, ['dist/src/server.js'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout?.pipe(log)
    child.stderr?.pipe(log)
    this.child = child
    const deadline = Date.now() + 60_000
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode}; see ${this.logDirectory}/${this.name}.log`)
      const status = await fetch(`${this.url}/health`).then(
        (response) => response.status,
        () => 0,
      )
      if (status === 200) return
      if (Date.now() > deadline) throw new Error(`${this.name} did not start within 60 s`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  /** True while the process runs: a crash of the service under a fault is a failure of the drill. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  async kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const child = this.child
    if (!child || !this.running) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill(signal)
    await exited
  }
}
