/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1

import (
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// ReceiverKind is the kind name of the Receiver API.
	ReceiverKind string = "Receiver"

	// ReceiverWebhookPath is the path prefix of every Receiver webhook.
	ReceiverWebhookPath string = "/hook/"

	// DefaultReceiverInterval is the reconcile interval of a Receiver whose
	// spec.interval is unset.
	DefaultReceiverInterval = 10 * time.Minute
)

// Receiver types: the webhook sender, which decides how a request is
// authenticated and its payload decoded.
const (
	GenericReceiver     string = "generic"
	GenericHMACReceiver string = "generic-hmac"
	GitHubReceiver      string = "github"
	GitLabReceiver      string = "gitlab"
	BitbucketReceiver   string = "bitbucket"
	HarborReceiver      string = "harbor"
	DockerHubReceiver   string = "dockerhub"
	QuayReceiver        string = "quay"
	GCRReceiver         string = "gcr"
	NexusReceiver       string = "nexus"
	ACRReceiver         string = "acr"
	CDEventsReceiver    string = "cdevents"
)

// ReceiverSpec is the desired state of a Receiver.
type ReceiverSpec struct {
	// Type is the kind of webhook sender; it selects how requests are
	// authenticated and how payloads are decoded.
	// +kubebuilder:validation:Enum=generic;generic-hmac;github;gitlab;bitbucket;harbor;dockerhub;quay;gcr;nexus;acr;cdevents
	// +required
	Type string `json:"type"`

	// Interval is the period at which the Receiver is reconciled with the
	// Secret it references.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:default:="10m"
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`

	// Events restricts the event types that trigger a reconciliation, for
	// example 'push' for GitHub or 'Push Hook' for GitLab. All events are
	// accepted when empty.
	// +optional
	Events []string `json:"events,omitempty"`

	// Resources lists the objects to reconcile when a valid request
	// arrives.
	// +required
	Resources []CrossNamespaceObjectReference `json:"resources"`

	// ResourceFilter is a CEL expression, evaluated for each object selected
	// by Resources, that must return a boolean; objects for which it returns
	// false are not reconciled. An expression that does not compile, or does
	// not return a boolean, fails the Receiver.
	// +optional
	ResourceFilter string `json:"resourceFilter,omitempty"`

	// SecretRef names the Secret whose 'token' key authenticates requests
	// and is part of the webhook path.
	// +required
	SecretRef meta.LocalObjectReference `json:"secretRef"`

	// Suspend stops the Receiver from handling requests.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// ReceiverStatus is the observed state of a Receiver.
type ReceiverStatus struct {
	meta.ReconcileRequestStatus `json:",inline"`

	// Conditions holds the conditions of the Receiver.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// WebhookPath is the generated webhook path, of the form
	// '/hook/sha256sum(token+name+namespace)'.
	// +optional
	WebhookPath string `json:"webhookPath,omitempty"`

	// ObservedGeneration is the generation last handled by the controller.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"

// Receiver exposes an incoming webhook that triggers the reconciliation of a
// set of Flux objects.
type Receiver struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ReceiverSpec `json:"spec,omitempty"`
	// +kubebuilder:default:={"observedGeneration":-1}
	Status ReceiverStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ReceiverList is a list of Receivers.
type ReceiverList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Receiver `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Receiver{}, &ReceiverList{})
}

// GetConditions returns the status conditions of the Receiver.
func (in *Receiver) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions of the Receiver.
func (in *Receiver) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetInterval returns spec.interval, or DefaultReceiverInterval when unset.
func (in *Receiver) GetInterval() time.Duration {
	if in.Spec.Interval != nil {
		return in.Spec.Interval.Duration
	}
	return DefaultReceiverInterval
}

// GetRequeueAfter returns the period after which the Receiver is reconciled
// again.
func (in *Receiver) GetRequeueAfter() time.Duration {
	return in.GetInterval()
}

// GetWebhookPath returns the webhook path for the given token: the
// ReceiverWebhookPath prefix followed by the hex SHA-256 of token, name and
// namespace concatenated.
func (in *Receiver) GetWebhookPath(token string) string {
	sum := sha256.Sum256([]byte(token + in.GetName() + in.GetNamespace()))
	return fmt.Sprintf("%s%x", ReceiverWebhookPath, sum)
}
