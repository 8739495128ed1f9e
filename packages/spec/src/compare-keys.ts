/**
 * Compares two keys in UTF-8 byte order, the order `list()` uses: negative if `a` sorts first,
 * positive if `b` does, 0 if equal.
 *
 * JavaScript's `<` compares UTF-16 units, which disagrees with UTF-8 byte order for characters
 * above U+FFFF against U+E000–U+FFFF. UTF-8 byte order equals code point order, computed here
 * without encoding.
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (0xD800–0xDFFF) stands for a code point above 0xFFFF, which sorts after
    // every unit in 0xE000–0xFFFF; shifting surrogates up puts them there.
    return rank(x) - rank(y);
  }
  return a.length - b.length;
}

function rank(unit: number): number {
  return unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit;
}
