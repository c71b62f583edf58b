// A throwaway PostgreSQL cluster of the drill's own (initdb into a temporary folder, a free port),
// so that killing, restarting and turning the database read-only never touches a shared server.
import { execFileSync, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { freePort } from '../bench/processes.js'

/** PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user. */
function asDatabaseUser(command: string, args: string[]): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', command, ...args] : [command, ...args]
}

function postgresBinary(name: string): string {
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const version = readdirSync(root).sort().at(-1)
    if (version && existsSync(path.join(root, version, 'bin', name))) return path.join(root, version, 'bin', name)
  }
  return name
}

function run(command: string, args: string[]): void {
  const [program, ...rest] = asDatabaseUser(postgresBinary(command), args)
  const result = spawnSync(program!, rest, { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`)
}

export class Cluster {
  private constructor(
    readonly directory: string,
    readonly port: number,
  ) {}

  static async create(): Promise<Cluster> {
    const directory = mkdtempSync(path.join(tmpdir(), 'atd-drill-'))
    if (process.getuid?.() === 0)
      chownSync(
        directory,
        Number(execFileSync('id', ['-u', 'postgres']).toString()),
        Number(execFileSync('id', ['-g', 'postgres']).toString()),
      )
    run('initdb', ['-D', path.join(directory, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C'])
    const cluster = new Cluster(directory, await freePort())
    await cluster.start()
    return cluster
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`
  }

  /** Starts the server; after a crash, retries while the killed processes release the port and memory. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.startOnce()
        return
      } catch (error) {
        if (attempt >= 10) throw error
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
    }
  }

  private startOnce(): void {
    const data = path.join(this.directory, 'data')
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(this.directory, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${this.port} -k ${this.directory} -c listen_addresses=127.0.0.1 -c max_connections=100`,
      'start',
    ])
  }

  /** A crash: the postmaster and every backend killed with SIGKILL, no shutdown checkpoint. */
  kill(): void {
    const pid = Number(readFileSync(path.join(this.directory, 'data', 'postmaster.pid'), 'utf8').split('\n')[0])
    spawnSync('pkill', ['-KILL', '-P', String(pid)])
    process.kill(pid, 'SIGKILL')
  }

  /** Waits until the server accepts connections again; resolves to that moment (ms). */
  async waitAccepting(): Promise<number> {
    for (;;) {
      const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 1_000 })
      try {
        await client.connect()
        await client.query('SELECT 1')
        await client.end()
        return Date.now()
      } catch {
        await client.end().catch(() => undefined)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }

  async query(sql: string, database = 'drill', values: unknown[] = []): Promise<pg.QueryResult> {
    const client = new pg.Client({ connectionString: this.url(database) })
    await client.connect()
    try {
      return await client.query(sql, values)
    } finally {
      await client.end()
    }
  }

  /** Statements one by one on one session (ALTER SYSTEM may not share a transaction). */
  async execute(statements: string[], database = 'postgres'): Promise<void> {
    const client = new pg.Client({ connectionString: this.url(database) })
    await client.connect()
    try {
      for (const statement of statements) await client.query(statement)
    } finally {
      await client.end()
    }
  }

  dump(database: string, file: string): void {
    run('pg_dump', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-Fc', '-f', file, database])
  }

  restore(file: string, database: string): void {
    run('pg_restore', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '--no-owner', '-d', database, file])
  }

  stop(): void {
    spawnSync(asDatabaseUser(postgresBinary('pg_ctl'), [])[0]!, [
      ...asDatabaseUser(postgresBinary('pg_ctl'), ['-D', path.join(this.directory, 'data'), '-m', 'immediate', 'stop']).slice(1),
    ])
    rmSync(this.directory, { recursive: true, force: true })
  }
}
