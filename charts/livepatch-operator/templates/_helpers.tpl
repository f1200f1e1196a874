{{/* Chart name, possibly overridden. */}}
{{- define "livepatch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every object name: the release name, plus the chart name unless already in it. */}}
{{- define "livepatch.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Namespace of the namespaced objects. */}}
{{- define "livepatch.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride -}}
{{- end -}}

{{- define "livepatch.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "livepatch.labels" -}}
helm.sh/chart: {{ include "livepatch.chart" . }}
app.kubernetes.io/name: {{ include "livepatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: livepatch-operator
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: call with (dict "root" $ "component" "operator"). */}}
{{- define "livepatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "livepatch.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels of one component's objects: call with (dict "root" $ "component" "operator"). */}}
{{- define "livepatch.componentLabels" -}}
{{ include "livepatch.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "livepatch.operator.fullname" -}}
{{- printf "%s-operator" (include "livepatch.fullname" .) -}}
{{- end -}}

{{- define "livepatch.nodeDaemon.fullname" -}}
{{- printf "%s-node-daemon" (include "livepatch.fullname" .) -}}
{{- end -}}

{{- define "livepatch.operator.serviceAccountName" -}}
{{- default (include "livepatch.operator.fullname" .) .Values.operator.serviceAccount.name -}}
{{- end -}}

{{- define "livepatch.nodeDaemon.serviceAccountName" -}}
{{- default (include "livepatch.nodeDaemon.fullname" .) .Values.nodeDaemon.serviceAccount.name -}}
{{- end -}}

{{/* The user name the API server gives the daemon's service account tokens. */}}
{{- define "livepatch.nodeDaemon.username" -}}
{{- printf "system:serviceaccount:%s:%s" (include "livepatch.namespace" .) (include "livepatch.nodeDaemon.serviceAccountName" .) -}}
{{- end -}}

{{- define "livepatch.nodeDaemon.priorityClassName" -}}
{{- default (include "livepatch.nodeDaemon.fullname" .) .Values.nodeDaemon.priorityClassName -}}
{{- end -}}

{{/* repository@digest when a digest is set, else repository:tag (tag defaults to appVersion).
     Call with (dict "image" .Values.operator.image "root" $). */}}
{{- define "livepatch.image" -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Namespaces where the daemon may read ConfigMap module sources (a list, as YAML). */}}
{{- define "livepatch.nodeDaemon.configMapNamespaces" -}}
{{- if .Values.nodeDaemon.configMapSourceNamespaces -}}
{{- toYaml (uniq .Values.nodeDaemon.configMapSourceNamespaces) -}}
{{- else -}}
{{- toYaml (list (include "livepatch.namespace" .)) -}}
{{- end -}}
{{- end -}}
