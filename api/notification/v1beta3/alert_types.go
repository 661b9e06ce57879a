/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1beta3

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	notificationv1 "github.com/tide-gitops/tide/api/notification/v1"
)

const (
	// AlertKind is the kind name of the Alert API.
	AlertKind string = "Alert"

	// DefaultAlertInterval is returned by GetRequeueAfter. Alerts are static
	// objects in v1beta3 and have no interval of their own.
	DefaultAlertInterval = 10 * time.Minute
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

	// EventSources selects the objects whose events are forwarded, by kind,
	// name, namespace and labels.
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

	// Summary is a short description of the impact and affected cluster,
	// added to every forwarded event.
	// +kubebuilder:validation:MaxLength:=255
	// +optional
	Summary string `json:"summary,omitempty"`

	// Suspend stops events from being forwarded by this Alert.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"

// Alert forwards the events of selected objects to a Provider.
// In v1beta3 an Alert is a static object and has no status.
type Alert struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec AlertSpec `json:"spec,omitempty"`
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

// GetRequeueAfter returns DefaultAlertInterval.
func (in *Alert) GetRequeueAfter() time.Duration {
	return DefaultAlertInterval
}
