/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package e2e

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// TestBrokenObjectsRejected: objects the schema can tell are wrong are refused by the real API server with the
// schema's message, so users see the mistake at `kubectl apply` time rather than as a controller error later.
func TestBrokenObjectsRejected(t *testing.T) {
	const (
		src  = "apiVersion: source.toolkit.fluxcd.io/v1\n"
		srcB = "apiVersion: source.toolkit.fluxcd.io/v1beta2\n"
		ks   = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
		ksB  = "apiVersion: kustomize.toolkit.fluxcd.io/v1beta2\nkind: Kustomization\n"
		hr   = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
		hrB  = "apiVersion: helm.toolkit.fluxcd.io/v2beta2\nkind: HelmRelease\n"
		img  = "apiVersion: image.toolkit.fluxcd.io/v1\n"
		imgB = "apiVersion: image.toolkit.fluxcd.io/v1beta2\n"
		ntf  = "apiVersion: notification.toolkit.fluxcd.io/v1\n"
		ntf3 = "apiVersion: notification.toolkit.fluxcd.io/v1beta3\n"
		// Valid bodies that cases change one thing of.
		ksSpec    = "interval: 10m, prune: true, sourceRef: {kind: GitRepository, name: app}"
		hrRef     = "interval: 10m, chartRef: {kind: OCIRepository, name: podinfo}"
		hrChart   = "chart: {spec: {chart: podinfo, sourceRef: {kind: HelmRepository, name: podinfo}}}"
		recvSpec  = "type: github, secretRef: {name: token}, resources: [{kind: GitRepository, name: app}]"
		alertSpec = "providerRef: {name: slack}, eventSources: [{kind: Kustomization, name: '*'}]"
	)
	cases := []struct {
		name, yaml, want string
	}{
		// Valid bases: the cases below change one thing of these.
		{"ks valid base", ks + "spec: {" + ksSpec + "}", ""},
		{"hr valid base", hr + "spec: {" + hrRef + "}", ""},
		{"hr v2beta2 valid base", hrB + "spec: {interval: 10m, " + hrChart + "}", ""},
		{"alert valid base", ntf3 + "kind: Alert\nspec: {" + alertSpec + "}", ""},
		// Sources.
		{"git bad interval", src + "kind: GitRepository\nspec: {url: https://example.com/repo, interval: 5 minutes}",
			`spec.interval in body should match`},
		{"git missing url", src + "kind: GitRepository\nspec: {interval: 5m}", `spec.url: Required value`},
		{"git scp-style url", src + "kind: GitRepository\nspec: {url: 'git@example.com:org/repo.git', interval: 5m}",
			`spec.url in body should match '^(http|https|ssh)://.*$'`},
		{"git unknown provider", src + "kind: GitRepository\nspec: {url: https://example.com/repo, interval: 5m, provider: gitlab}",
			`spec.provider: Unsupported value: "gitlab"`},
		{"git unknown verify mode", src + "kind: GitRepository\nspec: {url: https://example.com/repo, interval: 5m, verify: {mode: Commit, secretRef: {name: k}}}",
			`spec.verify.mode: Unsupported value: "Commit"`},
		{"git v1 has no gitImplementation", src + "kind: GitRepository\nspec: {url: https://example.com/repo, interval: 5m, gitImplementation: go-git}",
			`.spec.gitImplementation: field not declared in schema`},
		{"git v1beta2 unknown gitImplementation", srcB + "kind: GitRepository\nspec: {url: https://example.com/repo, interval: 5m, gitImplementation: jgit}",
			`spec.gitImplementation: Unsupported value: "jgit"`},
		{"oci url without oci://", src + "kind: OCIRepository\nspec: {url: 'https://ghcr.io/org/app', interval: 5m}",
			`spec.url in body should match '^oci://.*$'`},
		{"oci unknown layer operation", src + "kind: OCIRepository\nspec: {url: 'oci://ghcr.io/org/app', interval: 5m, layerSelector: {mediaType: x, operation: unpack}}",
			`spec.layerSelector.operation: Unsupported value: "unpack"`},
		{"bucket unknown provider", src + "kind: Bucket\nspec: {provider: minio, bucketName: b, endpoint: e, interval: 5m}",
			`spec.provider: Unsupported value: "minio"`},
		{"bucket missing bucketName", src + "kind: Bucket\nspec: {endpoint: e, interval: 5m}", `spec.bucketName: Required value`},
		{"bucket secretRef and serviceAccountName conflict", src + "kind: Bucket\nspec: {provider: aws, bucketName: b, endpoint: e, interval: 5m, serviceAccountName: sa, secretRef: {name: s}}",
			`cannot set both .spec.secretRef and .spec.serviceAccountName`},
		{"helmrepo unknown type", src + "kind: HelmRepository\nspec: {url: 'https://charts.example.com', type: git}",
			`spec.type: Unsupported value: "git"`},
		{"helmchart unknown source kind", src + "kind: HelmChart\nspec: {chart: podinfo, interval: 5m, sourceRef: {kind: OCIRepository, name: x}}",
			`spec.sourceRef.kind: Unsupported value: "OCIRepository"`},
		// Kustomization.
		{"ks missing interval", ks + "spec: {prune: true, sourceRef: {kind: GitRepository, name: app}}", `spec.interval: Required value`},
		{"ks missing prune", ks + "spec: {interval: 10m, sourceRef: {kind: GitRepository, name: app}}", `spec.prune: Required value`},
		{"ks unknown source kind", ks + "spec: {interval: 10m, prune: true, sourceRef: {kind: HelmRepository, name: app}}",
			`spec.sourceRef.kind: Unsupported value: "HelmRepository"`},
		{"ks unknown deletionPolicy", ks + "spec: {" + ksSpec + ", deletionPolicy: Keep}", `spec.deletionPolicy: Unsupported value: "Keep"`},
		{"ks kubeConfig with both refs", ks + "spec: {" + ksSpec + ", kubeConfig: {secretRef: {name: kc}, configMapRef: {name: cm}}}",
			`exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified`},
		{"ks targetNamespace too long", ks + "spec: {" + ksSpec + ", targetNamespace: " + strings.Repeat("n", 64) + "}",
			`spec.targetNamespace: Too long`},
		{"ks v1 has no validation", ks + "spec: {" + ksSpec + ", validation: client}", `.spec.validation: field not declared in schema`},
		{"ks v1beta2 unknown validation", ksB + "spec: {" + ksSpec + ", validation: strict}", `spec.validation: Unsupported value: "strict"`},
		// HelmRelease.
		{"hr chart and chartRef conflict", hr + "spec: {" + hrRef + ", " + hrChart + "}", `either chart or chartRef must be set`},
		{"hr neither chart nor chartRef", hr + "spec: {interval: 10m}", `either chart or chartRef must be set`},
		{"hr v2beta2 chart and chartRef conflict", hrB + "spec: {" + hrRef + ", " + hrChart + "}", `either chart or chartRef must be set`},
		{"hr bad interval", hr + "spec: {interval: 1d, chartRef: {kind: OCIRepository, name: podinfo}}", `spec.interval in body should match`},
		{"hr releaseName too long", hr + "spec: {" + hrRef + ", releaseName: " + strings.Repeat("r", 54) + "}", `spec.releaseName: Too long`},
		{"hr unknown remediation strategy", hr + "spec: {" + hrRef + ", upgrade: {remediation: {strategy: retry}}}",
			`spec.upgrade.remediation.strategy: Unsupported value: "retry"`},
		{"hr unknown install field", hr + "spec: {" + hrRef + ", install: {atomic: true}}", `.spec.install.atomic: field not declared in schema`},
		// Image automation.
		{"imagerepo missing image", img + "kind: ImageRepository\nspec: {interval: 5m}", `spec.image: Required value`},
		{"imagerepo unknown provider", img + "kind: ImageRepository\nspec: {image: ghcr.io/org/app, interval: 5m, provider: docker}",
			`spec.provider: Unsupported value: "docker"`},
		{"imagepolicy unknown order", img + "kind: ImagePolicy\nspec: {imageRepositoryRef: {name: app}, policy: {alphabetical: {order: ascending}}}",
			`spec.policy.alphabetical.order: Unsupported value: "ascending"`},
		{"imagepolicy v1beta2 missing repository", imgB + "kind: ImagePolicy\nspec: {policy: {numerical: {order: asc}}}",
			`spec.imageRepositoryRef: Required value`},
		{"iua checkout without a ref", img + "kind: ImageUpdateAutomation\nspec: {interval: 5m, sourceRef: {name: app}, git: {checkout: {}, commit: {author: {email: a@b.c}}}}",
			`spec.git.checkout.ref: Required value`},
		{"iua force-push refspec", img + "kind: ImageUpdateAutomation\nspec: {interval: 5m, sourceRef: {name: app}, git: {commit: {author: {email: a@b.c}}, push: {refspec: '+refs/heads/main:refs/heads/auto'}}}",
			`spec.git.push.refspec in body should match`},
		{"iua unknown strategy", imgB + "kind: ImageUpdateAutomation\nspec: {interval: 5m, sourceRef: {name: app}, update: {strategy: Regex}}",
			`spec.update.strategy: Unsupported value: "Regex"`},
		// Notification.
		{"receiver unknown type", ntf + "kind: Receiver\nspec: {type: jenkins, secretRef: {name: token}, resources: [{kind: GitRepository, name: app}]}",
			`spec.type: Unsupported value: "jenkins"`},
		{"receiver missing secretRef", ntf + "kind: Receiver\nspec: {type: github, resources: [{kind: GitRepository, name: app}]}",
			`spec.secretRef: Required value`},
		{"receiver valid base", ntf + "kind: Receiver\nspec: {" + recvSpec + ", events: [push]}\n",
			""}, // valid: guards the base used below
		{"receiver resource of a foreign kind", ntf + "kind: Receiver\nspec: {type: github, secretRef: {name: token}, resources: [{kind: Deployment, name: app}]}",
			`spec.resources[0].kind: Unsupported value: "Deployment"`},
		{"provider unknown type", ntf3 + "kind: Provider\nspec: {type: email}", `spec.type: Unsupported value: "email"`},
		{"provider proxy not http", ntf3 + "kind: Provider\nspec: {type: slack, proxy: 'socks5://proxy:1080'}", `spec.proxy in body should match`},
		{"alert unknown severity", ntf3 + "kind: Alert\nspec: {" + alertSpec + ", eventSeverity: warning}",
			`spec.eventSeverity: Unsupported value: "warning"`},
		{"alert missing providerRef", ntf3 + "kind: Alert\nspec: {eventSources: [{kind: Kustomization, name: '*'}]}",
			`spec.providerRef: Required value`},
	}
	ctx := testContext(t, 2*time.Minute)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := &unstructured.Unstructured{}
			if err := yaml.Unmarshal([]byte(tc.yaml), &obj.Object); err != nil {
				t.Fatalf("test case YAML: %v", err)
			}
			obj.SetName("broken")
			obj.SetNamespace("flux-system")
			err := dryRunApply(ctx, obj)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("valid object rejected: %v", err)
			case tc.want == "":
			case err == nil:
				t.Fatalf("accepted, want rejection with %q", tc.want)
			case !strings.Contains(err.Error(), tc.want):
				t.Fatalf("rejected with\n  %v\nwant a message containing\n  %s", err, tc.want)
			}
		})
	}
}
