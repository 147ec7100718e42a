/**
 * The raw floor of `npm run bench:rest`: `node:http` + `pg`, the same SQL as the api's read and
 * intent-creation paths, the same ES256 verification (jose, the same key set), the same JSON.
 * No framework, no validation beyond what the SQL needs, no logging. Run as its own process by
 * bench/rest.ts: `node dist-bench/bench/rest-raw-server.js` with RAW_* settings in the environment.
 */
import { createLocalJWKSet, JSONWebKeySet, jwtVerify } from 'jose';
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Pool, PoolClient } from 'pg';
import type { WorkloadStatus } from '../src/contract';
import { CursorBinding, encodeCursor } from '../src/common/pagination/cursor';
import { EXACT_COUNT_UP_TO } from '../src/common/pagination/pagination';
import { partitionOf } from '../src/events/outbox.service';
import { acknowledged } from '../src/intent/domain/fulfilment';
import { epochMicrosSql, formatMicroTimestamp } from '../src/intent/domain/timestamp';
import type { CreateIntentDto } from '../src/intent/dto/create-intent.dto';
import { toIntentDraft } from '../src/intent/dto/intent-draft.mapper';
import { insertIntentStatement } from '../src/intent/intent-tree.statement';
import type { OnboardingStep } from '../src/workload/entities/workload-document.entity';
import { onboardingProgress } from '../src/workload/onboarding-progress';

type Row = Record<string, unknown>;

const pool = new Pool({ connectionString: process.env.RAW_DATABASE_URL, max: 10 });
const verifyAuth = process.env.RAW_VERIFY_JWT !== 'false';
const keys = createLocalJWKSet(JSON.parse(process.env.RAW_JWKS ?? '{}') as JSONWebKeySet);
const issuer = process.env.RAW_ISSUER ?? '';
const audience = process.env.RAW_AUDIENCE ?? '';
const BENCH_TENANT = 'bench';

async function tenantOf(request: IncomingMessage): Promise<string | null> {
  if (!verifyAuth) return BENCH_TENANT;
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) return null;
  try {
    const { payload } = await jwtVerify(header.slice(7), keys, { issuer, audience });
    return typeof payload.tenant === 'string' ? payload.tenant : null;
  } catch {
    return null;
  }
}

const info = (row: Row) => ({
  fulfilment_status: row.fulfilment_status,
  not_fulfilled_state: row.not_fulfilled_state,
  not_fulfilled_reasons: row.not_fulfilled_reasons,
});

const context = (row: Row) => ({
  context_attribute: row.context_attribute,
  context_condition: row.context_condition,
  context_value_range: row.context_value_range,
});

async function all(client: PoolClient | Pool, sql: string, params: unknown[]): Promise<Row[]> {
  return (await client.query(sql, params)).rows as Row[];
}

/** The results of several statements sent as one simple query, as the api's leanFindAll sends them. */
async function batch(client: PoolClient | Pool, statements: string[]): Promise<Row[][]> {
  const results = (await client.query(statements.join(';\n'))) as unknown as Array<{ rows: Row[] }>;
  return results.map((result) => result.rows);
}

/**
 * The intents' rows, one statement per table in one round trip, as the api's IntentStore.loadRows
 * reads them (ids are integers: written into the SQL as the api writes them); with `tenant`, only
 * that tenant's.
 */
