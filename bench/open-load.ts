import http from 'node:http'
import type autocannon from 'autocannon'
import { type LoadOptions, type LoadSummary, measuredWindow } from './load.js'

/**
 * Requests sent at a fixed rate, each on time whether or not the ones before were answered (an
 * open loop), for GET scenarios. autocannon's own rate limit lets each connection send its share of
 * a second at once when the second starts, so 64 connections offered 150 requests a second in
 * bursts, and the p99 measured the queue of each burst. Here request i is due at i / rate seconds,
 * and its latency counts from when it was due, so a client that falls behind does not hide the wait
 * (coordinated omission).
 */
export async function runOpenLoad(options: LoadOptions & { readonly requestsPerSecond: number }): Promise<LoadSummary> {
  if (options.request.method !== 'GET') throw new Error('an open-loop load sends GET requests only')
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections })
  const interval = 1000 / options.requestsPerSecond
  const total = Math.round((options.warmupSeconds + options.durationSeconds) * options.requestsPerSecond)
  const context: Record<string, unknown> = {}
  const latencies: number[] = []
  const statusCounts: Record<string, number> = {}
  let errors = 0
  const started = performance.now()
  const measured = measuredWindow(options)
  const answered: Promise<void>[] = []

  const send = (due: number) =>
    new Promise<void>((resolve) => {
      const counted = due >= measured.from
      const { path } = options.request.setupRequest({ method: 'GET', path: '/', headers: {} } as autocannon.Request, context)
      const request = http.get(`${options.url}${path}`, { agent, headers: options.headers, timeout: 30_000 }, (response) => {
        response.resume()
        response.on('end', () => {
          if (counted) {
            latencies.push(performance.now() - due)
            const status = String(response.statusCode)
            statusCounts[status] = (statusCounts[status] ?? 0) + 1
          }
          resolve()
        })
        // An answer cut off mid-body ends without 'end': it is an error, and the run goes on.
        response.on('close', () => {
          if (!response.complete && counted) errors += 1
          resolve()
        })
      })
      request.on('timeout', () => request.destroy(new Error('timed out')))
      request.on('error', () => {
        if (counted) errors += 1
        resolve()
      })
    })

  try {
    for (let index = 0; index < total; index++) {
      const due = started + index * interval
      const wait = due - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      answered.push(send(due))
    }
    await Promise.all(answered)
  } finally {
    agent.destroy()
  }
  return measured.summarize({ latencies, statusCounts, requestErrors: errors, peakRssMb: undefined })
}
