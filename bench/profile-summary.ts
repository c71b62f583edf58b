import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

/** The functions with the most self time in a V8 .cpuprofile, as `percent  function  file:line`. */
export function summarizeProfile(file: string, top: number): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] }
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfSamples = new Map<string, number>()
  for (const sample of profile.samples) {
    const node = byId.get(sample)
    if (!node) continue
    const { functionName, url, lineNumber } = node.callFrame
    const where = url
      ? `${url.replace(/^file:\/\/.*?node_modules\//, 'node_modules/').replace(/^file:\/\/.*?\/src\//, 'src/')}:${lineNumber + 1}`
      : ''
    const key = `${functionName || '(anonymous)'}  ${where}`
    selfSamples.set(key, (selfSamples.get(key) ?? 0) + 1)
  }
  const total = profile.samples.length
  return [...selfSamples.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, count]) => `${((100 * count) / total).toFixed(1).padStart(5)}%  ${key}`)
}

/** Self time grouped by package (node_modules/<name>) or by the service's own directories. */
export function summarizeByModule(file: string): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] }
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const groups = new Map<string, number>()
  for (const sample of profile.samples) {
    const url = byId.get(sample)?.callFrame.url ?? ''
    const name = byId.get(sample)?.callFrame.functionName ?? ''
    const group = url.includes('node_modules/')
      ? `node_modules/${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]}`
      : url.includes('/src/')
        ? `src/${/\/src\/([^/]+)/.exec(url)?.[1]}`
        : url.startsWith('node:')
          ? url
          : name.startsWith('(')
            ? name
            : '(native/other)'
    groups.set(group, (groups.get(group) ?? 0) + 1)
  }
  const total = profile.samples.length
  return [...groups.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([group, count]) => `${((100 * count) / total).toFixed(1).padStart(5)}%  ${group}`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2]
  if (!file) throw new Error('usage: tsx bench/profile-summary.ts <file.cpuprofile>')
  process.stdout.write(`${summarizeByModule(file).join('\n')}\n\n${summarizeProfile(file, 40).join('\n')}\n`)
}
