import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

/**
 * The payload types are derived from the schemas the AsyncAPI document publishes, so the only
 * place left to drift is the code that writes payloads. This compiles the contract with one side
 * changed and shows the compiler refuses it: a field added to a schema only, or to a message only;
 * and that `everyOf` refuses a list missing a member of its union.
 */

const PAYLOADS = join(__dirname, 'payloads.ts');
const SEED_MESSAGES = join(__dirname, 'seed-messages.ts');
/** A file that exists only in memory, compiled instead of the seed messages. */
const PROBE = join(__dirname, 'drift-probe.ts');

function replaced(file: string, from: string, to: string): string {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no ${from}`);
  return text.replace(from, to);
}

/** Files parsed once for all compiles (TypeBox's declarations are most of the work). */
const parsed = new Map<string, ts.SourceFile | undefined>();

/** Type errors of the contract with `overrides` (file → text) in place of the files on disk. */
function typeErrors(overrides: Record<string, string> = {}): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (file) => overrides[file] ?? read(file);
  const exists = host.fileExists.bind(host);
  host.fileExists = (file) => file in overrides || exists(file);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, ...rest) =>
    file in overrides
      ? ts.createSourceFile(file, overrides[file], language)
      : (parsed.get(file) ?? parsed.set(file, getSourceFile(file, language, ...rest)).get(file));
  const roots = PROBE in overrides ? [PROBE] : [SEED_MESSAGES];
  const program = ts.createProgram(roots, options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

describe('the payload types cannot drift from the published schemas', () => {
  jest.setTimeout(120_000);

  it('compiles as it is', () => {
    expect(typeErrors()).toEqual([]);
  });

  it('refuses a field added to a schema that the messages do not have', () => {
    const schema = replaced(
      PAYLOADS,
      "type: Type.Literal('chart'),",
      "type: Type.Literal('chart'),\n    digest: Type.String(),",
    );
    expect(typeErrors({ [PAYLOADS]: schema }).join('\n')).toMatch(
      /Property 'digest' is missing .* required in type .*/,
    );
  });

  it('refuses a field in a message that the schema does not have', () => {
    const message = replaced(
      SEED_MESSAGES,
      "type: 'chart',",
      "type: 'chart',\n  digest: 'sha256:0',",
    );
    expect(typeErrors({ [SEED_MESSAGES]: message }).join('\n')).toMatch(
      /'digest' does not exist in type/,
    );
  });

  it('refuses a list checked with everyOf that misses a member of its union or has another', () => {
    const probe = (list: string) =>
      typeErrors({
        [PROBE]: `import { everyOf } from './enums';\nexport const L = everyOf<'a' | 'b'>()(${list} as const);\n`,
      });
    expect(probe("['a', 'b']")).toEqual([]);
    expect(probe("['a']")).not.toEqual([]);
    expect(probe("['a', 'b', 'c']")).not.toEqual([]);
  });
});
