import { createGunzip } from 'node:zlib';
import { Parser, ReadEntry } from 'tar';

/**
 * Template functions whose output changes from one `helm template` to the next (random values,
 * clocks, generated keys and certificates, salted hashes, DNS): a cached render would hand every
 * instance the same "random" password or certificate, so such charts are always rendered afresh.
 */
const NON_DETERMINISTIC = new RegExp(
  // Not after `.` or `$`: `.Values.random` and `$now` are fields and variables, not calls.
  '(?<![.$\\w])(' +
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
    ')\\b',
  'g',
);

const TEMPLATE_ACTION = /\{\{[\s\S]*?\}\}/g;
const MAX_NESTING = 3;
const MAX_TEMPLATE_BYTES = 8 * 1024 * 1024;

/** The non-deterministic functions a template's actions call (outside actions is plain text). */
export function nonDeterministicCalls(template: string): string[] {
  const found = new Set<string>();
  for (const action of template.match(TEMPLATE_ACTION) ?? []) {
    for (const match of action.matchAll(NON_DETERMINISTIC)) found.add(match[1]);
  }
  return [...found];
}

function isTemplateFile(path: string): boolean {
  return /(^|\/)templates\/.+/.test(path) && !path.endsWith('/');
}

function isSubchartArchive(path: string): boolean {
  return /(^|\/)charts\/[^/]+\.tgz$/.test(path);
}

function collect(entry: ReadEntry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => chunks.push(chunk));
    entry.on('end', () => resolve(Buffer.concat(chunks)));
    entry.on('error', reject);
  });
}

/**
 * Every non-deterministic function called by the templates of a packaged chart, its unpacked
 * subcharts and its packed subcharts (nested .tgz, a few levels deep). An archive too deep or too
 * large to scan counts as non-deterministic: the safe answer only costs a cache miss.
 */
export async function chartNonDeterminism(archive: Buffer, depth = 0): Promise<string[]> {
  if (depth > MAX_NESTING) return ['(nested too deep to scan)'];
  const files = await readFiles(archive);
  if (files === undefined) return ['(too large to scan)'];
  const found = new Set<string>();
  for (const [path, bytes] of files) {
    const calls = isSubchartArchive(path)
      ? await chartNonDeterminism(bytes, depth + 1)
      : nonDeterministicCalls(bytes.toString('utf8'));
    for (const call of calls) found.add(call);
  }
  return [...found].sort();
}

function readFiles(archive: Buffer): Promise<Map<string, Buffer> | undefined> {
  return new Promise((resolve, reject) => {
    const files = new Map<string, Buffer>();
    const pending: Promise<void>[] = [];
    let total = 0;
    const parser = new Parser({
      filter: (path) => isTemplateFile(path) || isSubchartArchive(path),
      onReadEntry: (entry: ReadEntry) => {
        total += entry.size;
        if (entry.type !== 'File' || total > MAX_TEMPLATE_BYTES) {
          entry.resume();
          return;
        }
        pending.push(collect(entry).then((bytes) => void files.set(entry.path, bytes)));
      },
    });
    parser.on('error', reject);
    parser.on('end', () => {
      Promise.all(pending)
        .then(() => resolve(total > MAX_TEMPLATE_BYTES ? undefined : files))
        .catch(reject);
    });
    const gunzip = createGunzip();
    gunzip.on('error', reject);
    gunzip.pipe(parser);
    gunzip.end(archive);
  });
}
