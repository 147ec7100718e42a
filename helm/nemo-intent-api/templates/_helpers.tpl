{{/*
Chart name, truncated to the 63 characters Kubernetes allows in names.
*/}}
{{- define "nemo-intent-api.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: release name + chart name (once if the release name contains it).
*/}}
{{- define "nemo-intent-api.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "nemo-intent-api.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "nemo-intent-api.labels" -}}
helm.sh/chart: {{ include "nemo-intent-api.chart" . }}
{{ include "nemo-intent-api.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: nemo
{{- end }}

{{/*
Selector labels shared by all components; each workload adds app.kubernetes.io/component.
*/}}
{{- define "nemo-intent-api.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nemo-intent-api.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "nemo-intent-api.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "nemo-intent-api.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "nemo-intent-api.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "nemo-intent-api.configMapName" -}}
{{- printf "%s-config" (include "nemo-intent-api.fullname" .) }}
{{- end }}

{{/*
The Secret holding DATABASE_URL and the other credentials: the user's, or the chart's.
*/}}
{{- define "nemo-intent-api.secretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- printf "%s-secrets" (include "nemo-intent-api.fullname" .) }}
{{- end }}
{{- end }}

{{/*
Pod template for one role. Call with (dict "root" $ "role" "api" "spec" .Values.api).
*/}}
{{- define "nemo-intent-api.podTemplate" -}}
{{- $root := .root }}
{{- $spec := .spec -}}
metadata:
  labels:
    {{- include "nemo-intent-api.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
    {{- with $root.Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    # Roll the pods when their configuration changes.
    checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
    {{- if not $root.Values.existingSecret }}
    checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
    {{- end }}
    {{- with $root.Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "nemo-intent-api.serviceAccountName" $root }}
  automountServiceAccountToken: {{ $root.Values.serviceAccount.automountServiceAccountToken }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  terminationGracePeriodSeconds: {{ $spec.terminationGracePeriodSeconds }}
  containers:
    - name: {{ .role }}
      image: {{ include "nemo-intent-api.image" $root | quote }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args:
        {{- toYaml $spec.args | nindent 8 }}
      {{- if eq .role "api" }}
      ports:
        - name: http
          containerPort: {{ $root.Values.config.PORT | default 8000 | int }}
          protocol: TCP
      {{- with $spec.livenessProbe }}
      livenessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $spec.readinessProbe }}
      readinessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- end }}
      envFrom:
        - configMapRef:
            name: {{ include "nemo-intent-api.configMapName" $root }}
        - secretRef:
            name: {{ include "nemo-intent-api.secretName" $root }}
      {{- with $root.Values.extraEnv }}
      env:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.securityContext | nindent 8 }}
      resources:
        {{- toYaml $spec.resources | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir:
        {{- with $root.Values.tmpVolume.sizeLimit }}
        sizeLimit: {{ . }}
        {{- end }}
  {{- with $spec.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $spec.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $spec.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{/*
HorizontalPodAutoscaler for one role. Call with (dict "root" $ "role" "api" "hpa" .Values.autoscaling.api).
*/}}
{{- define "nemo-intent-api.hpa" -}}
{{- $hpa := .hpa }}
{{- if not (or $hpa.targetCPUUtilizationPercentage $hpa.targetMemoryUtilizationPercentage) }}
{{- fail (printf "autoscaling.%s needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage" .role) }}
{{- end -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "nemo-intent-api.fullname" .root }}-{{ .role }}
  labels:
    {{- include "nemo-intent-api.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "nemo-intent-api.fullname" .root }}-{{ .role }}
  minReplicas: {{ $hpa.minReplicas }}
  maxReplicas: {{ $hpa.maxReplicas }}
  metrics:
    {{- with $hpa.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
    {{- with $hpa.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
{{- end }}