async function loadIntents(
  client: PoolClient | Pool,
  ids: number[],
  tenant?: string,
): Promise<Row[]> {
  if (ids.length === 0 || !ids.every((id) => Number.isSafeInteger(id))) return [];
  const list = `'{${ids.join(',')}}'`;
  const of = (table: string, order = '') =>
    `SELECT * FROM ${table} WHERE intent_id = ANY(${list})${order}`;
  const byPosition = ' ORDER BY position ASC, id ASC';
  const [
    intents,
    expectations,
    objects,
    targets,
    contexts,
    reports,
    fulfilment,
    feasibility,
    eResults,
    tResults,
    conflicts,
  ] = await batch(client, [
    `SELECT * FROM intent WHERE id = ANY(${list})`,
    of('intent_expectation', byPosition),
    of('expectation_object'),
    of('expectation_target', byPosition),
    of('intent_context', byPosition),
    `SELECT *, ${epochMicrosSql('last_updated_time')} AS micros FROM intent_report WHERE intent_id = ANY(${list})`,
    of('intent_fulfilment_report'),
    of('intent_feasibility_check_report'),
    of('expectation_fulfilment_result'),
    of('target_fulfilment_result'),
    of('intent_conflict_report', ' ORDER BY id ASC'),
  ]);
  const contextsOf = (column: string, id: unknown) =>
    contexts.filter((c) => c[column] === id).map(context);
  return ids.flatMap((id) => {
    const intent = intents.find((i) => i.id === id && (!tenant || i.tenant === tenant));
    const report = reports.find((r) => r.intent_id === id);
    const fulfilmentReport = fulfilment.find((r) => r.intent_id === id);
    if (!intent || !report || !fulfilmentReport) return [];
    const feasibilityReport = feasibility.find((r) => r.intent_id === id);
    return [
      {
        id,
        user_label: intent.user_label,
        intent_preemption_capability: intent.intent_preemption_capability ? 'TRUE' : 'FALSE',
        observation_period: intent.observation_period,
        intent_expectations: expectations
          .filter((e) => e.intent_id === id)
          .map((e) => {
            const object = objects.find((o) => o.intent_expectation_id === e.id) ?? {};
            return {
              id: e.id,
              expectation_id: e.expectation_id,
              expectation_verb: e.expectation_verb,
              expectation_object: {
                id: object.id,
                object_type: object.object_type,
                object_instance: object.object_instance,
                context_selectivity: object.context_selectivity,
                object_contexts: contextsOf('expectation_object_id', object.id),
              },
              expectation_targets: targets
                .filter((t) => t.intent_expectation_id === e.id)
                .map((t) => ({
                  id: t.id,
                  target_name: t.target_name,
                  target_condition: t.target_condition,
                  target_value_range: t.target_value_range,
                  target_contexts: contextsOf('expectation_target_id', t.id),
                })),
              expectation_contexts: contextsOf('intent_expectation_id', e.id),
            };
          }),
        intent_report_reference: {
          id: report.id,
          intent_fulfilment_report: {
            id: fulfilmentReport.id,
            intent_fulfilment_info: info(fulfilmentReport),
            expectation_fulfilment_results: eResults
              .filter((r) => r.intent_id === id)
              .map((r) => ({
                expectation_fulfilment_info: info(r),
                expectation_id: r.intent_expectation_id,
                target_fulfilment_results: tResults
                  .filter((t) => t.expectation_fulfilment_result_id === r.id)
                  .map((t) => ({
                    target: t.expectation_target_id,
                    target_achieved_value: t.target_achieved_value,
                    target_fulfilment_info: info(t),
                  })),
              })),
          },
          intent_feasibility_check_report: feasibilityReport
            ? {
                id: feasibilityReport.id,
                feasibility_check_type: feasibilityReport.feasibility_check_type,
                infeasibility_reason: feasibilityReport.infeasibility_reason,
              }
            : null,
          last_updated_time: formatMicroTimestamp(report.micros as string),
          intent_conflict_reports: conflicts
            .filter((c) => c.intent_id === id)
            .map((c) => ({
              id: c.id,
              conflict_type: c.conflict_type,
              conflicting_intent: c.conflicting_intent_id,
              conflict_description: c.conflict_description,
              recommended_solution: c.recommended_solution,
            })),
        },
        intent_contexts: contexts
          .filter(
            (c) =>
              c.intent_id === id &&
              c.intent_expectation_id === null &&
              c.expectation_object_id === null &&
              c.expectation_target_id === null,
          )
          .map(context),
        intent_admin_state: intent.admin_state,
      },
    ];
  });
}

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

