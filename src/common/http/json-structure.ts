import { BadRequestError } from '../errors/domain-error';

export interface JsonLimits {
  /** Deepest nesting of objects and arrays. */
  maxDepth: number;
  /** Most values (object members and array items) in one document. */
  maxElements: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/**
 * One linear pass over the raw JSON bytes, before JSON.parse, so that neither the parser nor the
 * recursive validation after it ever sees a document deeper or larger than the limits. String
 * contents are skipped (escapes included); every structural byte is ASCII, and UTF-8 never puts an
 * ASCII byte inside a multi-byte character, so scanning bytes is exact. Malformed JSON is left to
 * JSON.parse: this pass only counts.
 */
export function checkJsonStructure(bytes: Buffer, limits: JsonLimits): void {
  let depth = 0;
  let elements = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) {
      i = closingQuote(bytes, i);
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth++;
      elements++;
      if (depth > limits.maxDepth) throw tooDeep(limits.maxDepth);
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    } else if (byte === COMMA) {
      elements++;
    }
    if (elements > limits.maxElements) throw tooManyElements(limits.maxElements);
  }
}

/**
 * Where the string opened at `open` ends (the end of the bytes when it never does). The search for
 * quotes is native (memchr); a quote preceded by an odd run of backslashes is escaped. Each
 * backslash is counted for one quote at most, so the whole scan stays linear.
 */
function closingQuote(bytes: Buffer, open: number): number {
  let quote = bytes.indexOf(QUOTE, open + 1);
  while (quote !== -1) {
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH && quote - 1 - backslashes > open) {
      backslashes++;
    }
    if (backslashes % 2 === 0) return quote;
    quote = bytes.indexOf(QUOTE, quote + 1);
  }
  return bytes.length;
}

function tooDeep(maxDepth: number): BadRequestError {
  return new BadRequestError(
    'json_too_deep',
    `The JSON body nests objects and arrays deeper than ${maxDepth} levels (HTTP_JSON_MAX_DEPTH)`,
  );
}

function tooManyElements(maxElements: number): BadRequestError {
  return new BadRequestError(
    'json_too_many_elements',
    `The JSON body holds more than ${maxElements} values (HTTP_JSON_MAX_ELEMENTS)`,
  );
}
