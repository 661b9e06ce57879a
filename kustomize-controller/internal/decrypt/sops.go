/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/ProtonMail/go-crypto/openpgp"
	pgparmor "github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/pgp"
	"github.com/getsops/sops/v3/stores/dotenv"
	"github.com/getsops/sops/v3/stores/ini"
	"github.com/getsops/sops/v3/stores/json"
	"github.com/getsops/sops/v3/stores/yaml"
	"google.golang.org/grpc"
)

// formatNames name the SOPS formats in messages.
var formatNames = map[formats.Format]string{
	formats.Binary: "binary",
	formats.Dotenv: "dotenv",
	formats.Ini:    "INI",
	formats.Json:   "JSON",
	formats.Yaml:   "YAML",
}

// markers are the bytes that only a SOPS-encrypted document of each format contains (its encrypted MAC), as
// Flux detects them. A binary file is encrypted into a JSON envelope.
var markers = map[formats.Format][]byte{
	formats.Binary: []byte(`"mac": "ENC[`),
	formats.Dotenv: []byte("sops_mac=ENC["),
	formats.Ini:    []byte("[sops]"),
	formats.Json:   []byte(`"mac": "ENC[`),
	formats.Yaml:   []byte("mac: ENC["),
}

// isEncrypted reports whether data looks like a SOPS document of format f.
func isEncrypted(data []byte, f formats.Format) bool {
	return bytes.Contains(data, markers[f])
}

// store returns the SOPS store of a format.
func store(f formats.Format) sops.Store {
	switch f {
	case formats.Dotenv:
		return dotenv.NewStore(&config.DotenvStoreConfig{})
	case formats.Ini:
		return ini.NewStore(&config.INIStoreConfig{})
	case formats.Json:
		return json.NewStore(&config.JSONStoreConfig{})
	case formats.Yaml:
		return yaml.NewStore(&config.YAMLStoreConfig{})
	default:
		return json.NewBinaryStore(&config.JSONBinaryStoreConfig{})
	}
}

// decrypt returns the plaintext of the SOPS document data, read in format in and written in format out.
// verifyMAC checks the document's MAC, which only holds for a document as sops wrote it (a file, or a Secret
// data entry holding a file); kustomize rewrites the objects it builds (key order, namespace, labels), so
// their MAC is not checked, as in Flux, but every encrypted value is still authenticated by AES-GCM with its
// path. Errors never quote a value or a MAC.
func (d *Decryptor) decrypt(data []byte, in, out formats.Format, verifyMAC bool) (plain []byte, err error) {
	defer func() {
		// Malformed input can make sops panic (Flux saw it too); the panic value may hold a value.
		if r := recover(); r != nil {
			plain, err = nil, fmt.Errorf("malformed SOPS %s document", formatNames[in])
		}
	}()
	tree, err := store(in).LoadEncryptedFile(data)
	if err != nil {
		return nil, fmt.Errorf("not a valid SOPS %s document: %s", formatNames[in], loadError(err))
	}
	key, err := tree.Metadata.GetDataKeyWithKeyServices([]keyservice.KeyServiceClient{keyService{d}},
		sops.DefaultDecryptionOrder)
	if err != nil {
		return nil, d.noKeyError(&tree.Metadata)
	}
	cipher := aes.NewCipher()
	mac, err := tree.Decrypt(key, cipher)
	if err != nil {
		return nil, valueError(err)
	}
	if verifyMAC {
		if err := checkMAC(&tree.Metadata, cipher, key, mac); err != nil {
			return nil, err
		}
	}
	plain, err = store(out).EmitPlainFile(tree.Branches)
	if err != nil {
		return nil, fmt.Errorf("the decrypted %s document cannot be written as %s", formatNames[in], formatNames[out])
	}
	return plain, nil
}

// loadError is the message of a document that does not load. It is the store's message (about the encrypted
// document, whose plain parts are plain by the author's choice), shortened.
func loadError(err error) string {
	msg := err.Error()
	if errors.Is(err, sops.MetadataNotFound) {
		return "it has no sops metadata"
	}
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	return msg
}

// valueError describes a failed decryption of the values. sops' message is not used: it quotes the value when
// a value the rules say is encrypted is in plain text, or when a changed type tag makes the plaintext fail to
// parse.
func valueError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "Could not decrypt with AES_GCM"):
		return errors.New("a value fails authentication: it was changed after encryption, or belongs to another document")
	case strings.Contains(msg, "does not match sops' data format"), strings.Contains(msg, "Expected encrypted value"):
		return errors.New("a value that the document's rules say is encrypted is not: was it added or edited without sops?")
	case strings.Contains(msg, "Unknown datatype"):
		return errors.New("an encrypted value has an unknown type tag")
	default:
		return errors.New("a decrypted value does not match the type of its ENC[...] tag: the tag was changed")
	}
}

// checkMAC compares the document's MAC with the one computed while decrypting, as `sops --decrypt` does.
func checkMAC(m *sops.Metadata, cipher aes.Cipher, key []byte, computed string) error {
	if m.MessageAuthenticationCode == "" {
		return errors.New("the document has no MAC")
	}
	stored, err := cipher.Decrypt(m.MessageAuthenticationCode, key, m.LastModified.Format(time.RFC3339))
	if s, ok := stored.(string); err != nil || !ok || s != computed {
		return errors.New("MAC mismatch: the document was changed after it was encrypted (edit it with sops, or encrypt it again)")
	}
	return nil
}

