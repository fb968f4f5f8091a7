package postgres

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

// RFC 7677's example exchange (user "user", password "pencil"): the verifier's keys must
// reproduce its client proof and server signature.
func TestScramVerifier_RFC7677(t *testing.T) {
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	v := scramVerifierSalt("pencil", salt, 4096)
	prefix, keys, ok := strings.Cut(v, "$4096:W22ZaJ0SNY7soEsUEjb6gQ==$")
	if !ok || prefix != "SCRAM-SHA-256" {
		t.Fatalf("verifier %q is not SCRAM-SHA-256$4096:salt$…", v)
	}
	stored64, server64, _ := strings.Cut(keys, ":")
	storedKey, _ := base64.StdEncoding.DecodeString(stored64)
	serverKey, _ := base64.StdEncoding.DecodeString(server64)
	const authMessage = "n=user,r=rOprNGfwEbeRWgbNEkqO," +
		"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096," +
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
	if got := base64.StdEncoding.EncodeToString(mac(serverKey, authMessage)); got != "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" {
		t.Errorf("server signature %s, want RFC 7677's", got)
	}
	proof, _ := base64.StdEncoding.DecodeString("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
	clientSig := mac(storedKey, authMessage)
	clientKey := make([]byte, len(proof))
	for i := range proof {
		clientKey[i] = proof[i] ^ clientSig[i]
	}
	if sum := sha256.Sum256(clientKey); !bytes.Equal(sum[:], storedKey) {
		t.Error("stored key does not verify RFC 7677's client proof")
	}
	if first, second := scramVerifier("pencil"), scramVerifier("pencil"); first == second {
		t.Error("two verifiers of one password share a salt")
	}
}
