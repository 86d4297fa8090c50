/**
 * A reader for the small subset of Python literal syntax that DARTS genotypes are written in:
 * integers, quoted strings, `None`/`True`/`False`, lists, tuples, dicts, dotted names, calls with
 * positional and keyword arguments (`Genotype(normal=[...], normal_concat=range(2, 6))`), `#`
 * comments and trailing commas. Nothing is evaluated; the caller interprets the tree.
 *
 * Internal to the darts space (not exported from the package barrel).
 */
import { InvalidArchitectureError } from '@lmreg/common';

import { describeValue } from '../registry/describe-value.js';

/** A parsed Python literal. `at` is the character offset where the value starts. */
export type PyValue =
  | { readonly kind: 'int'; readonly value: number; readonly at: number }
  | { readonly kind: 'str'; readonly value: string; readonly at: number }
  | { readonly kind: 'name'; readonly name: string; readonly at: number }
  | { readonly kind: 'list'; readonly items: readonly PyValue[]; readonly tuple: boolean; readonly at: number }
  | { readonly kind: 'dict'; readonly entries: readonly (readonly [PyValue, PyValue])[]; readonly at: number }
  | {
      readonly kind: 'call';
      readonly name: string;
      readonly args: readonly PyValue[];
      readonly kwargs: readonly (readonly [string, PyValue])[];
      readonly at: number;
    };

type Token =
  | { readonly type: 'int'; readonly value: number; readonly at: number }
  | { readonly type: 'str'; readonly value: string; readonly at: number }
  | { readonly type: 'name'; readonly value: string; readonly at: number }
  | { readonly type: 'punct'; readonly value: string; readonly at: number }
  | { readonly type: 'end'; readonly at: number };

const MAX_DEPTH = 32;
const MAX_LENGTH = 1_000_000;
const PUNCT = new Set(['(', ')', '[', ']', '{', '}', ',', '=', ':', '.']);
const INTEGER = /[-+]?[0-9][0-9_]*/y;
const NAME_START = /[A-Za-z_]/;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** Short human-readable description of a value, for error messages. */
export function describePy(v: PyValue): string {
  switch (v.kind) {
    case 'int':
      return String(v.value);
    case 'str':
      return `'${v.value.length > 40 ? `${v.value.slice(0, 40)}...` : v.value}'`;
    case 'name':
      return v.name;
    case 'list':
      return `a ${v.tuple ? 'tuple' : 'list'} of ${v.items.length}`;
    case 'dict':
      return `a dict of ${v.entries.length}`;
    case 'call':
      return `a call to ${v.name}(...)`;
  }
}

function fail(space: string, message: string): never {
  throw new InvalidArchitectureError(space, message);
}

function tokenize(text: string, space: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\\') {
      // A backslash outside a string is a Python line continuation; treat it as blank.
      i++;
    } else if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === "'" || c === '"') {
      const at = i;
      const triple = text.startsWith(c.repeat(3), i);
      const close = triple ? c.repeat(3) : c;
      i += close.length;
      // Jump from one special character (quote, backslash, line break) to the next: linear time.
      const special = c === "'" ? /['\\\n]/g : /["\\\n]/g;
      let value = '';
      for (;;) {
        special.lastIndex = i;
        const m = special.exec(text);
        if (m === null) fail(space, `unterminated string starting at character ${at}; close it with ${close}.`);
        const j = m.index;
        value += text.slice(i, j);
        i = j;
        const ch = text[i] as string;
        if (ch === '\n') {
          if (!triple) fail(space, `string starting at character ${at} runs past the end of its line.`);
          value += ch;
          i++;
        } else if (ch === '\\') {
          if (i + 1 >= n) fail(space, `unterminated string starting at character ${at}; close it with ${close}.`);
          value += text[i + 1] as string;
          i += 2;
        } else if (text.startsWith(close, i)) {
          i += close.length;
          break;
        } else {
          value += ch;
          i++;
        }
      }
      tokens.push({ type: 'str', value, at });
    } else if ((c >= '0' && c <= '9') || ((c === '-' || c === '+') && /[0-9]/.test(text[i + 1] ?? ''))) {
      const at = i;
      INTEGER.lastIndex = i;
      const raw = (INTEGER.exec(text) as RegExpExecArray)[0];
      i += raw.length;
      if (/^[.eExXoObBjJ]/.test(text[i] ?? '')) {
        fail(space, `number at character ${at} is not a plain integer; genotypes use integer node indices.`);
      }
      if (raw.length > 40) fail(space, `integer at character ${at} is too large.`);
      const value = Number(raw.replace(/_/g, ''));
      if (!Number.isSafeInteger(value)) fail(space, `integer ${raw} at character ${at} is too large.`);
      tokens.push({ type: 'int', value, at });
    } else if (NAME_START.test(c)) {
      const at = i;
      NAME.lastIndex = i;
      i += (NAME.exec(text) as RegExpExecArray)[0].length;
      tokens.push({ type: 'name', value: text.slice(at, i), at });
    } else if (PUNCT.has(c)) {
      tokens.push({ type: 'punct', value: c, at: i });
      i++;
    } else {
      fail(space, `unexpected character ${JSON.stringify(c)} at character ${i}; expected Python literal syntax.`);
    }
  }
  tokens.push({ type: 'end', at: n });
  return tokens;
}