// keyService decrypts SOPS data keys with the Decryptor's keys only; sops' local key service would also use
// the controller's environment.
type keyService struct{ d *Decryptor }

var errUnsupportedKey = errors.New("key type not supported")

// Decrypt decrypts a data key encrypted for an age recipient or an OpenPGP key.
func (s keyService) Decrypt(_ context.Context, req *keyservice.DecryptRequest, _ ...grpc.CallOption) (*keyservice.DecryptResponse, error) {
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
		err = errUnsupportedKey
	}
	if err != nil {
		return nil, err
	}
	return &keyservice.DecryptResponse{Plaintext: plain}, nil
}

// Encrypt is refused: the controller only decrypts.
func (keyService) Encrypt(context.Context, *keyservice.EncryptRequest, ...grpc.CallOption) (*keyservice.EncryptResponse, error) {
	return nil, errors.New("encryption is not supported")
}

// maxDataKey bounds a decrypted data key (sops' are 32 bytes).
const maxDataKey = 1 << 10

// decryptAge decrypts a data key encrypted with age (armored, as sops writes it).
func (d *Decryptor) decryptAge(ciphertext []byte) ([]byte, error) {
	if len(d.ageIDs) == 0 {
		return nil, errors.New("no age identity")
	}
	var src io.Reader = bytes.NewReader(ciphertext)
	if bytes.HasPrefix(bytes.TrimSpace(ciphertext), []byte(armor.Header)) {
		src = armor.NewReader(bytes.NewReader(bytes.TrimSpace(ciphertext)))
	}
	r, err := age.Decrypt(src, d.ageIDs...)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(r, maxDataKey))
}

// decryptPGP decrypts a data key encrypted with OpenPGP (armored), with go-crypto and the Secret's keys only.
func (d *Decryptor) decryptPGP(ciphertext []byte) ([]byte, error) {
	if len(d.pgp) == 0 {
		return nil, errors.New("no OpenPGP key")
	}
	block, err := pgparmor.Decode(bytes.NewReader(ciphertext))
	if err != nil {
		return nil, err
	}
	md, err := openpgp.ReadMessage(block.Body, d.pgp, nil, nil)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(md.UnverifiedBody, maxDataKey))
}

// noKeyError explains why no data key could be recovered: which recipients the document is encrypted for and
// which of them the Secret lacks, or that their kind is not supported.
func (d *Decryptor) noKeyError(m *sops.Metadata) error {
	var ageRecipients, pgpKeys, others []string
	for _, group := range m.KeyGroups {
		for _, k := range group {
			switch k := k.(type) {
			case *sopsage.MasterKey:
				ageRecipients = append(ageRecipients, k.Recipient)
			case *pgp.MasterKey:
				pgpKeys = append(pgpKeys, k.Fingerprint)
			default:
				others = append(others, keyKind(k.TypeToIdentifier())+" "+k.ToString())
			}
		}
	}
	var reasons []string
	if len(ageRecipients) > 0 {
		reasons = append(reasons, d.missing("age identity", len(d.ageIDs) > 0, AgeKeyExt, "the recipients", ageRecipients))
	}
	if len(pgpKeys) > 0 {
		reasons = append(reasons, d.missing("OpenPGP private key", len(d.pgp) > 0, PGPKeyExt, "the keys", pgpKeys))
	}
	if len(others) > 0 {
		reasons = append(reasons, fmt.Sprintf("it is encrypted for %s, which tide cannot use: it decrypts with age "+
			"and OpenPGP keys from the Secret only", strings.Join(others, ", ")))
	}
	if len(reasons) == 0 {
		reasons = append(reasons, "it names no key to decrypt it with")
	}
	if len(m.KeyGroups) > 1 {
		reasons = append(reasons, fmt.Sprintf("keys of %d of its %d key groups are needed", max(m.ShamirThreshold, 1), len(m.KeyGroups)))
	}
	if len(d.unsupported) > 0 {
		reasons = append(reasons, fmt.Sprintf("the Secret's entries %s are not supported", strings.Join(d.unsupported, ", ")))
	}
	return errors.New(strings.Join(reasons, "; "))
}

// missing says that no key of a kind matches the recipients, or that the Secret has none of that kind.
func (d *Decryptor) missing(kind string, have bool, ext, what string, recipients []string) string {
	list := strings.Join(recipients, ", ")
	switch {
	case d.secret == "":
		return fmt.Sprintf("spec.decryption.secretRef is not set: name a Secret holding an %s (an entry ending in %s) for %s %s",
			kind, ext, what, list)
	case have:
		return fmt.Sprintf("no %s in Secret %s matches %s %s", kind, d.secret, what, list)
	default:
		return fmt.Sprintf("Secret %s holds no %s (an entry ending in %s) for %s %s", d.secret, kind, ext, what, list)
	}
}

// keyKind names a sops key type in messages.
func keyKind(id string) string {
	switch id {
	case "kms":
		return "the AWS KMS key"
	case "gcp_kms":
		return "the GCP KMS key"
	case "azure_kv":
		return "the Azure Key Vault key"
	case "hc_vault":
		return "the Vault transit key"
	case "hckms":
		return "the Huawei Cloud KMS key"
	default:
		return "the " + id + " key"
	}
}
