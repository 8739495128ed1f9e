/**
 * Orders names the way Biome's organizeImports does: letter by letter ignoring case, and for
 * the same letter the upper-case one first (`ClosedError`, `ConflictError`, `compareKeys`).
 */
export function compareNatural(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charAt(i);
    const y = b.charAt(i);
    if (x === y) continue;
    const lowerX = x.toLowerCase();
    const lowerY = y.toLowerCase();
    if (lowerX !== lowerY) return lowerX < lowerY ? -1 : 1;
    return x === lowerX ? 1 : -1;
  }
  return a.length - b.length;
}
