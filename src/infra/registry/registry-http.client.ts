import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import http, { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { RegistryConfig } from '../../config/slices/registry.config';
import { allowedAddresses, EgressRefused, pinnedLookup } from '../egress/egress-guard';
import { EgressPolicy } from '../../common/egress/egress-policy';
import { formatImageReference, ImageReference, registryApiHost } from './image-reference';
import {
  Registry,
  RegistryEndpoint,
  RegistryHttpError,
  RegistryUnreachable,
} from './registry.port';
import { parseChallenge } from './www-authenticate';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface RequestSpec {
  url: URL;
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  insecure: boolean;
  egress?: EgressPolicy;
}

/**
 * A small OCI distribution client over keep-alive connections: checking a digest costs a round
 * trip instead of a skopeo process. Registries named with TLS verification off are tried over
 * HTTPS without verification first and then over plain HTTP, as skopeo does. Connecting (TCP and
 * TLS) has its own short timeout, so a silent port costs seconds, not the answer timeout.
 */
@Injectable()
export class RegistryHttpClient implements Registry, OnModuleDestroy {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly insecureAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 32,
    rejectUnauthorized: false,
  });
  private readonly plainHttpHosts = new Set<string>();
  private readonly tokens = new Map<string, { value: string; expiresAt: number }>();

  constructor(private readonly config: RegistryConfig) {}

  onModuleDestroy(): void {
    for (const agent of [this.httpAgent, this.httpsAgent, this.insecureAgent]) agent.destroy();
  }

  async manifestDigest(image: ImageReference, endpoint: RegistryEndpoint): Promise<string | null> {
    const host = registryApiHost(image.registry);
    const reference = image.digest ?? image.tag ?? 'latest';
    const path = `/v2/${image.repository}/manifests/${reference}`;
    const scope = `repository:${image.repository}:pull`;
    const answer = await this.authorized(host, path, 'HEAD', scope, endpoint);
    if (answer.status === 404) return null;
    if (answer.status !== 200) {
      throw new RegistryHttpError(
        `${formatImageReference(image)}: the registry answered ${answer.status}`,
      );
    }
    const digest = answer.headers['docker-content-digest'];
    if (typeof digest === 'string' && digest !== '') return digest;
    const full = await this.authorized(host, path, 'GET', scope, endpoint);
    return `sha256:${createHash('sha256').update(full.body).digest('hex')}`;
  }

  async ping(image: ImageReference, endpoint: RegistryEndpoint): Promise<void> {
    await this.send(registryApiHost(image.registry), '/v2/', 'GET', {}, endpoint);
  }

  /** One request, answering a 401 challenge (bearer token or basic) once. */
  private async authorized(
    host: string,
    path: string,
    method: 'GET' | 'HEAD',
    scope: string,
    endpoint: RegistryEndpoint,
  ): Promise<Answer> {
    const tokenKey = `${host}|${scope}`;
    const cached = this.tokens.get(tokenKey);
    const headers: Record<string, string> = { Accept: MANIFEST_TYPES };
    if (cached && cached.expiresAt > Date.now()) headers.Authorization = `Bearer ${cached.value}`;
    const first = await this.send(host, path, method, headers, endpoint);
    if (first.status !== 401) return first;
    const authorization = await this.answerChallenge(first, host, tokenKey, scope, endpoint);
    if (!authorization) return first;
    return this.send(host, path, method, { ...headers, Authorization: authorization }, endpoint);
  }

  private async answerChallenge(
    answer: Answer,
    host: string,
    tokenKey: string,
    scope: string,
    endpoint: RegistryEndpoint,
  ): Promise<string | undefined> {
    const challenge = parseChallenge(String(answer.headers['www-authenticate'] ?? ''));
    const basic = endpoint.credentials
      ? `Basic ${Buffer.from(`${endpoint.credentials.username}:${endpoint.credentials.password}`).toString('base64')}`
      : undefined;
    if (challenge?.scheme === 'basic') return basic;
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) return undefined;
    const url = realmUrl(challenge.params.realm);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', challenge.params.scope ?? scope);
    const withCredentials = basic !== undefined && realmMayReceiveCredentials(url, host, endpoint);
    const tokenAnswer = await this.request({
      url,
      method: 'GET',
      headers: withCredentials ? { Authorization: basic } : {},
      insecure: !endpoint.tlsVerify,
      egress: endpoint.egress,
    });
    if (tokenAnswer.status !== 200) {
      throw new RegistryHttpError(`the token service ${url.host} answered ${tokenAnswer.status}`);
    }
    const body = JSON.parse(tokenAnswer.body.toString('utf8')) as {
      token?: string;
      access_token?: string;
      expires_in?: number;
    };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryHttpError(`the token service ${url.host} gave no token`);
    const lifetimeMs = Math.max(30, (body.expires_in ?? 60) - 10) * 1000;
    this.tokens.set(tokenKey, { value: token, expiresAt: Date.now() + lifetimeMs });
    return `Bearer ${token}`;
  }

  private async send(
    host: string,
    path: string,
    method: 'GET' | 'HEAD',
    headers: Record<string, string>,
    endpoint: RegistryEndpoint,
  ): Promise<Answer> {
    const plain = this.plainHttpHosts.has(host);
    try {
      return await this.request({
        url: new URL(`${plain ? 'http' : 'https'}://${host}${path}`),
        method,
        headers,
        insecure: !endpoint.tlsVerify,
        egress: endpoint.egress,
      });
    } catch (error) {
      if (error instanceof RegistryHttpError || error instanceof EgressRefused) throw error;
      if (plain || endpoint.tlsVerify || !isTlsFailure(error)) {
        throw new RegistryUnreachable(`${host}: ${(error as Error).message}`);
      }
      this.plainHttpHosts.add(host);
      return this.send(host, path, method, headers, endpoint);
    }
  }

  private async request(spec: RequestSpec): Promise<Answer> {
    const secure = spec.url.protocol === 'https:';
    const lookup = spec.egress
      ? pinnedLookup(
          await allowedAddresses(spec.egress, {
            host: spec.url.hostname,
            port: Number(spec.url.port) || (secure ? 443 : 80),
          }),
        )
      : undefined;
    const agent = !secure ? this.httpAgent : spec.insecure ? this.insecureAgent : this.httpsAgent;
    const transport = secure ? https : http;
    return new Promise((resolveAnswer, rejectAnswer) => {
      // The idle timeout alone lets a registry trickle a byte now and then forever.
      const whole = setTimeout(
        () => request.destroy(new RegistryUnreachable(`${spec.url.host} did not answer in time`)),
        this.config.REGISTRY_HTTP_TIMEOUT_MS,
      );
      const resolve = (answer: Answer): void => {
        clearTimeout(whole);
        resolveAnswer(answer);
      };
      const reject = (error: unknown): void => {
        clearTimeout(whole);
        rejectAnswer(error);
      };
      const request = transport.request(
        spec.url,
        {
          method: spec.method,
          headers: spec.headers,
          agent,
          lookup,
          timeout: this.config.REGISTRY_HTTP_TIMEOUT_MS,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES)
              return request.destroy(new RegistryHttpError('answer too large'));
            chunks.push(chunk);
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on('error', reject);
        },
      );
      request.on('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(
          () =>
            request.destroy(new RegistryUnreachable(`${spec.url.host} did not connect in time`)),
          this.config.REGISTRY_CONNECT_TIMEOUT_MS,
        );
        socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      request.on('timeout', () =>
        request.destroy(new RegistryUnreachable(`${spec.url.host} did not answer in time`)),
      );
      request.on('error', reject);
      request.end();
    });
  }
}

function realmUrl(realm: string): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new RegistryHttpError('the registry named a token realm that is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RegistryHttpError('the registry named a token realm that is not http(s)');
  }
  return url;
}

/**
 * Source credentials go to the registry's own host only, over HTTPS unless the registry is used
 * without TLS verification anyway; a realm elsewhere gets them only when configured.
 */
function realmMayReceiveCredentials(realm: URL, host: string, endpoint: RegistryEndpoint): boolean {
  if (!endpoint.egress) return true;
  if (realm.protocol === 'http:' && endpoint.tlsVerify) return false;
  const registryHostname = new URL(`https://${host}`).hostname;
  const allowed = endpoint.realmCredentialHosts ?? [];
  return (
    realm.hostname === registryHostname ||
    allowed.includes(realm.host) ||
    allowed.includes(realm.hostname)
  );
}

function isTlsFailure(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code ?? '';
  const message = (error as Error)?.message ?? '';
  return (
    code === 'EPROTO' ||
    code === 'ECONNRESET' ||
    code.startsWith('ERR_SSL') ||
    /wrong version number|ssl|tls/i.test(message)
  );
}
