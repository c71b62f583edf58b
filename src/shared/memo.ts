/**
 * A function of an object worked out once per object and kept beside it: for values derived from
 * things that never change once built (an ability, a field list), so hot paths do not rebuild them.
 */
export function memoBy<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const kept = new WeakMap<K, V>()
  return (key) => {
    if (kept.has(key)) return kept.get(key) as V
    const value = compute(key)
    kept.set(key, value)
    return value
  }
}
