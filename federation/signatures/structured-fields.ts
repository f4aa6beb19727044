/**
 * The subset of RFC 8941 Structured Field Values that HTTP message signatures
 * (RFC 9421) and Content-Digest (RFC 9530) use: dictionaries whose members are
 * items or inner lists, with parameters. Parsing is strict: any syntax error
 * makes the whole field invalid, as RFC 8941 §4.2 requires.
 */

/** A token, kept apart from strings because they serialize differently. */
export interface Token {
  readonly token: string;
}

/** An item value: integer or decimal, string, boolean, token or byte sequence. */
export type BareItem = number | string | boolean | Token | Buffer;
/** Parameters in the order they appeared. */
export type Parameters = Map<string, BareItem>;

/** A bare item with its parameters. */
export interface Item {
  readonly value: BareItem;
  readonly params: Parameters;
}

/** A parenthesised list of items, with parameters on the list itself. */
export interface InnerList {
  readonly items: Item[];
  readonly params: Parameters;
}

/** A dictionary value: an item or an inner list. */
export type DictionaryMember = Item | InnerList;

/** Thrown for invalid structured field syntax; callers map it to their own error kind. */
export class StructuredFieldError extends Error {
  override readonly name = 'StructuredFieldError';
}

/** Tells inner lists from items. */
export function isInnerList(member: DictionaryMember): member is InnerList {
  return 'items' in member;
}

/** Parses a Dictionary field value (RFC 8941 §4.2.2). Later duplicate keys win. */
export function parseDictionary(text: string): Map<string, DictionaryMember> {
  const parser = new Parser(text);
  const result = new Map<string, DictionaryMember>();
  parser.skipSpaces();
  if (parser.done()) return result;
  for (;;) {
    const key = parser.key();
    let member: DictionaryMember;
    if (parser.peek() === '=') {
      parser.advance();
      member = parser.peek() === '(' ? parser.innerList() : parser.item();
    } else {
      member = { value: true, params: parser.parameters() };
    }
    result.set(key, member);
    parser.skipOws();
    if (parser.done()) return result;
    parser.expect(',');
    parser.skipOws();
    if (parser.done()) throw new StructuredFieldError('trailing comma');
  }
}

/** Serializes an inner list with parameters, as the `@signature-params` line needs. */
export function serializeInnerList(list: InnerList): string {
  const items = list.items.map((item) => `${serializeBare(item.value)}${serializeParams(item.params)}`);
  return `(${items.join(' ')})${serializeParams(list.params)}`;
}

function serializeParams(params: Parameters): string {
  let out = '';
  for (const [key, value] of params) out += value === true ? `;${key}` : `;${key}=${serializeBare(value)}`;
  return out;
}

function serializeBare(value: BareItem): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3).replace(/0+$/, '');
  if (typeof value === 'string') return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  if (typeof value === 'boolean') return value ? '?1' : '?0';
  if (Buffer.isBuffer(value)) return `:${value.toString('base64')}:`;
  return value.token;
}

class Parser {
  #pos = 0;

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.#pos >= this.text.length;
  }

  peek(): string {
    return this.text.charAt(this.#pos);
  }

  advance(): void {
    this.#pos += 1;
  }

  expect(char: string): void {
    if (this.peek() !== char) throw new StructuredFieldError(`expected "${char}" at ${this.#pos}`);
    this.advance();
  }

  skipSpaces(): void {
    while (this.peek() === ' ') this.advance();
  }

  skipOws(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.advance();
  }

  key(): string {
    const match = /^[a-z*][a-z0-9_\-.*]*/.exec(this.text.slice(this.#pos));
    if (match === null) throw new StructuredFieldError(`expected a key at ${this.#pos}`);
    this.#pos += match[0].length;
    return match[0];
  }

  innerList(): InnerList {
    this.expect('(');
    const items: Item[] = [];
    for (;;) {
      this.skipSpaces();
      if (this.peek() === ')') {
        this.advance();
        return { items, params: this.parameters() };
      }
      items.push(this.item());
      const next = this.peek();
      if (next !== ' ' && next !== ')') throw new StructuredFieldError(`bad inner list at ${this.#pos}`);
    }
  }

  item(): Item {
    const value = this.bareItem();
    return { value, params: this.parameters() };
  }

  parameters(): Parameters {
    const params: Parameters = new Map();
    while (this.peek() === ';') {
      this.advance();
      this.skipSpaces();
      const key = this.key();
      let value: BareItem = true;
      if (this.peek() === '=') {
        this.advance();
        value = this.bareItem();
      }
      params.set(key, value);
    }
    return params;
  }

  bareItem(): BareItem {
    const rest = this.text.slice(this.#pos);
    const char = this.peek();
    if (char === '"') return this.string();
    if (char === ':') {
      const match = /^:([A-Za-z0-9+/=]*):/.exec(rest);
      if (match === null) throw new StructuredFieldError(`bad byte sequence at ${this.#pos}`);
      this.#pos += match[0].length;
      return Buffer.from(match[1] ?? '', 'base64');
    }
    if (char === '?') {
      const match = /^\?([01])/.exec(rest);
      if (match === null) throw new StructuredFieldError(`bad boolean at ${this.#pos}`);
      this.#pos += 2;
      return match[1] === '1';
    }
    const number = /^-?[0-9]{1,15}(\.[0-9]{1,3})?/.exec(rest);
    if (number !== null) {
      this.#pos += number[0].length;
      return Number(number[0]);
    }
    const token = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/.exec(rest);
    if (token !== null) {
      this.#pos += token[0].length;
      return { token: token[0] };
    }
    throw new StructuredFieldError(`unexpected "${char}" at ${this.#pos}`);
  }

  string(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      if (this.done()) throw new StructuredFieldError('unterminated string');
      const char = this.peek();
      this.advance();
      if (char === '"') return out;
      if (char === '\\') {
        const escaped = this.peek();
        if (escaped !== '"' && escaped !== '\\') throw new StructuredFieldError('bad escape');
        out += escaped;
        this.advance();
      } else {
        const code = char.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) throw new StructuredFieldError('bad string character');
        out += char;
      }
    }
  }
}
