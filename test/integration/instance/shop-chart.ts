import { dump } from 'js-yaml';
import { tgz } from '../../support/charts';

/**
 * "shop": a Deployment (init container + app), a ConfigMap, one Service per entry of
 * `.Values.services` with the annotations given in values (to walk the ingress contract case by
 * case), a template that renders to nothing, and a `fail` switch for template errors.
 */
export const SHOP_TEMPLATES: Record<string, string> = {
  'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  namespace: {{ .Release.Namespace }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
    spec:
      initContainers:
        - name: init
          image: {{ .Values.images.init | quote }}
      containers:
        - name: app
          image: {{ .Values.images.app | quote }}
`,
  'templates/configmap.yaml': `{{- if .Values.failWith }}{{ fail .Values.failWith }}{{ end -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  message: {{ .Values.message | quote }}
  csv: {{ .Values.csv | quote }}
`,
  'templates/empty.yaml': `{{- if .Values.never }}
apiVersion: v1
kind: ConfigMap
metadata: {name: never}
{{- end }}
`,
  'templates/services.yaml': `{{- range $name, $svc := .Values.services }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $.Release.Name }}-{{ $name }}
  namespace: {{ $.Release.Namespace }}
  {{- with $svc.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  selector: {app: {{ $.Release.Name }}}
  ports:
    {{- range $svc.ports }}
    - name: {{ .name }}
      port: {{ .port }}
    {{- end }}
{{- end }}
`,
};

export const SHOP_VALUES = {
  replicaCount: 1,
  message: 'hello',
  csv: '',
  images: { app: 'registry.invalid/shop/app:1.0', init: 'registry.invalid/shop/init:1.0' },
  services: {
    web: { ports: [{ name: 'http', port: 80 }], annotations: { 'nemo.eu/ingress-expose': 'true' } },
  },
};

export interface ShopChartOptions {
  name?: string;
  version?: string;
  values?: Record<string, unknown>;
  files?: Record<string, string>;
}

export function shopChart(options: ShopChartOptions = {}): Buffer {
  const name = options.name ?? 'shop';
  const files: Record<string, string> = {
    'Chart.yaml': dump({
      apiVersion: 'v2',
      name,
      version: options.version ?? '0.1.0',
      type: 'application',
    }),
    'values.yaml': dump({ ...SHOP_VALUES, ...options.values }),
    ...SHOP_TEMPLATES,
    ...options.files,
  };
  return tgz(
    Object.keys(files)
      .sort()
      .map((path) => ({ path: `${name}/${path}`, content: files[path] })),
  );
}
