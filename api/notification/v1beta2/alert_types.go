/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1beta2

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	notificationv1 "github.com/tide-gitops/tide/api/notification/v1"
)

const (
	// AlertKind is the kind name of the Alert API.
	AlertKind string = "Alert"
)

// AlertSpec selects the events to forward and the Provider to send them to.
type AlertSpec struct {
	// ProviderRef names the Provider, in the Alert's namespace, that events
	// are sent to.
	// +required
	ProviderRef meta.LocalObjectReference `json:"providerRef"`

	// EventSeverity is the lowest severity forwarded: 'info' forwards all
	// events, 'error' only errors.
	// +kubebuilder:validation:Enum=info;error
	// +kubebuilder:default:=info
	// +optional
	EventSeverity string `json:"eventSeverity,omitempty"`

	// EventSources selects the objects whose events are forwarded.
	// +required
	EventSources []notificationv1.CrossNamespaceObjectReference `json:"eventSources"`

	// InclusionList holds Go regular expressions; when set, only events
	// whose message matches one of them are forwarded.
	// +optional
	InclusionList []string `json:"inclusionList,omitempty"`

	// EventMetadata is added to the metadata of every forwarded event. Keys
	// already present in the event keep their original value.
	// +optional
	EventMetadata map[string]string `json:"eventMetadata,omitempty"`

	// ExclusionList holds Go regular expressions; events whose message
	// matches one of them are dropped.
	// +optional
	ExclusionList []string `json:"exclusionList,omitempty"`

	// Summary is a short description of the impact and affected cluster.
	// +kubebuilder:validation:MaxLength:=255
	// +optional
	Summary string `json:"summary,omitempty"`

	// Suspend stops events from being forwarded by this Alert.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// AlertStatus is the observed state of a v1beta2 Alert.
type AlertStatus struct {
	meta.ReconcileRequestStatus `json:",inline"`

	// Conditions holds the conditions of the Alert.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedGeneration is the generation last handled by the controller.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="notification.toolkit.fluxcd.io/v1beta2 Alert is deprecated, upgrade to v1beta3"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"

// Alert forwards the events of selected objects to a Provider.
// This version is deprecated in favour of v1beta3.
type Alert struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec AlertSpec `json:"spec,omitempty"`
	// +kubebuilder:default:={"observedGeneration":-1}
	Status AlertStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// AlertList is a list of Alerts.
type AlertList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Alert `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Alert{}, &AlertList{})
}

// GetConditions returns the status conditions of the Alert.
func (in *Alert) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions of the Alert.
func (in *Alert) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns a fixed period of 10 minutes; Alerts have no
// interval of their own.
func (in *Alert) GetRequeueAfter() time.Duration {
	return 10 * time.Minute
}
