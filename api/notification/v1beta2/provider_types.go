/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1beta2

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// ProviderKind is the kind name of the Provider API.
	ProviderKind string = "Provider"
)

// ProviderSpec is the desired state of a v1beta2 Provider.
type ProviderSpec struct {
	// Type is the notification service implementation to use.
	// +kubebuilder:validation:Enum=slack;discord;msteams;rocket;generic;generic-hmac;github;gitlab;gitea;bitbucketserver;bitbucket;azuredevops;googlechat;googlepubsub;webex;sentry;azureeventhub;telegram;lark;matrix;opsgenie;alertmanager;grafana;githubdispatch;pagerduty;datadog
	// +required
	Type string `json:"type"`

	// Interval is the period at which the Provider is reconciled with the
	// Secrets it references.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`

	// Channel is the destination channel, room or topic, depending on the
	// provider type.
	// +kubebuilder:validation:MaxLength:=2048
	// +optional
	Channel string `json:"channel,omitempty"`

	// Username is the name events are posted under.
	// +kubebuilder:validation:MaxLength:=2048
	// +optional
	Username string `json:"username,omitempty"`

	// Address is where notifications are sent; its meaning depends on the
	// type.
	// +kubebuilder:validation:MaxLength:=2048
	// +optional
	Address string `json:"address,omitempty"`

	// Timeout bounds the sending of one notification. Defaults to 15s.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Proxy is the HTTP/S address of a proxy server.
	// +kubebuilder:validation:Pattern="^(http|https)://.*$"
	// +kubebuilder:validation:MaxLength:=2048
	// +optional
	Proxy string `json:"proxy,omitempty"`

	// SecretRef names a Secret holding the credentials for the provider.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// CertSecretRef names a Secret holding a PEM-encoded CA certificate in
	// the 'ca.crt' key (the legacy 'caFile' key is also read).
	// +optional
	CertSecretRef *meta.LocalObjectReference `json:"certSecretRef,omitempty"`

	// Suspend stops notifications from being sent through this Provider.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// ProviderStatus is the observed state of a v1beta2 Provider.
type ProviderStatus struct {
	meta.ReconcileRequestStatus `json:",inline"`

	// Conditions holds the conditions of the Provider.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedGeneration is the generation last handled by the controller.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="notification.toolkit.fluxcd.io/v1beta2 Provider is deprecated, upgrade to v1beta3"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"

// Provider describes a notification service and how to send events to it.
// This version is deprecated in favour of v1beta3.
type Provider struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ProviderSpec `json:"spec,omitempty"`
	// +kubebuilder:default:={"observedGeneration":-1}
	Status ProviderStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ProviderList is a list of Providers.
type ProviderList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Provider `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Provider{}, &ProviderList{})
}

// GetConditions returns the status conditions of the Provider.
func (in *Provider) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions of the Provider.
func (in *Provider) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetTimeout returns spec.timeout, or 15 seconds when unset.
func (in *Provider) GetTimeout() time.Duration {
	if in.Spec.Timeout != nil {
		return in.Spec.Timeout.Duration
	}
	return 15 * time.Second
}

// GetInterval returns spec.interval, or 10 minutes when unset.
func (in *Provider) GetInterval() time.Duration {
	if in.Spec.Interval != nil {
		return in.Spec.Interval.Duration
	}
	return 10 * time.Minute
}

// GetRequeueAfter returns the period after which the Provider is reconciled
// again.
func (in *Provider) GetRequeueAfter() time.Duration {
	return in.GetInterval()
}
