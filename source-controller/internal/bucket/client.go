/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package bucket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"golang.org/x/sync/errgroup"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
)

// SourceIgnoreKey is the object at the root of a bucket that holds ignore patterns. List leaves it out of
// the index; read it with ReadObject.
const SourceIgnoreKey = ".sourceignore"

// maxRetries bounds minio-go's retries of one request; the controller retries whole reconciles itself.
const maxRetries = 3

// Client reads one bucket.
type Client struct {
	opts Options
	host string
	mc   *minio.Client
}

// New returns a client for the bucket described by opts. It does not contact the endpoint.
func New(opts Options) (*Client, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	host, secure, err := opts.hostAndSecure()
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if opts.Proxy != nil {
		tr.Proxy = http.ProxyURL(opts.Proxy)
	}
	if tr.TLSClientConfig, err = opts.tlsConfig(); err != nil {
		return nil, err
	}
	mc, err := minio.New(host, &minio.Options{
		Creds:      credentialsFor(opts),
		Secure:     secure,
		Region:     opts.Region,
		Transport:  tr,
		MaxRetries: maxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("configuring the client for endpoint '%s': %w", opts.Endpoint, err)
	}
	return &Client{opts: opts, host: host, mc: mc}, nil
}

// credentialsFor picks static keys when given, else the environment for aws, else anonymous access.
func credentialsFor(o Options) *credentials.Credentials {
	switch {
	case o.AccessKey != "" || o.SecretKey != "":
		return credentials.NewStaticV4(o.AccessKey, o.SecretKey, "")
	case o.Provider == sourcev1.BucketProviderAmazon:
		return credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{},
			&credentials.IAM{},
		})
	default:
		return credentials.NewStaticV4("", "", "") // anonymous: requests are not signed
	}
}

// List returns the index of the objects under the prefix: every key (the full key, prefix included) with
// its ETag, except directory markers (keys ending in "/"), the root .sourceignore object and the keys for
// which ignore returns true (ignore may be nil). A bucket that does not exist is an error.
func (c *Client) List(ctx context.Context, ignore func(key string) bool) (Index, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	exists, err := c.mc.BucketExists(ctx, c.opts.BucketName)
	if err != nil {
		return nil, c.describe(ctx, err, "checking bucket '%s'", c.opts.BucketName)
	}
	if !exists {
		return nil, newKind(ErrBucketNotFound, nil, "bucket '%s' does not exist at %s", c.opts.BucketName, c.host)
	}
	idx := Index{}
	for obj := range c.mc.ListObjects(ctx, c.opts.BucketName, minio.ListObjectsOptions{
		Prefix:    c.opts.Prefix,
		Recursive: true,
	}) {
		if obj.Err != nil {
			return nil, c.describe(ctx, obj.Err, "listing objects in bucket '%s'", c.opts.BucketName)
		}
		if strings.HasSuffix(obj.Key, "/") || obj.Key == SourceIgnoreKey || (ignore != nil && ignore(obj.Key)) {
			continue
		}
		idx[obj.Key] = obj.ETag
	}
	return idx, nil
}

// ReadObject returns the content of one object of at most limit bytes. found is false, with no error, when
// the object does not exist; use it for the bucket's .sourceignore.
func (c *Client) ReadObject(ctx context.Context, key string, limit int64) (data []byte, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	obj, err := c.mc.GetObject(ctx, c.opts.BucketName, key, minio.GetObjectOptions{})
	if err == nil {
		defer obj.Close()
		var buf bytes.Buffer
		_, err = io.Copy(&buf, io.LimitReader(obj, limit+1))
		data = buf.Bytes()
	}
	if isCode(err, "NoSuchKey") {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, c.describe(ctx, err, "reading object '%s' from bucket '%s'", key, c.opts.BucketName)
	}
	if int64(len(data)) > limit {
		return nil, true, fmt.Errorf("object '%s' in bucket '%s' is larger than %d bytes", key, c.opts.BucketName, limit)
	}
	return data, true, nil
}

// Download fetches every object of idx into dir (which must exist) at dir/LocalPath(key), with at most
// Options.Concurrency downloads at a time. It refuses the whole index before fetching anything when a key
// is unsafe (*UnsafeKeyError), and never writes outside dir, even through symbolic links already in it.
// It returns the index as fetched: objects deleted since List are left out and changed ETags updated, so
// Revision of the result describes the files in dir.
func (c *Client) Download(ctx context.Context, idx Index, dir string) (Index, error) {
	paths := make(map[string]string, len(idx))
	for key := range idx {
		p, err := LocalPath(key)
		if err != nil {
			return nil, err
		}
		paths[key] = p
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("opening download directory: %w", err)
	}
	defer root.Close()

	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.opts.Concurrency)
	var mu sync.Mutex
	fetched := make(Index, len(idx))
	for _, key := range idx.Keys() {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			etag, found, err := c.fetch(gctx, root, key, paths[key])
			if err != nil || !found {
				return err
			}
			mu.Lock()
			fetched[key] = etag
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return fetched, nil
}

// fetch writes one object to path inside root and returns its ETag; found is false when it no longer exists.
func (c *Client) fetch(ctx context.Context, root *os.Root, key, path string) (etag string, found bool, err error) {
	obj, err := c.mc.GetObject(ctx, c.opts.BucketName, key, minio.GetObjectOptions{})
	if err != nil {
		return "", false, c.describe(ctx, err, "fetching object '%s' from bucket '%s'", key, c.opts.BucketName)
	}
	defer obj.Close()
	info, err := obj.Stat()
	if isCode(err, "NoSuchKey") {
		return "", false, nil
	}
	if err != nil {
		return "", false, c.describe(ctx, err, "fetching object '%s' from bucket '%s'", key, c.opts.BucketName)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return "", false, fmt.Errorf("creating directory for object '%s': %w", key, err)
		}
	}
	f, err := root.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", false, fmt.Errorf("creating file for object '%s': %w", key, err)
	}
	_, err = io.Copy(f, obj)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", false, c.describe(ctx, err, "writing object '%s' from bucket '%s'", key, c.opts.BucketName)
	}
	return info.ETag, true, nil
}

// isCode reports whether err is an S3 error response with the given code.
func isCode(err error, code string) bool {
	var resp minio.ErrorResponse
	return errors.As(err, &resp) && resp.Code == code
}
