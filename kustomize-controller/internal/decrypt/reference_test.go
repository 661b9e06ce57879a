/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/getsops/sops/v3/keyservice"
	"google.golang.org/grpc"

	"github.com/tide-gitops/tide/kustomize-controller/internal/decrypt/decrypttest"
)

// The reference: decryption by the sops library itself, which the package must match byte for byte. Only
// the tests link it.

// referenceDecrypt decrypts data (format in) with the sops library and writes it in format out with the
// library's store, recovering the data key with d's keys only; verifyMAC checks the MAC as `sops --decrypt`
// does. A panic of the library is an error.
func referenceDecrypt(d *Decryptor, data []byte, in, out formats.Format, verifyMAC bool) (plain []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			plain, err = nil, fmt.Errorf("sops panicked: %v", r)
		}
	}()
	tree, err := decrypttest.Store(in).LoadEncryptedFile(data)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	key, err := tree.Metadata.GetDataKeyWithKeyServices([]keyservice.KeyServiceClient{refKeyService{d}},
		sops.DefaultDecryptionOrder)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	cipher := aes.NewCipher()
	mac, err := tree.Decrypt(key, cipher)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	if verifyMAC {
		m := tree.Metadata
		if m.MessageAuthenticationCode == "" {
			return nil, errors.New("no MAC")
		}
		stored, err := cipher.Decrypt(m.MessageAuthenticationCode, key, m.LastModified.Format(time.RFC3339))
		if s, ok := stored.(string); err != nil || !ok || s != mac {
			return nil, errors.New("MAC mismatch")
		}
	}
	return decrypttest.Store(out).EmitPlainFile(tree.Branches)
}

// refKeyService decrypts data keys with the Decryptor's age and OpenPGP keys.
type refKeyService struct{ d *Decryptor }

// Decrypt decrypts a data key encrypted for an age recipient or an OpenPGP key.
func (s refKeyService) Decrypt(_ context.Context, req *keyservice.DecryptRequest, _ ...grpc.CallOption) (*keyservice.DecryptResponse, error) {
	var (
		plain []byte
		err   error
	)
	switch {
	case req.GetKey().GetAgeKey() != nil:
		plain, err = s.d.decryptAge(req.GetCiphertext())
	case req.GetKey().GetPgpKey() != nil:
		plain, err = s.d.decryptPGP(req.GetCiphertext())
	default:
		err = errors.New("key type not supported")
	}
	if err != nil {
		return nil, err
	}
	return &keyservice.DecryptResponse{Plaintext: plain}, nil
}

// Encrypt is not used.
func (refKeyService) Encrypt(context.Context, *keyservice.EncryptRequest, ...grpc.CallOption) (*keyservice.EncryptResponse, error) {
	return nil, errors.New("encryption is not supported")
}
