/** Longest Ingress path accepted: real routes are short; a bound keeps controller configs small. */
export const MAX_INGRESS_PATH_LENGTH = 256;

/**
 * Unreserved URL characters, "/" and percent escapes only. Everything else — `;`, `{`, `}`, `#`,
 * `$`, quotes, spaces, newlines, regex syntax — is how ingress-nginx configuration injection
 * (CVE-2022-4886 and its kin) gets into the generated nginx.conf, whatever the path type.
 */
const SAFE_PATH = /^\/[A-Za-z0-9._~\-/%]*$/;
const PERCENT_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
/** Escapes that decode to "/", ".", "\" or control characters: traversal and header tricks. */
const FORBIDDEN_ESCAPE = /%(2[eEfF]|5[cC]|[01][0-9A-Fa-f]|7[fF])/;

/**
 * Why `path` cannot be an Ingress path, or undefined when it is safe: absolute, at most
 * {@link MAX_INGRESS_PATH_LENGTH} characters of unreserved characters, "/" and percent escapes,
 * no empty segment (`//`), no `.` or `..` segment, no escape of "/", ".", "\" or a control character.
 * The same rule for every path type, so ImplementationSpecific is no way around it.
 */
export function ingressPathProblem(path: string): string | undefined {
  const shown = JSON.stringify(path.length > 80 ? `${path.slice(0, 80)}…` : path);
  if (path.length > MAX_INGRESS_PATH_LENGTH) {
    return `${shown} is longer than ${MAX_INGRESS_PATH_LENGTH} characters`;
  }
  if (!path.startsWith('/')) return `${shown} must be an absolute path (start with "/")`;
  if (!SAFE_PATH.test(path)) {
    return `${shown} may only contain letters, digits, "-", ".", "_", "~", "/" and percent escapes`;
  }
  if (PERCENT_ESCAPE.test(path)) return `${shown} has a "%" that is not followed by two hex digits`;
  const escape = FORBIDDEN_ESCAPE.exec(path);
  if (escape) return `${shown} must not contain the escape "${escape[0]}"`;
  if (path.includes('//')) return `${shown} must not contain "//"`;
  const dotted = path.split('/').find((segment) => segment === '.' || segment === '..');
  if (dotted !== undefined) return `${shown} must not contain a "${dotted}" segment`;
  return undefined;
}
