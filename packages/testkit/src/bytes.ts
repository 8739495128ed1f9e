const encoder = new TextEncoder();

/** The UTF-8 bytes of `text`, as a plain `Uint8Array`: `bytes("abc")`. */
export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}
