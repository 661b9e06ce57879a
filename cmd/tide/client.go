/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tide-gitops/tide/api/all"
)

// defaultNamespace is where tide runs and where users' Flux YAML puts its sources and Kustomizations.
const defaultNamespace = "flux-system"

// kubeOptions are the flags every command talking to a cluster shares, bound once on the root command.
type kubeOptions struct {
	// kubeconfig is the kubeconfig file; empty means KUBECONFIG or ~/.kube/config.
	kubeconfig string
	// context is the kubeconfig context; empty means the current one.
	context string
	// namespace is the namespace of the objects a command acts on.
	namespace string
	// timeout bounds how long a command waits for the cluster.
	timeout time.Duration
}

// global holds the root command's persistent flags.
var global = &kubeOptions{}

func (o *kubeOptions) bindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config).")
	fs.StringVar(&o.context, "context", "", "The kubeconfig context to use.")
	fs.StringVarP(&o.namespace, "namespace", "n", defaultNamespace, "The namespace of the objects.")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "How long to wait for the cluster before giving up.")
}

// restConfig loads the client configuration the way kubectl does.
func (o *kubeOptions) restConfig() (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if o.kubeconfig != "" {
		rules.ExplicitPath = o.kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: o.context}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w (set --kubeconfig or KUBECONFIG, or run `tide dev` for a local cluster)", err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	return cfg, nil
}

// newClient returns a client for the cluster that knows every tide kind and the built-in ones.
func (o *kubeOptions) newClient() (client.WithWatch, error) {
	cfg, err := o.restConfig()
	if err != nil {
		return nil, err
	}
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: newScheme()})
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", cfg.Host, err)
	}
	return c, nil
}

// newScheme registers the built-in kinds, CRDs and every tide kind.
func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(apiextensionsv1.AddToScheme(s))
	utilruntime.Must(all.AddToScheme(s))
	return s
}
