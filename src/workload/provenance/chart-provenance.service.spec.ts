import {
  ProvenanceInput,
  ProvenanceVerdict,
  ProvenanceVerifier,
} from '../../infra/helm/provenance.port';
import { Rejection } from '../jobs/rejection';
import { sliceOf } from '../../../test/support/config';
import { OnboardingConfig } from '../../config/slices/onboarding.config';
import { ChartProvenanceService } from './chart-provenance.service';

class FakeVerifier implements ProvenanceVerifier {
  readonly calls: ProvenanceInput[] = [];
  constructor(private readonly verdict: ProvenanceVerdict) {}
  async verify(input: ProvenanceInput): Promise<ProvenanceVerdict> {
    this.calls.push(input);
    return this.verdict;
  }
}

const SIGNED: ProvenanceVerdict = {
  verified: true,
  signer: 'Ann <ann@x.eu>',
  keyFingerprint: 'ABCDEF0123456789',
};
const chart = (provenance: Buffer | null) => ({
  name: 'shop',
  version: '1.0.0',
  bytes: Buffer.from('package'),
  provenance,
});
const PROV = Buffer.from('-----BEGIN PGP SIGNED MESSAGE-----');

function service(env: Record<string, string>, verdict: ProvenanceVerdict = SIGNED) {
  const config = sliceOf(OnboardingConfig, env);
  const verifier = new FakeVerifier(verdict);
  return { provenance: new ChartProvenanceService(verifier, config), verifier };
}

describe('ChartProvenanceService (CHART_PROVENANCE)', () => {
  it('off: ignores a .prov, verifies nothing', async () => {
    const { provenance, verifier } = service({ CHART_PROVENANCE: 'off' });
    expect(await provenance.check(chart(PROV))).toBeNull();
    expect(verifier.calls).toEqual([]);
  });

  it('verify-if-present: lets an unsigned chart through and verifies a signed one', async () => {
    const { provenance, verifier } = service({ CHART_KEYRING: '/keys/pubring.gpg' });
    expect(await provenance.check(chart(null))).toBeNull();
    expect(await provenance.check(chart(PROV))).toEqual({
      signer: 'Ann <ann@x.eu>',
      keyFingerprint: 'ABCDEF0123456789',
      provenance: PROV,
    });
    expect(verifier.calls).toEqual([
      {
        fileName: 'shop-1.0.0.tgz',
        package: Buffer.from('package'),
        provenance: PROV,
        keyringPath: '/keys/pubring.gpg',
      },
    ]);
  });

  it('required: rejects a chart without provenance, naming the multipart part', async () => {
    const { provenance } = service({ CHART_PROVENANCE: 'required', CHART_KEYRING: '/k' });
    await expect(provenance.check(chart(null))).rejects.toThrow(
      new Rejection(
        'chart provenance is required (CHART_PROVENANCE=required): upload the .prov that ' +
          '`helm package --sign` writes in the multipart part "provenance"',
      ),
    );
  });

  it('required needs a keyring at start-up; verify-if-present without one rejects signed charts', async () => {
    expect(() => sliceOf(OnboardingConfig, { CHART_PROVENANCE: 'required' })).toThrow(
      /CHART_KEYRING .*required with CHART_PROVENANCE=required/,
    );
    const { provenance, verifier } = service({});
    await expect(provenance.check(chart(PROV))).rejects.toThrow(/no keyring of trusted signers/);
    expect(verifier.calls).toEqual([]);
  });

  it.each([
    ['unknown_key', /signed by a key that is not in the NEMO keyring/],
    ['bad_signature', /signature does not verify/],
    ['digest_mismatch', /package is not the one the signer signed/],
    ['file_not_listed', /names no package of this chart name and version/],
    ['unreadable', /could not be verified/],
  ] as const)('rejects a %s with a reason naming the signer problem', async (problem, reason) => {
    const { provenance } = service(
      { CHART_KEYRING: '/k' },
      { verified: false, problem, detail: 'what helm said' },
    );
    const rejection = provenance.check(chart(PROV));
    await expect(rejection).rejects.toBeInstanceOf(Rejection);
    await expect(rejection).rejects.toThrow(reason);
    await expect(rejection).rejects.toThrow(/\(helm verify: what helm said\)$/);
  });
});
