/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// KubeConfigOptions say which kubeconfig features the Secrets of spec.kubeConfig.secretRef may use. Both are off
// by default, as in Flux: a kubeconfig using them is refused, never silently changed.
type KubeConfigOptions struct {
	// InsecureExec lets a kubeconfig run an exec credential plugin, a command in the controller's container
	// (--insecure-kubeconfig-exec).
	InsecureExec bool
	// InsecureTLS lets a kubeconfig set insecure-skip-tls-verify (--insecure-kubeconfig-tls).
	InsecureTLS bool
}

// remoteRequestTimeout bounds each request to a remote cluster, so an unreachable one fails the reconcile
// instead of holding it (Flux uses the same value).
const remoteRequestTimeout = 30 * time.Second

// defaultKubeConfigKeys are the keys read, in order, when spec.kubeConfig.secretRef.key is empty, as in Flux.
var defaultKubeConfigKeys = []string{"value", "value.yaml"}

// remoteClients keeps one client per Kustomization with spec.kubeConfig, with the digest of the kubeconfig
// and impersonated user it was built from. A client carries its REST mapper, whose discovery of the remote API
// is what makes a new client costly; the kubeconfig Secret is still read on every reconcile, and a client
// is reused only when the bytes read are the same, so a rotated Secret replaces the client at once and a
// deleted one drops it.
type remoteClients struct {
	mu      sync.Mutex
	clients map[types.NamespacedName]remoteClient
}

type remoteClient struct {
	digest [sha256.Size]byte
	client client.Client
}

func (c *remoteClients) get(owner types.NamespacedName, digest [sha256.Size]byte) client.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.clients[owner]; ok && e.digest == digest {
		return e.client
	}
	return nil
}

func (c *remoteClients) put(owner types.NamespacedName, digest [sha256.Size]byte, cl client.Client) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.clients == nil {
		c.clients = map[types.NamespacedName]remoteClient{}
	}
	c.clients[owner] = remoteClient{digest: digest, client: cl}
}

// forget drops the client of owner (its Secret is gone, its spec no longer has a kubeConfig, or it was deleted).
func (c *remoteClients) forget(owner types.NamespacedName) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.clients, owner)
}

// remoteClient returns a client for the cluster of spec.kubeConfig acting as user (the kubeconfig's own
// identity when empty). The Secret is read on every call, bypassing any cache. A missing Secret is retried;
// a Secret whose kubeconfig cannot work as it is (malformed, or using a refused feature) stalls the
// Kustomization until the Secret or the spec changes, re-checked every interval.
func (r *KustomizationReconciler) remoteClient(ctx context.Context, obj *kustomizev1.Kustomization, user string) (client.Client, error) {
	owner := types.NamespacedName{Namespace: obj.Namespace, Name: obj.Name}
	data, secret, err := r.kubeConfigData(ctx, obj)
	if err != nil {
		r.remote.forget(owner)
		return nil, err
	}
	digest := sha256.Sum256(append(append(bytes.Clone(data), 0), user...))
	if c := r.remote.get(owner, digest); c != nil {
		return c, nil
	}
	cfg, err := parseKubeConfig(data, r.KubeConfigOpts)
	if err != nil {
		r.remote.forget(owner)
		return nil, kubeConfigStalled(obj, fmt.Errorf("kubeconfig Secret '%s': %w", secret, err))
	}
	if r.Config != nil {
		cfg.QPS, cfg.Burst, cfg.UserAgent = r.Config.QPS, r.Config.Burst, r.Config.UserAgent
	}
	if user != "" {
		cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	}
	c, err := client.New(cfg, client.Options{Scheme: r.Scheme})
	if err != nil {
		return nil, failed(meta.ReconciliationFailedReason, fmt.Errorf(
			"creating a client for the remote cluster %s of kubeconfig Secret '%s': %w", cfg.Host, secret, err))
	}
	// The client discovers the remote API lazily; doing it now (the apply would anyway) tells an unreachable
	// cluster or refused credentials apart from a failed apply.
	if _, err := c.RESTMapper().RESTMapping(schema.GroupKind{Kind: "Namespace"}); err != nil {
		return nil, failed(meta.ReconciliationFailedReason, fmt.Errorf(
			"cannot use the remote cluster %s of kubeconfig Secret '%s': %w", cfg.Host, secret, err))
	}
	r.remote.put(owner, digest, c)
	return c, nil
}

