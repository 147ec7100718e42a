import { BadRequestError } from '../common/errors/domain-error';
import { allowedAddresses, EgressRefused, Resolve } from '../infra/egress/egress-guard';
import { EgressPolicy } from '../common/egress/egress-policy';
import { portOf, TimedOut, withinTime } from '../infra/egress/guarded-post';

const FIELD = 'callback_url';
/** A request waits at most this long for the callback host's name to resolve. */
const RESOLVE_TIMEOUT_MS = 3000;

function refused(reason: string): BadRequestError {
  return new BadRequestError('callback_url_refused', `callback_url is refused: ${reason}`, [
    { field: FIELD, reason },
  ]);
}

/**
 * A callback URL a delivery may go to: http(s), no credentials in it, a host that resolves to
 * addresses the policy allows. The reason never says which address a name resolved to, so the
 * answer cannot be used to map the platform's network.
 */
export async function checkCallbackUrl(
  policy: EgressPolicy,
  text: string,
  resolve?: Resolve,
): Promise<URL> {
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw refused('must be an http or https URL');
  if (url.username !== '' || url.password !== '')
    throw refused('must not carry credentials (user:password@)');
  try {
    await withinTime(
      allowedAddresses(policy, { host: url.hostname, port: portOf(url) }, resolve),
      AbortSignal.timeout(RESOLVE_TIMEOUT_MS),
      RESOLVE_TIMEOUT_MS,
    );
  } catch (error) {
    if (error instanceof EgressRefused || error instanceof TimedOut)
      throw refused(
        'its host must resolve to public addresses only (loopback, private, link-local and ' +
          'reserved ranges are refused unless the operator allowed them)',
      );
    throw error;
  }
  return url;
}
