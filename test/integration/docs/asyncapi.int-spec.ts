import { Parser } from '@asyncapi/parser';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_VERSION } from '../../../src/common/app-version';
import {
  asyncApiDocument,
  INTENT_NOTIFY_MESSAGE,
  ROUTING_KEYS,
  RUN_MESSAGE,
  SEED_DELETE_MESSAGE,
  SEED_RUN_MESSAGE,
  SEED_UPLOAD_MESSAGE,
} from '../../../src/contract';
import { eventSchemaErrors } from '../../support/event-schema';

const COMMITTED = join(__dirname, '..', '..', '..', 'asyncapi.json');

/** `npm run docs` sets UPDATE_DOCS=1 to rewrite the committed documents from the code. */
const updating = process.env.UPDATE_DOCS === '1';

describe('AsyncAPI document of the lifecycle events', () => {
  const document = asyncApiDocument(APP_VERSION);
  const text = `${JSON.stringify(document, null, 2)}\n`;

  beforeAll(() => {
    if (updating) writeFileSync(COMMITTED, text);
  });

  it('is a valid AsyncAPI 3 document (official parser, no errors)', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(text);
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 0);
    expect(errors.map((error) => `${error.path.join('.')}: ${error.message}`)).toEqual([]);
    expect(parsed?.version()).toBe('3.0.0');
    expect(
      parsed
        ?.channels()
        .all()
        .map((channel) => channel.address())
        .sort(),
    ).toEqual([...ROUTING_KEYS].sort());
  });

  it('describes the seed exchange and each routing key', () => {
    for (const key of ROUTING_KEYS) {
      const amqp = (
        document.channels as Record<
          string,
          { bindings: { amqp: Record<string, Record<string, unknown>> } }
        >
      )[key].bindings.amqp;
      expect(amqp.exchange).toMatchObject({
        name: 'nemo.api.workload',
        type: 'direct',
        durable: true,
      });
    }
  });

  it('accepts every seed example and rejects a drifted payload', () => {
    expect(eventSchemaErrors('upload', SEED_UPLOAD_MESSAGE)).toEqual([]);
    expect(eventSchemaErrors('run', RUN_MESSAGE)).toEqual([]);
    expect(Object.keys(RUN_MESSAGE)).toEqual([...Object.keys(SEED_RUN_MESSAGE), 'revision']);
    expect(eventSchemaErrors('intent-notify', INTENT_NOTIFY_MESSAGE)).toEqual([]);
    expect(eventSchemaErrors('delete', SEED_DELETE_MESSAGE)).toEqual([]);
    expect(eventSchemaErrors('upload', { ...SEED_UPLOAD_MESSAGE, workloadId: 4 })).not.toEqual([]);
    expect(
      eventSchemaErrors('delete', { id: 1, instance_id: SEED_DELETE_MESSAGE.instance_id }),
    ).not.toEqual([]);
  });

  it('is committed as asyncapi.json exactly as the code produces it (npm run docs)', () => {
    expect(readFileSync(COMMITTED, 'utf8')).toBe(text);
  });
});
