/**
 * Checks a chart package against its provenance file (`.prov` of `helm package --sign`) and a
 * keyring of trusted public keys: the real `helm verify`, no crypto of our own.
 */
export const PROVENANCE_VERIFIER = Symbol('PROVENANCE_VERIFIER');

export interface ProvenanceInput {
  /** The package's file name, `<name>-<version>.tgz`: the .prov lists its sha256 under this name. */
  fileName: string;
  package: Buffer;
  provenance: Buffer;
  /** A binary keyring file (`gpg --export`). */
  keyringPath: string;
}

/** Who signed: the key's user id(s) and the primary key's fingerprint (hex, upper case). */
export interface ProvenanceSignature {
  signer: string;
  keyFingerprint: string;
}

/** Why a provenance file does not vouch for the package, in the words a signer can act on. */
export type ProvenanceProblem =
  'unknown_key' | 'bad_signature' | 'digest_mismatch' | 'file_not_listed' | 'unreadable';

export type ProvenanceVerdict =
  | ({ verified: true } & ProvenanceSignature)
  | { verified: false; problem: ProvenanceProblem; detail: string };

export interface ProvenanceVerifier {
  /** Rejects only when helm could not run (missing binary, time or output cap). */
  verify(input: ProvenanceInput): Promise<ProvenanceVerdict>;
}