class Parser {
  #pos = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly space: string,
  ) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.#pos + offset, this.tokens.length - 1)] as Token;
  }

  next(): Token {
    const t = this.peek();
    if (this.#pos < this.tokens.length - 1) this.#pos++;
    return t;
  }

  isPunct(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === 'punct' && t.value === value;
  }

  expectPunct(value: string): void {
    const t = this.next();
    if (t.type !== 'punct' || t.value !== value) {
      fail(this.space, `expected '${value}' at character ${t.at} but found ${describeToken(t)}.`);
    }
  }

  atEnd(): boolean {
    return this.peek().type === 'end';
  }

  /** `name (. name)* =` at the cursor: a Python assignment target. */
  assignmentTargetLength(): number {
    let k = 0;
    if (this.peek(k).type !== 'name') return 0;
    k++;
    while (this.isPunct('.', k) && this.peek(k + 1).type === 'name') k += 2;
    return this.isPunct('=', k) ? k + 1 : 0;
  }

  /** The remaining tokens after skipping `count` (for a look-ahead parser). */
  tokensFrom(count: number): readonly Token[] {
    return this.tokens.slice(this.#pos + count);
  }

  skip(count: number): void {
    for (let i = 0; i < count; i++) this.next();
  }

  value(depth: number): PyValue {
    if (depth > MAX_DEPTH) fail(this.space, `nesting deeper than ${MAX_DEPTH} levels; this is not a genotype.`);
    const t = this.next();
    switch (t.type) {
      case 'int':
        return { kind: 'int', value: t.value, at: t.at };
      case 'str': {
        // Adjacent string literals concatenate in Python.
        let value = t.value;
        while (this.peek().type === 'str') value += (this.next() as { value: string }).value;
        return { kind: 'str', value, at: t.at };
      }
      case 'name': {
        let name = t.value;
        while (this.isPunct('.') && this.peek(1).type === 'name') {
          this.next();
          name += `.${(this.next() as { value: string }).value}`;
        }
        if (this.isPunct('(')) {
          this.next();
          return this.callArguments(name, t.at, depth);
        }
        return { kind: 'name', name, at: t.at };
      }
      case 'punct':
        if (t.value === '[') return this.sequence(']', false, t.at, depth);
        if (t.value === '(') return this.sequence(')', true, t.at, depth);
        if (t.value === '{') return this.dict(t.at, depth);
        return fail(this.space, `unexpected '${t.value}' at character ${t.at}; expected a value.`);
      case 'end':
        return fail(this.space, `text ends where a value was expected (character ${t.at}).`);
    }
  }

  sequence(close: string, tuple: boolean, at: number, depth: number): PyValue {
    const items: PyValue[] = [];
    let sawComma = false;
    while (!this.isPunct(close)) {
      items.push(this.value(depth + 1));
      if (this.isPunct(',')) {
        this.next();
        sawComma = true;
      } else if (!this.isPunct(close)) {
        const t = this.peek();
        fail(this.space, `expected ',' or '${close}' at character ${t.at} but found ${describeToken(t)}.`);
      }
    }
    this.next();
    // `(x)` is just x in Python; `(x,)` is a one-element tuple.
    if (tuple && items.length === 1 && !sawComma) return items[0] as PyValue;
    return { kind: 'list', items, tuple, at };
  }

  dict(at: number, depth: number): PyValue {
    const entries: (readonly [PyValue, PyValue])[] = [];
    while (!this.isPunct('}')) {
      const key = this.value(depth + 1);
      this.expectPunct(':');
      entries.push([key, this.value(depth + 1)]);
      if (this.isPunct(',')) this.next();
      else if (!this.isPunct('}')) {
        const t = this.peek();
        fail(this.space, `expected ',' or '}' at character ${t.at} but found ${describeToken(t)}.`);
      }
    }
    this.next();
    return { kind: 'dict', entries, at };
  }

  callArguments(name: string, at: number, depth: number): PyValue {
    const args: PyValue[] = [];
    const kwargs: (readonly [string, PyValue])[] = [];
    const seen = new Set<string>(); // a Set, not a scan of kwargs: linear in the number of keywords
    while (!this.isPunct(')')) {
      const t = this.peek();
      if (t.type === 'name' && this.isPunct('=', 1)) {
        this.skip(2);
        if (seen.has(t.value)) {
          fail(this.space, `keyword '${t.value}' given twice in ${name}(...) (character ${t.at}).`);
        }
        seen.add(t.value);
        kwargs.push([t.value, this.value(depth + 1)]);
      } else {
        if (kwargs.length > 0) {
          fail(this.space, `positional argument after keyword arguments in ${name}(...) at character ${t.at}.`);
        }
        args.push(this.value(depth + 1));
      }
      if (this.isPunct(',')) this.next();
      else if (!this.isPunct(')')) {
        const u = this.peek();
        fail(this.space, `expected ',' or ')' at character ${u.at} but found ${describeToken(u)}.`);
      }
    }
    this.next();
    return { kind: 'call', name, args, kwargs, at };
  }
}

function describeToken(t: Token): string {
  switch (t.type) {
    case 'end':
      return 'the end of the text';
    case 'str':
      return `the string '${t.value.slice(0, 30)}'`;
    case 'punct':
      return `'${t.value}'`;
    default:
      return `'${String(t.value)}'`;
  }
}

/**
 * What the text holds at top level: either one value, or a bare keyword-argument list
 * (`normal=[...], normal_concat=[...], ...`, i.e. a `Genotype(...)` call without its name).
 * A leading assignment (`DARTS_V2 = ...`, `genotype = ...`) is skipped.
 */
export type PyTopLevel =
  { readonly kind: 'value'; readonly value: PyValue } | { readonly kind: 'kwargs'; readonly kwargs: readonly (readonly [string, PyValue])[] };

/**
 * Parses `text` as one Python literal (see the module comment for the accepted subset). Throws
 * `InvalidArchitectureError(space, ...)` naming the character offset of the first problem.
 */
export function parsePythonLiteral(text: string, space: string): PyTopLevel {
  if (typeof text !== 'string') fail(space, `expected a genotype string, got ${describeValue(text)}.`);
  if (text.length > MAX_LENGTH) fail(space, `text is ${text.length} characters long; a genotype is far shorter.`);
  const parser = new Parser(tokenize(text, space), space);
  if (parser.atEnd()) fail(space, 'the text is empty; expected a genotype such as Genotype(normal=[...], ...).');
  const target = parser.assignmentTargetLength();
  // `name = value` alone is an assignment; `name = value, other = ...` is a bare keyword list.
  let bareKeywords = false;
  if (target === 2) {
    const probe = new Parser(parser.tokensFrom(2), space);
    probe.value(1);
    bareKeywords = probe.isPunct(',');
  }
  if (!bareKeywords) parser.skip(target);
  let top: PyTopLevel;
  if (bareKeywords || (parser.peek().type === 'name' && parser.isPunct('=', 1))) {
    // Bare keyword arguments: reuse the call reader with a synthetic closing parenthesis.
    const kwargs: (readonly [string, PyValue])[] = [];
    const seen = new Set<string>();
    while (!parser.atEnd()) {
      const t = parser.next();
      if (t.type !== 'name' || !parser.isPunct('=')) {
        fail(space, `expected 'keyword=value' at character ${t.at} but found ${describeToken(t)}.`);
      }
      parser.next();
      if (seen.has(t.value)) fail(space, `keyword '${t.value}' given twice (character ${t.at}).`);
      seen.add(t.value);
      kwargs.push([t.value, parser.value(1)]);
      if (parser.isPunct(',')) parser.next();
      else if (!parser.atEnd()) {
        const u = parser.peek();
        fail(space, `expected ',' at character ${u.at} but found ${describeToken(u)}.`);
      }
    }
    top = { kind: 'kwargs', kwargs };
  } else {
    top = { kind: 'value', value: parser.value(0) };
  }
  if (!parser.atEnd()) {
    const t = parser.peek();
    fail(space, `unexpected ${describeToken(t)} at character ${t.at} after the genotype; remove the trailing text.`);
  }
  return top;
}
