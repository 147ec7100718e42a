import { UnprocessableError } from '../../common/errors/domain-error';
import { parseManifests } from './manifests';

const HELM_OUTPUT = `---
# Source: web/templates/empty.yaml
---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: shop-web
  annotations:
    created: 2024-01-01
    enabled: yes
spec:
  ports:
    - port: 80
---
# Source: web/templates/tests/test-connection.yaml
apiVersion: v1
kind: Pod
metadata:
  name: shop-web-test
  annotations:
    "helm.sh/hook": test
spec:
  containers: [{name: wget, image: busybox}]
---
# Source: web/templates/job.yaml
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    "helm.sh/hook": pre-install,pre-upgrade
spec: {}
`;

describe('parseManifests', () => {
  it('gives one object per document, drops empty documents and chart tests, keeps other hooks', () => {
    const manifests = parseManifests(HELM_OUTPUT);
    expect(
      manifests.map(
        (manifest) => `${manifest.kind}/${(manifest.metadata as { name: string }).name}`,
      ),
    ).toEqual(['Service/shop-web', 'Job/migrate']);
  });

  it('keeps dates and YAML 1.1 words as strings, numbers as numbers', () => {
    const [service] = parseManifests(HELM_OUTPUT);
    expect(service.metadata).toEqual({
      name: 'shop-web',
      annotations: { created: '2024-01-01', enabled: 'yes' },
    });
    expect(service.spec).toEqual({ ports: [{ port: 80 }] });
  });

  it('returns nothing for an output of only empty documents', () => {
    expect(parseManifests('---\n# Source: x\n---\n')).toEqual([]);
    expect(parseManifests('')).toEqual([]);
  });

  it('refuses a document that is not a Kubernetes object', () => {
    expect(() => parseManifests('apiVersion: v1\nkind: ConfigMap\n---\njust text\n')).toThrow(
      new UnprocessableError(
        'render_invalid',
        'rendered document 2 is not a Kubernetes object (it needs apiVersion and kind)',
      ),
    );
  });

  it('refuses invalid YAML with a 422', () => {
    expect(() => parseManifests('kind: [unclosed\n')).toThrow(UnprocessableError);
  });
});
