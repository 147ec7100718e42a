import { Gate } from '../../common/concurrency/gate';
import {
  CompanionKind,
  FoundCompanion,
  MirrorPlan,
  MirrorSteps,
  PlannedImage,
} from './mirror-plan';

const IMAGE = 'registry.example/app:1';
const EARLIER = 'sha256:earlier';
const CHANGED = 'sha256:changed';

/** Steps that record what was asked when, and answer a digest check only when the test says so. */
function recordingSteps(companionsOf: (digest: string) => Promise<FoundCompanion[]>) {
  const asked: string[] = [];
  let answerCheck: (digest: string | null) => void = () => undefined;
  const checked = new Promise<string | null>((resolve) => (answerCheck = resolve));
  const item: PlannedImage = {
    image: IMAGE,
    source: { registry: 'registry.example', repository: 'app', tag: '1' },
    target: { registry: 'nemo.example', repository: 'mirror/app', tag: '1' },
  };
  const steps: MirrorSteps = {
    parse: (images) => images.map(() => item),
    admit: async () => undefined,
    check: () => {
      asked.push('check');
      return checked;
    },
    copy: async () => {
      asked.push('copy');
      return CHANGED;
    },
    companions: (_, digest) => {
      asked.push(`companions ${digest}`);
      return companionsOf(digest);
    },
    copyCompanions: async (_, digest, kinds: CompanionKind[]) => {
      asked.push(`copy companions ${digest} ${kinds.join(',')}`);
    },
    mirrored: (planned, digest, copied, companions) => ({
      source: planned.image,
      mirrored: `nemo.example/mirror/app@${digest}`,
      digest,
      copied,
      companions,
    }),
  };
  return { steps, asked, answerCheck };
}

describe('MirrorPlan.checkAhead with the digest an image was mirrored with before', () => {
  it('looks up that digest’s companions beside the check and uses them when the digest is unchanged', async () => {
    const { steps, asked, answerCheck } = recordingSteps(async () => [
      { kind: 'sig', mirrored: true },
    ]);
    const plan = new MirrorPlan(steps, 4);
    plan.checkAhead([{ image: IMAGE, earlierDigest: EARLIER }]);
    await new Promise((resolve) => setImmediate(resolve));
    // Both went out before the check answered: one round of registry requests, not two.
    expect(asked).toEqual([`companions ${EARLIER}`, 'check']);
    answerCheck(EARLIER);
    const [mirrored] = await plan.mirror([IMAGE], { copyAfter: Gate.open() });
    await plan.close();
    expect(mirrored).toMatchObject({ digest: EARLIER, copied: false, companions: ['sig'] });
    expect(asked).toEqual([`companions ${EARLIER}`, 'check']);
  });

  it('looks the companions up again for a digest that changed, and ignores the earlier lookup', async () => {
    const { steps, asked, answerCheck } = recordingSteps(async (digest) => {
      if (digest === EARLIER) throw new Error('the earlier digest is gone from the source');
      return [{ kind: 'att', mirrored: false }];
    });
    const plan = new MirrorPlan(steps, 4);
    plan.checkAhead([{ image: IMAGE, earlierDigest: EARLIER }]);
    answerCheck(CHANGED);
    const [mirrored] = await plan.mirror([IMAGE], { copyAfter: Gate.open() });
    await plan.close();
    expect(mirrored).toMatchObject({ digest: CHANGED, copied: false, companions: ['att'] });
    expect(asked).toEqual([
      `companions ${EARLIER}`,
      'check',
      `companions ${CHANGED}`,
      `copy companions ${CHANGED} att`,
    ]);
  });

  it('looks nothing up ahead for an image without an earlier digest until its check answers', async () => {
    const { steps, asked, answerCheck } = recordingSteps(async () => []);
    const plan = new MirrorPlan(steps, 4);
    plan.checkAhead([{ image: IMAGE }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toEqual(['check']);
    answerCheck(EARLIER);
    await plan.mirror([IMAGE], { copyAfter: Gate.open() });
    await plan.close();
    expect(asked).toEqual(['check', `companions ${EARLIER}`]);
  });
});
