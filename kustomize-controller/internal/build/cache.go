/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package build

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// Cache keeps the results of kustomize builds in memory, keyed by (artifact digest, spec.path, hash of the
// spec fields that change the build), least recently used first out. A reconcile of an unchanged
// Kustomization then skips kustomize entirely. Safe for concurrent use.
type Cache struct {
	mu         sync.Mutex
	maxEntries int
	maxObjects int
	objects    int
	ll         *list.List
	items      map[string]*list.Element
	hits       uint64
	misses     uint64
}

type cacheEntry struct {
	key  string
	objs []*unstructured.Unstructured
}

// NewCache returns a cache holding at most maxEntries builds and at most maxObjects objects in all (0: no
// object bound). A build larger than maxObjects is not cached.
func NewCache(maxEntries, maxObjects int) *Cache {
	if maxEntries < 1 {
		maxEntries = 1
	}
	return &Cache{maxEntries: maxEntries, maxObjects: maxObjects, ll: list.New(), items: map[string]*list.Element{}}
}

// CacheKey returns the cache key of a build; "" when digest is empty (an artifact without digest is never
// cached).
func CacheKey(digest string, spec *kustomizev1.KustomizationSpec, allowRemote bool) string {
	if digest == "" {
		return ""
	}
	relevant := struct {
		Digest, Path, TargetNamespace, NamePrefix, NameSuffix string
		Patches, Images                                       any
		Components                                            []string
		IgnoreMissingComponents, AllowRemote                  bool
	}{digest, spec.Path, spec.TargetNamespace, spec.NamePrefix, spec.NameSuffix, spec.Patches, spec.Images,
		spec.Components, spec.IgnoreMissingComponents, allowRemote}
	b, _ := json.Marshal(relevant)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// cacheKey is the CacheKey of a build, extended with the decryption keys' fingerprint: a build with
// decryption is another entry than one without (generator sources are only decrypted with it), and rotated
// keys build again.
func cacheKey(opts Options, spec *kustomizev1.KustomizationSpec) string {
	key := CacheKey(opts.ArtifactDigest, spec, opts.AllowRemoteBases)
	if key == "" || opts.Decryptor == nil {
		return key
	}
	sum := sha256.Sum256([]byte(key + "\x00" + opts.Decryptor.Fingerprint()))
	return hex.EncodeToString(sum[:])
}

// get returns the cached build of key.
func (c *Cache) get(key string) ([]*unstructured.Unstructured, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.ll.MoveToFront(el)
		c.hits++
		return el.Value.(*cacheEntry).objs, true
	}
	c.misses++
	return nil, false
}

// put stores a build; the stored objects must never be modified afterwards.
func (c *Cache) put(key string, objs []*unstructured.Unstructured) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.objects -= len(el.Value.(*cacheEntry).objs)
		c.ll.Remove(el)
		delete(c.items, key)
	}
	if c.maxObjects > 0 && len(objs) > c.maxObjects {
		return
	}
	c.items[key] = c.ll.PushFront(&cacheEntry{key: key, objs: objs})
	c.objects += len(objs)
	for c.ll.Len() > c.maxEntries || (c.maxObjects > 0 && c.objects > c.maxObjects) {
		old := c.ll.Back()
		e := old.Value.(*cacheEntry)
		c.ll.Remove(old)
		delete(c.items, e.key)
		c.objects -= len(e.objs)
	}
}

// CacheStats are the counters of a Cache.
type CacheStats struct {
	Entries      int
	Objects      int
	Hits, Misses uint64
}

// Stats returns the cache's counters.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Entries: c.ll.Len(), Objects: c.objects, Hits: c.hits, Misses: c.misses}
}
