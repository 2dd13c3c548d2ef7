/**
 * Splits a stream of text into the JSON values it holds, one after another, as they complete.
 *
 * An `application/json` response is one JSON object in both revisions' Streamable HTTP, but servers in use send
 * several, one per line, in one still-open body (the official conformance reference does so for its
 * `subscriptions/listen` stream and for streamed elicitation). Reading the body as a sequence of values accepts
 * both, and delivers each message when it is complete rather than when the body ends, which a listen stream never
 * does. Values are found by tracking nesting outside strings, so pretty-printed bodies split correctly too; each
 * complete value is handed to `JSON.parse` once, so the cost stays linear in the body's length.
 */
export class JsonSequence {
  private buffer = '';
  /** Where scanning resumes in `buffer`, and the state there. */
  private position = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;

  /** Feeds a chunk; returns the values it completed (a value that is not valid JSON is returned as an Error). */
  push(chunk: string): unknown[] {
    this.buffer += chunk;
    const values: unknown[] = [];
    const text = this.buffer;
    for (let i = this.position; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE) {
        this.inString = true;
        if (this.start === -1) this.start = i;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (this.depth++ === 0 && this.start === -1) this.start = i;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--this.depth === 0) {
          values.push(parse(text.slice(this.start, i + 1)));
          this.start = -1;
        } else if (this.depth < 0) {
          values.push(new Error(`unbalanced ${String.fromCharCode(c)} in a JSON body`));
          this.depth = 0;
        }
      } else if (this.depth === 0 && !isWhitespace(c) && this.start === -1) {
        this.start = i; // a bare scalar at the top level: kept until `end` says where it stops
      }
    }
    // Keep only what an unfinished value still needs.
    const keepFrom = this.start === -1 ? text.length : this.start;
    this.buffer = text.slice(keepFrom);
    if (this.start !== -1) this.start = 0;
    this.position = this.buffer.length;
    return values;
  }

  /** The body ended: whatever is left is one last value, or nothing. */
  end(): unknown[] {
    const rest = this.buffer.trim();
    this.buffer = '';
    this.position = 0;
    this.start = -1;
    return rest ? [parse(rest)] : [];
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return error as Error;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
