import { Inject, Injectable } from '@nestjs/common';
import { OnboardingConfig } from '../../config/slices/onboarding.config';
import {
  PROVENANCE_VERIFIER,
  ProvenanceProblem,
  ProvenanceSignature,
  ProvenanceVerifier,
} from '../../infra/helm/provenance.port';
import { Rejection } from '../jobs/rejection';

export interface SignedPackage {
  name: string;
  version: string;
  bytes: Buffer;
  /** The `.prov` uploaded beside the package, if any. */
  provenance: Buffer | null;
}

/** A chart whose provenance was checked: who signed it, and the .prov to publish beside it. */
export interface VerifiedProvenance extends ProvenanceSignature {
  provenance: Buffer;
}

/** Longest signer text kept: a key's user ids, as helm verify lists them. */
export const SIGNER_MAX_LENGTH = 1024;

const WHY: Record<ProvenanceProblem, string> = {
  unknown_key:
    'it is signed by a key that is not in the NEMO keyring (CHART_KEYRING): sign with a trusted ' +
    'key, or ask the operator to add the signer’s public key',
  bad_signature:
    'its signature does not verify: the .prov was altered after signing, or was not signed by ' +
    'the key it names',
  digest_mismatch:
    'the package is not the one the signer signed: its sha256 differs from the one in the .prov ' +
    '(the package or the .prov was changed after signing)',
  file_not_listed:
    'the .prov names no package of this chart name and version: upload the .prov made with this package',
  unreadable: 'it could not be verified',
};

/**
 * The chart provenance policy (CHART_PROVENANCE): `off` ignores .prov files, `verify-if-present`
 * checks those that come, `required` also rejects a package without one. A check is `helm verify`
 * against CHART_KEYRING; any failure rejects the upload with a reason naming the signer problem.
 */
@Injectable()
export class ChartProvenanceService {
  constructor(
    @Inject(PROVENANCE_VERIFIER) private readonly verifier: ProvenanceVerifier,
    private readonly config: OnboardingConfig,
  ) {}

  /** The signature to record and publish, null for an unsigned chart the policy lets through. */
  async check(chart: SignedPackage): Promise<VerifiedProvenance | null> {
    const policy = this.config.CHART_PROVENANCE;
    if (policy === 'off') return null;
    if (!chart.provenance) {
      if (policy !== 'required') return null;
      throw new Rejection(
        'chart provenance is required (CHART_PROVENANCE=required): upload the .prov that ' +
          '`helm package --sign` writes in the multipart part "provenance"',
      );
    }
    const keyring = this.config.CHART_KEYRING;
    if (!keyring) {
      throw new Rejection(
        'chart provenance rejected: this NEMO has no keyring of trusted signers (CHART_KEYRING), ' +
          'so it cannot check the .prov; upload without it or ask the operator to configure one',
      );
    }
    const verdict = await this.verifier.verify({
      fileName: `${chart.name}-${chart.version}.tgz`,
      package: chart.bytes,
      provenance: chart.provenance,
      keyringPath: keyring,
    });
    if (!verdict.verified) {
      throw new Rejection(
        `chart provenance rejected: ${WHY[verdict.problem]} (helm verify: ${verdict.detail})`,
      );
    }
    return {
      signer: verdict.signer.slice(0, SIGNER_MAX_LENGTH),
      keyFingerprint: verdict.keyFingerprint,
      provenance: chart.provenance,
    };
  }
}
