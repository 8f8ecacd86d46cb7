{{/* Names and labels shared by every template. */}}

{{- define "rds-broker.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "rds-broker.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "rds-broker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rds-broker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "rds-broker.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "rds-broker.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: service-broker
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "rds-broker.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "rds-broker.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "rds-broker.secretName" -}}
{{- default (include "rds-broker.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{- define "rds-broker.leaseName" -}}
{{- $housekeeping := .Values.config.housekeeping | default dict -}}
{{- $lease := $housekeeping.lease | default dict -}}
{{- $lease.name | default "rds-broker-housekeeping" -}}
{{- end -}}

{{/* Whether the broker talks to the Kubernetes API: only to elect the housekeeping leader. */}}
{{- define "rds-broker.usesLease" -}}
{{- $housekeeping := .Values.config.housekeeping | default dict -}}
{{- if has ($housekeeping.mode | default "auto") (list "auto" "leader") }}true{{ else }}false{{ end -}}
{{- end -}}

{{/* Environment variable that carries derivation secret <id>. */}}
{{- define "rds-broker.derivationSecretEnv" -}}
{{- printf "RDS_BROKER_DERIVATION_SECRET_%s" (upper .) -}}
{{- end -}}

{{- define "rds-broker.scheme" -}}
{{- if .Values.tls.enabled }}HTTPS{{ else }}HTTP{{ end -}}
{{- end -}}

{{- define "rds-broker.caBundleConfigMap" -}}
{{- if .Values.databaseCaBundle.existingConfigMap -}}
{{- .Values.databaseCaBundle.existingConfigMap -}}
{{- else if .Values.databaseCaBundle.pem -}}
{{- printf "%s-ca-bundle" (include "rds-broker.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/*
The broker configuration: the `config` values plus what the chart owns: the listen address, the
secrets as {env: NAME} references (values come from the Secret), and the mounted file paths.
*/}}
{{- define "rds-broker.config" -}}
{{- $config := deepCopy .Values.config -}}
{{- $listen := $config.listen | default dict -}}
{{- $_ := set $listen "host" "0.0.0.0" -}}
{{- if .Values.tls.enabled -}}
{{- $_ := set $listen "tls" (dict "certFile" "/etc/rds-broker/tls/tls.crt" "keyFile" "/etc/rds-broker/tls/tls.key") -}}
{{- end -}}
{{- $_ := set $config "listen" $listen -}}
{{- $_ := set $config "auth" (dict "credentials" (list (dict "username" .Values.auth.username "password" (dict "env" "BROKER_PASSWORD")))) -}}
{{- $secrets := list -}}
{{- range .Values.derivationSecrets -}}
{{- $secrets = append $secrets (dict "id" .id "value" (dict "env" (include "rds-broker.derivationSecretEnv" .id))) -}}
{{- end -}}
{{- $broker := $config.broker | default dict -}}
{{- $_ := set $broker "derivationSecrets" $secrets -}}
{{- $_ := set $config "broker" $broker -}}
{{- if include "rds-broker.caBundleConfigMap" . -}}
{{- $database := $config.database | default dict -}}
{{- $dbTls := $database.tls | default dict -}}
{{- $_ := set $dbTls "caBundleFile" (printf "/etc/rds-broker/ca/%s" .Values.databaseCaBundle.key) -}}
{{- $_ := set $database "tls" $dbTls -}}
{{- $_ := set $config "database" $database -}}
{{- end -}}
{{- $aws := $config.aws | default dict -}}
{{- $budget := $aws.budget | default dict -}}
{{- $replicas := max 1 (int .Values.replicaCount) -}}
{{- $share := divf (float64 .Values.rdsBudget.share) $replicas -}}
{{- if not (hasKey $budget "burst") -}}
{{- $_ := set $budget "burst" (max 1 (int (floor (mulf (float64 .Values.rdsBudget.accountBurst) $share)))) -}}
{{- end -}}
{{- if not (hasKey $budget "ratePerSecond") -}}
{{- $_ := set $budget "ratePerSecond" (round (mulf (float64 .Values.rdsBudget.accountRatePerSecond) $share) 2) -}}
{{- end -}}
{{- $_ := set $aws "budget" $budget -}}
{{- $_ := set $config "aws" $aws -}}
{{- toYaml $config -}}
{{- end -}}

{{/* The PromQL label matchers that pick this release's series (alerts and dashboard). */}}
{{- define "rds-broker.metricsSelector" -}}
{{- .Values.metrics.selector | default (printf "namespace=%q,job=%q" .Release.Namespace (include "rds-broker.fullname" .)) -}}
{{- end -}}
