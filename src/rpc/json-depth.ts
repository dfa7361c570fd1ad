/**
 * json-depth.ts measures how deeply JSON text nests arrays and objects without parsing it: one pass
 * over the bytes counting `[` and `{` outside strings. It runs before JSON.parse, whose cost on a body
 * of nothing but `[[[[…` is what it guards against. Invalid JSON is not its business: the parser
 * still rejects that, cheaply, once the nesting is known to be bounded.
 */

const quote = 0x22;
const backslash = 0x5c;
const openBracket = 0x5b;
const openBrace = 0x7b;
const closeBracket = 0x5d;
const closeBrace = 0x7d;

/**
 * JsonDepthScanner is fed JSON bytes in chunks (a chunk may end anywhere, even inside a string or an
 * escape). In UTF-8 no byte of a multi-byte character is ASCII, so a byte scan cannot be fooled.
 */
export class JsonDepthScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly maxDepth: number) {}

  /** push scans the next bytes; false once the nesting has gone deeper than maxDepth. */
  push(bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === backslash) this.escaped = true;
        else if (byte === quote) this.inString = false;
      } else if (byte === quote) {
        this.inString = true;
      } else if (byte === openBracket || byte === openBrace) {
        this.depth++;
        if (this.depth > this.maxDepth) return false;
      } else if ((byte === closeBracket || byte === closeBrace) && this.depth > 0) {
        this.depth--;
      }
    }
    return true;
  }
}

/** tooDeepMessage is the answer to a body that nests deeper than maxDepth. */
export function tooDeepMessage(maxDepth: number): string {
  return `the request body nests arrays and objects deeper than ${maxDepth} levels`;
}
