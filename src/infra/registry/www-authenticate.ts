export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Reads one `WWW-Authenticate` challenge: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const pattern = /([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (let pair = pattern.exec(match[2]); pair; pair = pattern.exec(match[2])) {
    params[pair[1].toLowerCase()] =
      pair[2] !== undefined ? pair[2].replace(/\\(.)/g, '$1') : pair[3];
  }
  return { scheme: match[1].toLowerCase(), params };
}