function workloadJson(row: Row): Row {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    type: row.type,
    status: row.status,
    ingress_support: row.ingress_support,
    description: row.description,
    owner: row.owner,
    tenant: row.tenant,
    rejection_reason: row.rejection_reason,
    onboarding: onboardingProgress({
      status: row.status as WorkloadStatus,
      onboardingStep: row.onboarding_step as OnboardingStep | null,
      imagesDone: row.images_done as number,
      imagesTotal: row.images_total as number,
    }),
    package:
      row.package_digest === null
        ? null
        : { digest: row.package_digest, size: row.package_size ?? 0 },
    provenance:
      row.provenance_signer && row.provenance_key_fingerprint
        ? { signer: row.provenance_signer, key_fingerprint: row.provenance_key_fingerprint }
        : null,
    render_policy: { allowed_kinds: row.allowed_kinds, pod_security: row.pod_security_profile },
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

async function getWorkload(tenant: string, id: number): Promise<unknown> {
  if (!Number.isSafeInteger(id)) return null;
  const [[row], mirrors] = await batch(pool, [
    `SELECT * FROM workload_document WHERE id = ${id}`,
    `SELECT * FROM workload_image_mirror WHERE document_id = ${id} ORDER BY id`,
  ]);
  if (!row || row.tenant !== tenant) return null;
  return {
    ...workloadJson(row),
    images: mirrors.map((m) => ({
      source: m.source,
      mirrored: m.mirrored,
      digest: m.digest,
      copied: m.copied,
      companions: m.companions,
    })),
  };
}

/** The api's default list: newest first by (created_at, id), one row more to know if a page follows. */
async function listWorkloads(tenant: string, limit: number): Promise<unknown> {
  const [rows, [count]] = await Promise.all([
    all(
      pool,
      `SELECT *, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_key
         FROM workload_document WHERE tenant = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      [tenant, limit + 1],
    ),
    all(
      pool,
      `SELECT count(*)::int AS total FROM (SELECT 1 FROM workload_document WHERE tenant = $1
         LIMIT ${EXACT_COUNT_UP_TO + 1}) AS matching`,
      [tenant],
    ),
  ]);
  const total = count.total as number;
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  const binding: CursorBinding = {
    resource: 'workloads',
    sort: 'created_at',
    order: 'desc',
    filters: { name: undefined, status: undefined, type: undefined },
  };
  return {
    items: rows.slice(0, limit).map(workloadJson),
    meta: {
      page: 1,
      limit,
      total,
      total_pages: Math.ceil(total / limit),
      count: total <= EXACT_COUNT_UP_TO ? 'exact' : 'estimated',
      next_cursor: last
        ? encodeCursor({ key: last.cursor_key as string, id: last.id as number }, binding)
        : null,
    },
  };
}

async function getIntent(tenant: string, id: number): Promise<unknown> {
  const [intent] = await loadIntents(pool, [id], tenant);
  return intent ?? null;
}

async function getInstance(tenant: string, instanceId: string): Promise<unknown> {
  const [row] = await all(
    pool,
    'SELECT * FROM workload_instance WHERE instance_id = $1 AND tenant = $2',
    [instanceId, tenant],
  );
  if (!row) return null;
  const ids = await all(
    pool,
    `SELECT DISTINCT i.id FROM intent i JOIN expectation_object o ON o.intent_id = i.id
      WHERE o.object_instance = $1 AND i.tenant = $2 ORDER BY i.id`,
    [instanceId, tenant],
  );
  return {
    id: row.id,
    instance_id: row.instance_id,
    workload_document_id: row.workload_document_id,
    release_name: row.release_name,
    namespace: row.namespace,
    status: row.status,
    status_reason: row.status_reason,
    cluster_name: row.cluster_name,
    ingress_enabled: row.ingress_enabled,
    exposed_urls: row.exposed_urls,
    manifests: row.manifests,
    image_lock: ((row.image_lock ?? []) as Row[]).map((entry) => ({
      source: entry.source,
      reference: entry.reference,
      digest: entry.digest,
    })),
    revision: row.revision,
    intents: await loadIntents(
      pool,
      ids.map((r) => r.id as number),
    ),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** One transaction as the api's create path: object lock, contradiction query, rows, outbox. */
async function createIntent(tenant: string, body: CreateIntentDto): Promise<unknown> {
  const draft = toIntentDraft(body);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const object = draft.intent_expectations[0].expectation_object;
    const instance = object.object_instance;
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      0x696e746e,
      JSON.stringify([tenant, object.object_type, instance]),
    ]);
    await client.query(
      'SELECT id, tenant, status FROM workload_instance WHERE instance_id = $1 AND tenant = $2',
      [instance, tenant],
    );
    const active = await all(
      client,
      `SELECT DISTINCT i.id FROM intent i JOIN expectation_object o ON o.intent_id = i.id
         JOIN intent_feasibility_check_report f ON f.intent_id = i.id
        WHERE i.tenant = $1 AND f.feasibility_check_type = 'FEASIBLE' AND i.id <> $2
          AND (o.object_type, o.object_instance) IN (SELECT * FROM unnest($3::text[], $4::text[]))
        ORDER BY i.id`,
      [tenant, 0, [object.object_type], [instance]],
    );
    await loadIntents(
      client,
      active.map((row) => row.id as number),
    );
    const { text, values } = insertIntentStatement(
      { subject: 'bench-user', tenant },
      draft,
      { feasibility_check_type: 'FEASIBLE', infeasibility_reason: null },
      acknowledged(),
    );
    const { rows } = await client.query<{ id: number }>(text, values);
    const id = rows[0].id;
    const [intent] = await loadIntents(client, [id]);
    await client.query(
      `INSERT INTO outbox_message (message_id, routing_key, aggregate_type, aggregate_id, partition, body)
       VALUES ($1, 'intent-notify', 'intent', $2, $3, $4)`,
      [randomUUID(), String(id), partitionOf({ type: 'intent', id }), JSON.stringify(intent)],
    );
    await client.query('COMMIT');
    return intent;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<CreateIntentDto> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CreateIntentDto);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    request.on('error', reject);
  });
}

async function route(request: IncomingMessage, tenant: string): Promise<[number, unknown]> {
  const url = new URL(request.url ?? '/', 'http://raw');
  const parts = url.pathname.split('/').filter(Boolean).slice(2);
  const [collection, id] = parts;
  if (request.method === 'POST' && collection === 'intents' && !id)
    return [201, await createIntent(tenant, await readBody(request))];
  if (request.method !== 'GET') return [404, { status: 404 }];
  const found =
    collection === 'workloads' && id
      ? await getWorkload(tenant, Number(id))
      : collection === 'workloads'
        ? await listWorkloads(tenant, Number(url.searchParams.get('limit') ?? 20))
        : collection === 'intents' && id
          ? await getIntent(tenant, Number(id))
          : collection === 'instances' && id
            ? await getInstance(tenant, id)
            : null;
  return found ? [200, found] : [404, { status: 404 }];
}

const server = createServer((request, response) => {
  tenantOf(request)
    .then(async (tenant) => {
      if (!tenant) return send(response, 401, { status: 401 });
      const [status, body] = await route(request, tenant);
      send(response, status, body);
    })
    .catch((error: unknown) => send(response, 500, { detail: String(error) }));
});

server.listen(Number(process.env.RAW_PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`,
  );
});

// A clean exit on the bench's SIGTERM, so that `--cpu-prof` (BENCH_PROFILE_DIR) writes its profile.
process.on('SIGTERM', () => process.exit(0));
