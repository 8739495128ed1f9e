/**
 * The number of bytes `text` takes in UTF-8, computed without encoding it. A lone surrogate
 * counts as the 3 bytes of U+FFFD, as `TextEncoder` would write it.
 */
export function utf8ByteLength(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      bytes += 1;
    } else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      // A surrogate pair is 2 UTF-16 units and 4 UTF-8 bytes.
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2;
        i++;
        continue;
      }
      bytes += 2;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}
