/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package artifact

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
)

// FetchOptions bounds what Fetch downloads and extracts. Zero values mean the defaults.
type FetchOptions struct {
	ExtractOptions
	// MaxDownloadBytes caps the size of the downloaded (compressed) artifact; zero means the
	// extraction's MaxBytes.
	MaxDownloadBytes int64
}

// Fetch downloads the artifact at url with client (http.DefaultClient when nil), verifies its
// digest against wantDigest while streaming, and extracts it into dir.
//
// The artifact is extracted into a temporary directory next to dir, which replaces dir only when
// the download completed, the digest matched and the extraction succeeded; otherwise it is
// removed and dir is left as it was. A digest mismatch returns an error wrapping
// *DigestMismatchError.
func Fetch(ctx context.Context, client *http.Client, url, wantDigest, dir string, opts FetchOptions) error {
	opts.ExtractOptions = opts.withDefaults()
	if opts.MaxDownloadBytes <= 0 {
		opts.MaxDownloadBytes = opts.MaxBytes
	}
	if client == nil {
		client = http.DefaultClient
	}
	if wantDigest == "" {
		return fmt.Errorf("fetching artifact %s: no digest to verify it against", url)
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, dirMode); err != nil {
		return fmt.Errorf("creating directory %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".fetch-*")
	if err != nil {
		return fmt.Errorf("creating temporary directory for artifact %s: %w", url, err)
	}
	if err := download(ctx, client, url, wantDigest, tmp, opts); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := replaceDir(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("moving artifact %s into %s: %w", url, dir, err)
	}
	return nil
}

// download streams the artifact at url through a digest verifier into Extract.
func download(ctx context.Context, client *http.Client, url, want, dir string, opts FetchOptions) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("fetching artifact %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("fetching artifact %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching artifact %s: server answered %s", url, resp.Status)
	}
	if resp.ContentLength > opts.MaxDownloadBytes {
		return fmt.Errorf("fetching artifact %s: %w: %d bytes is over the limit of %d",
			url, ErrTooLarge, resp.ContentLength, opts.MaxDownloadBytes)
	}
	limited := &limitedReader{r: resp.Body, left: opts.MaxDownloadBytes}
	vr, err := NewVerifyingReader(limited, want)
	if err != nil {
		return fmt.Errorf("fetching artifact %s: %w", url, err)
	}
	extractErr := Extract(vr, dir, opts.ExtractOptions)
	// Read what the tar reader left (padding, gzip trailer) so the digest covers all of it.
	_, drainErr := io.Copy(io.Discard, vr)
	if limited.exceeded {
		return fmt.Errorf("fetching artifact %s: %w: more than %d bytes",
			url, ErrTooLarge, opts.MaxDownloadBytes)
	}
	if drainErr == nil {
		if err := vr.Verify(); err != nil {
			return fmt.Errorf("fetching artifact %s: %w", url, err)
		}
	}
	if extractErr != nil {
		return fmt.Errorf("fetching artifact %s: %w", url, extractErr)
	}
	if drainErr != nil {
		return fmt.Errorf("fetching artifact %s: reading response: %w", url, drainErr)
	}
	return nil
}

// limitedReader reads at most left bytes and records whether the source had more.
type limitedReader struct {
	r        io.Reader
	left     int64
	exceeded bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			l.exceeded = true
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// replaceDir moves src to dst, replacing any existing dst. The old dst is renamed aside first
// and restored when the second rename fails.
func replaceDir(src, dst string) error {
	old := ""
	if _, err := os.Lstat(dst); err == nil {
		aside, err := os.MkdirTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".old-*")
		if err != nil {
			return err
		}
		old = filepath.Join(aside, "d")
		if err := os.Rename(dst, old); err != nil {
			os.Remove(aside)
			return err
		}
		defer os.RemoveAll(aside)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(src, dst); err != nil {
		if old != "" {
			_ = os.Rename(old, dst)
		}
		return err
	}
	return nil
}