// kubeConfigData reads the kubeconfig of spec.kubeConfig.secretRef from the Kustomization's namespace: the
// key it names, else "value", else "value.yaml".
func (r *KustomizationReconciler) kubeConfigData(ctx context.Context, obj *kustomizev1.Kustomization) ([]byte, types.NamespacedName, error) {
	kc := obj.Spec.KubeConfig
	if kc.SecretRef == nil || kc.SecretRef.Name == "" {
		what := "neither spec.kubeConfig.secretRef nor spec.kubeConfig.configMapRef is set"
		if kc.ConfigMapRef != nil {
			what = fmt.Sprintf("spec.kubeConfig.configMapRef ('%s', cloud provider workload identity) is not supported", kc.ConfigMapRef.Name)
		}
		return nil, types.NamespacedName{}, stalledError(meta.ReconciliationFailedReason, fmt.Errorf(
			"%s: put the remote cluster's kubeconfig in a Secret and reference it with spec.kubeConfig.secretRef; nothing was applied", what))
	}
	key := types.NamespacedName{Namespace: obj.Namespace, Name: kc.SecretRef.Name}
	secret := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, key, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, key, failed(meta.ReconciliationFailedReason, fmt.Errorf(
				"kubeconfig Secret '%s' (spec.kubeConfig.secretRef) not found: create it with the remote cluster's kubeconfig under the key '%s'; retrying",
				key, firstKubeConfigKey(kc.SecretRef.Key)))
		}
		return nil, key, failed(meta.ReconciliationFailedReason, fmt.Errorf("reading kubeconfig Secret '%s': %w", key, err))
	}
	if k := kc.SecretRef.Key; k != "" {
		if data, ok := secret.Data[k]; ok {
			return data, key, nil
		}
		return nil, key, kubeConfigStalled(obj, fmt.Errorf(
			"kubeconfig Secret '%s' has no key '%s' (spec.kubeConfig.secretRef.key): add the kubeconfig under that key or change the key", key, k))
	}
	for _, k := range defaultKubeConfigKeys {
		if data, ok := secret.Data[k]; ok {
			return data, key, nil
		}
	}
	return nil, key, kubeConfigStalled(obj, fmt.Errorf(
		"kubeconfig Secret '%s' has neither a 'value' nor a 'value.yaml' key: add the kubeconfig under 'value', or name its key in spec.kubeConfig.secretRef.key", key))
}

func firstKubeConfigKey(key string) string {
	if key != "" {
		return key
	}
	return defaultKubeConfigKeys[0]
}

// kubeConfigStalled stalls obj on a kubeconfig that cannot work as it is; the Secret is read again every interval
// (it is not watched), so fixing it takes effect without a spec change.
func kubeConfigStalled(obj *kustomizev1.Kustomization, err error) *stepError {
	return &stepError{reason: meta.ReconciliationFailedReason, stalled: true, requeueAfter: obj.Spec.Interval.Duration,
		err: fmt.Errorf("%w; nothing was applied", err)}
}

// parseKubeConfig builds the rest.Config of the kubeconfig's current context. It refuses what would let the
// Secret's author act inside the controller: exec credential plugins (they run a command) unless
// opts.InsecureExec, auth-provider plugins, and references to files (they would read the controller's own
// files, such as its service account token); and insecure-skip-tls-verify unless opts.InsecureTLS. Only the
// fields it knows are copied into the result, so nothing else of the kubeconfig takes effect.
func parseKubeConfig(data []byte, opts KubeConfigOptions) (*rest.Config, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the kubeconfig is empty")
	}
	raw, err := clientcmd.Load(data)
	if err != nil {
		return nil, fmt.Errorf("not a valid kubeconfig: %w", err)
	}
	if err := checkCurrentContext(raw, opts); err != nil {
		return nil, err
	}
	cfg, err := clientcmd.NewNonInteractiveClientConfig(*raw, raw.CurrentContext, &clientcmd.ConfigOverrides{}, nil).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("not a usable kubeconfig: %w", err)
	}
	out := &rest.Config{
		Host:    cfg.Host,
		APIPath: cfg.APIPath,
		TLSClientConfig: rest.TLSClientConfig{
			ServerName: cfg.ServerName,
			CAData:     cfg.CAData,
			CertData:   cfg.CertData,
			KeyData:    cfg.KeyData,
		},
		Username:           cfg.Username,
		Password:           cfg.Password,
		BearerToken:        cfg.BearerToken,
		Impersonate:        cfg.Impersonate,
		Proxy:              cfg.Proxy,
		DisableCompression: cfg.DisableCompression,
		Timeout:            remoteRequestTimeout,
	}
	if opts.InsecureTLS {
		out.Insecure = cfg.Insecure
	}
	if opts.InsecureExec {
		out.ExecProvider = cfg.ExecProvider
	}
	return out, nil
}

