/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1beta3

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// ProviderKind is the kind name of the Provider API.
	ProviderKind string = "Provider"

	// DefaultProviderTimeout is the timeout for sending a notification when
	// spec.timeout is unset.
	DefaultProviderTimeout = 15 * time.Second

	// DefaultProviderInterval is returned by GetRequeueAfter when
	// spec.interval is unset. Providers are static objects in v1beta3; the
	// interval is kept only for compatibility.
	DefaultProviderInterval = 10 * time.Minute
)

// Provider types: the notification service events are sent to.
const (
	GenericProvider                  string = "generic"
	GenericHMACProvider              string = "generic-hmac"
	SlackProvider                    string = "slack"
	GrafanaProvider                  string = "grafana"
	DiscordProvider                  string = "discord"
	MSTeamsProvider                  string = "msteams"
	RocketProvider                   string = "rocket"
	GitHubDispatchProvider           string = "githubdispatch"
	GitHubProvider                   string = "github"
	GitHubPullRequestCommentProvider string = "githubpullrequestcomment"
	GitLabProvider                   string = "gitlab"
	GiteaProvider                    string = "gitea"
	BitbucketServerProvider          string = "bitbucketserver"
	BitbucketProvider                string = "bitbucket"
	AzureDevOpsProvider              string = "azuredevops"
	GoogleChatProvider               string = "googlechat"
	GooglePubSubProvider             string = "googlepubsub"
	WebexProvider                    string = "webex"
	SentryProvider                   string = "sentry"
	AzureEventHubProvider            string = "azureeventhub"
	TelegramProvider                 string = "telegram"
	LarkProvider                     string = "lark"
	MatrixProvider                   string = "matrix"
	OpsgenieProvider                 string = "opsgenie"
	AlertManagerProvider             string = "alertmanager"
	PagerDutyProvider                string = "pagerduty"
	DataDogProvider                  string = "datadog"
	NATSProvider                     string = "nats"
	ZulipProvider                    string = "zulip"
	OTELProvider                     string = "otel"
)

// ProviderSpec is the desired state of a Provider.
// +kubebuilder:validation:XValidation:rule="self.type == 'github' || self.type == 'gitlab' || self.type == 'gitea' || self.type == 'bitbucketserver' || self.type == 'bitbucket' || self.type == 'azuredevops' || !has(self.commitStatusExpr)",message="spec.commitStatusExpr is only supported for the 'github', 'gitlab', 'gitea', 'bitbucketserver', 'bitbucket', 'azuredevops' provider types"
type ProviderSpec struct {
	// Type is the notification service implementation to use.
	// +kubebuilder:validation:Enum=slack;discord;msteams;rocket;generic;generic-hmac;github;gitlab;gitea;bitbucketserver;bitbucket;azuredevops;googlechat;googlepubsub;webex;sentry;azureeventhub;telegram;lark;matrix;opsgenie;alertmanager;grafana;githubdispatch;githubpullrequestcomment;pagerduty;datadog;nats;zulip;otel
	// +required
	Type string `json:"type"`

	// Interval is accepted for compatibility and not used.
	// Deprecated: not used in v1beta3.
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

	// Address is where notifications are sent. Its meaning depends on the
	// type: an HTTP/S URL for webhooks, a repository URL for Git commit
	// status providers, a project ID or namespace for others.
	// +kubebuilder:validation:MaxLength:=2048
	// +optional
	Address string `json:"address,omitempty"`

	// Timeout bounds the sending of one notification. Defaults to 15s.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Proxy is the HTTP/S address of a proxy server.
	// Deprecated: use ProxySecretRef.
	// +kubebuilder:validation:Pattern="^(http|https)://.*$"
	// +kubebuilder:validation:MaxLength:=2048
	// +optional
	Proxy string `json:"proxy,omitempty"`

	// ProxySecretRef names a Secret holding the proxy configuration: an
	// 'address' key and optional 'username' and 'password' keys.
	// +optional
	ProxySecretRef *meta.LocalObjectReference `json:"proxySecretRef,omitempty"`

	// SecretRef names a Secret holding the credentials (token, address,
	// headers, ...) for the provider.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// ServiceAccountName is the service account whose identity is exchanged
	// for cloud credentials (azureeventhub, azuredevops, googlepubsub). It
	// cannot be combined with static credentials in SecretRef.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// CertSecretRef names a Secret with TLS material: 'ca.crt' to verify the
	// server, and 'tls.crt' with 'tls.key' for client authentication. The
	// legacy 'caFile', 'certFile' and 'keyFile' keys are also read.
	// +optional
	CertSecretRef *meta.LocalObjectReference `json:"certSecretRef,omitempty"`

	// Suspend stops notifications from being sent through this Provider.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// CommitStatusExpr is a CEL expression returning the commit status
	// identifier for Git commit status providers (github, gitlab, gitea,
	// bitbucketserver, bitbucket, azuredevops). It can use the variables
	// event, provider and alert.
	// +optional
	CommitStatusExpr string `json:"commitStatusExpr,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"

// Provider describes a notification service and how to send events to it.
// In v1beta3 a Provider is a static object and has no status.
type Provider struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ProviderSpec `json:"spec,omitempty"`
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

// GetTimeout returns spec.timeout, or DefaultProviderTimeout when unset.
func (in *Provider) GetTimeout() time.Duration {
	if in.Spec.Timeout != nil {
		return in.Spec.Timeout.Duration
	}
	return DefaultProviderTimeout
}

// GetRequeueAfter returns spec.interval, or DefaultProviderInterval when
// unset.
func (in *Provider) GetRequeueAfter() time.Duration {
	if in.Spec.Interval != nil {
		return in.Spec.Interval.Duration
	}
	return DefaultProviderInterval
}
