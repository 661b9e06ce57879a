/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package gitserver

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// SSHKeySigner returns a Signer that signs with an SSH private key file (unencrypted) through
// `ssh-keygen -Y sign -n git`, producing the "-----BEGIN SSH SIGNATURE-----" blocks `git commit -S` writes
// with gpg.format=ssh.
func SSHKeySigner(privateKeyFile string) Signer {
	return func(payload []byte) (string, error) {
		dir, err := os.MkdirTemp("", "gitserver-sign-")
		if err != nil {
			return "", err
		}
		defer func() { _ = os.RemoveAll(dir) }()
		msg := filepath.Join(dir, "payload")
		if err := os.WriteFile(msg, payload, 0o600); err != nil {
			return "", err
		}
		var stderr bytes.Buffer
		cmd := exec.Command("ssh-keygen", "-q", "-Y", "sign", "-n", "git", "-f", privateKeyFile, msg)
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("ssh-keygen -Y sign: %w: %s", err, stderr.String())
		}
		sig, err := os.ReadFile(msg + ".sig")
		return string(sig), err
	}
}