// checkCurrentContext checks the cluster and user of the current context, the only ones a client uses.
func checkCurrentContext(raw *clientcmdapi.Config, opts KubeConfigOptions) error {
	name := raw.CurrentContext
	if name == "" {
		return errors.New("the kubeconfig has no current-context: set it to the context of the remote cluster")
	}
	kctx := raw.Contexts[name]
	if kctx == nil {
		return fmt.Errorf("current-context '%s' is not among the kubeconfig's contexts", name)
	}
	cluster := raw.Clusters[kctx.Cluster]
	if cluster == nil {
		return fmt.Errorf("cluster '%s' of context '%s' is not among the kubeconfig's clusters", kctx.Cluster, name)
	}
	if err := checkCluster(kctx.Cluster, cluster, opts); err != nil {
		return err
	}
	if kctx.AuthInfo == "" {
		return nil
	}
	user := raw.AuthInfos[kctx.AuthInfo]
	if user == nil {
		return fmt.Errorf("user '%s' of context '%s' is not among the kubeconfig's users", kctx.AuthInfo, name)
	}
	return checkUser(kctx.AuthInfo, user, opts)
}

func checkCluster(name string, c *clientcmdapi.Cluster, opts KubeConfigOptions) error {
	switch {
	case c.Server == "":
		return fmt.Errorf("cluster '%s' has no server address", name)
	case c.CertificateAuthority != "":
		return fmt.Errorf("cluster '%s' reads certificate-authority from a file, which is refused: embed the CA as certificate-authority-data", name)
	case c.InsecureSkipTLSVerify && !opts.InsecureTLS:
		return fmt.Errorf("cluster '%s' sets insecure-skip-tls-verify, which is refused: set certificate-authority-data to the API server's CA, or start the controller with --insecure-kubeconfig-tls", name)
	}
	return nil
}

func checkUser(name string, u *clientcmdapi.AuthInfo, opts KubeConfigOptions) error {
	const embed = "embed the credentials (token, client-certificate-data, client-key-data)"
	switch {
	case u.Exec != nil && !opts.InsecureExec:
		return fmt.Errorf("user '%s' uses an exec credential plugin (command '%s'), which is refused: the controller does not run commands from kubeconfigs; use a token or a client certificate (for example a ServiceAccount token of the remote cluster), or start the controller with --insecure-kubeconfig-exec", name, u.Exec.Command)
	case u.AuthProvider != nil:
		return fmt.Errorf("user '%s' uses the auth-provider plugin '%s', which is not supported: use a token or a client certificate", name, u.AuthProvider.Name)
	case u.TokenFile != "":
		return fmt.Errorf("user '%s' reads its token from a file (tokenFile), which is refused: %s", name, embed)
	case u.ClientCertificate != "" || u.ClientKey != "":
		return fmt.Errorf("user '%s' reads its client certificate or key from a file, which is refused: %s", name, embed)
	}
	return nil
}

// pruneBlockedMessage explains why a deleted Kustomization's objects cannot be pruned (its kubeconfig Secret is
// gone, say) and what to do: the finalizer stays, and the prune is retried.
func pruneBlockedMessage(obj *kustomizev1.Kustomization, err error) string {
	where := "the cluster"
	if obj.Spec.KubeConfig != nil {
		where = "the remote cluster"
	}
	return fmt.Sprintf("cannot prune the %d objects of the deleted Kustomization in %s: %v; the finalizer stays and "+
		"the prune is retried: fix this, or set spec.deletionPolicy to Orphan to leave the objects in place",
		len(obj.Status.Inventory.Entries), where, err)
}
