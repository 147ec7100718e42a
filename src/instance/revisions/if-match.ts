/** The ETag of an instance: its current revision, as a strong entity tag. */
export function revisionEtag(revision: number): string {
  return `"${revision}"`;
}

/**
 * Whether an `If-Match` header (RFC 9110 §13.1.1) lets a change of an instance at `revision` go
 * ahead: absent or `*` always; otherwise one of its listed entity tags must equal the ETag by
 * strong comparison (so a weak `W/"3"` never matches).
 */
export function ifMatchAllows(header: string | undefined, revision: number): boolean {
  if (header === undefined) return true;
  const tags = header.split(',').map((tag) => tag.trim());
  if (tags.includes('*')) return true;
  return tags.includes(revisionEtag(revision));
}
