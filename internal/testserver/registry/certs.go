/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package registry

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tide-gitops/tide/internal/testserver/pki"
)

// File names of the generated PKI inside Registry.Dir.
const (
	caCertFile     = "ca.crt"
	serverCertFile = "server.crt"
	serverKeyFile  = "server.key"
)

// writePKI stores the CA and server files the registry config refers to.
func writePKI(p *pki.PKI, dir string) error {
	files := map[string][]byte{caCertFile: p.CACert, serverCertFile: p.ServerCert, serverKeyFile: p.ServerKey}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return nil
}
