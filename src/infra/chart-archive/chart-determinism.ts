/**
 * Template functions whose output changes from one `helm template` to the next (random values,
 * clocks, generated keys and certificates, salted hashes, DNS): a cached render would hand every
 * instance the same "random" password or certificate, so such charts are always rendered afresh.
 */
const NON_DETERMINISTIC = new RegExp(
  '^(' +
    [
      'rand[A-Za-z]*',
      'uuidv4',
      'now',
      'unixEpoch',
      'genPrivateKey',
      'genCA\\w*',
      'genSelfSignedCert\\w*',
      'genSignedCert\\w*',
      'htpasswd',
      'bcrypt',
      'shuffle',
      'encryptAES',
      'getHostByName',
    ].join('|') +
    ')$',
);

/** `tpl` renders any string as a template: chart files it may read become templates too. */
const TPL = 'tpl';
/** Longer words are no function name of the list above: they are not kept while scanning. */
const MAX_WORD = 64;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BACKTICK = 0x60;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const STAR = 0x2a;
const DOT = 0x2e;
const DOLLAR = 0x24;

type State = 'text' | 'code' | 'string' | 'raw' | 'char' | 'comment';

function isWordByte(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    byte === 0x5f
  );
}

/**
 * A one-pass scanner of Go template text, fed in chunks of any size (bytes; function names are
 * ASCII, so no decoding is needed): each byte is looked at once, whatever the input (unclosed
 * `{{` runs included), so its cost is linear. It finds the words of the list above used as
 * functions inside `{{ … }}` actions, not after `.` or `$` (`.Values.random` and `$now` are fields
 * and variables). Strings inside actions are scanned too (`tpl` may render them) but do not end
 * the action on a `}}`, like Go's lexer; comments are skipped.
 */
export class TemplateScanner {
  readonly calls = new Set<string>();
  usesTpl = false;
  private state: State = 'text';
  private previous = 0;
  private word = '';
  private wordTooLong = false;
  private wordAfter = 0;

  write(chunk: Buffer): void {
    let wordStart = -1;
    for (let i = 0; i < chunk.length; i += 1) {
      const byte = chunk[i];
      if (this.state !== 'text' && this.state !== 'comment' && isWordByte(byte)) {
        if (wordStart < 0 && this.word === '' && !this.wordTooLong) this.wordAfter = this.previous;
        if (wordStart < 0) wordStart = i;
        this.previous = byte;
        continue;
      }
      if (wordStart >= 0) {
        this.extendWord(chunk, wordStart, i);
        wordStart = -1;
      }
      this.endWord();
      this.step(byte);
    }
    if (wordStart >= 0) this.extendWord(chunk, wordStart, chunk.length);
  }

  /** Ends the input: a word running to the end still counts. */
  end(): void {
    this.endWord();
  }

  private step(byte: number): void {
    const previous = this.previous;
    this.previous = byte;
    switch (this.state) {
      case 'text':
        if (previous === OPEN_BRACE && byte === OPEN_BRACE) this.enter('code');
        return;
      case 'code':
        return this.stepCode(previous, byte);
      case 'string':
        if (previous === BACKSLASH) this.previous = 0;
        else if (byte === DOUBLE_QUOTE) this.state = 'code';
        return;
      case 'char':
        if (previous === BACKSLASH) this.previous = 0;
        else if (byte === SINGLE_QUOTE) this.state = 'code';
        return;
      case 'raw':
        if (byte === BACKTICK) this.state = 'code';
        return;
      case 'comment':
        if (previous === STAR && byte === SLASH) this.enter('code');
    }
  }

  private stepCode(previous: number, byte: number): void {
    if (previous === CLOSE_BRACE && byte === CLOSE_BRACE) return this.enter('text');
    if (previous === SLASH && byte === STAR) return this.enter('comment');
    if (byte === DOUBLE_QUOTE) this.state = 'string';
    else if (byte === SINGLE_QUOTE) this.state = 'char';
    else if (byte === BACKTICK) this.state = 'raw';
  }

  /** A delimiter's second byte never starts the next one (`}}}` closes once, `{{{` opens once). */
  private enter(state: State): void {
    this.state = state;
    this.previous = 0;
  }

  private extendWord(chunk: Buffer, start: number, end: number): void {
    if (this.wordTooLong) return;
    if (this.word.length + (end - start) > MAX_WORD) {
      this.word = '';
      this.wordTooLong = true;
      return;
    }
    this.word += chunk.toString('latin1', start, end);
  }

  private endWord(): void {
    const word = this.word;
    const field = this.wordAfter === DOT || this.wordAfter === DOLLAR;
    this.word = '';
    this.wordTooLong = false;
    if (word === '' || field) return;
    if (word === TPL) this.usesTpl = true;
    else if (NON_DETERMINISTIC.test(word)) this.calls.add(word);
  }
}

/** The non-deterministic functions a template's actions call (outside actions is plain text). */
export function nonDeterministicCalls(template: string): string[] {
  const scanner = new TemplateScanner();
  scanner.write(Buffer.from(template, 'utf8'));
  scanner.end();
  return [...scanner.calls];
}
