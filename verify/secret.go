package verify

import (
	"bufio"
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// Secret is one shared secret a verifier accepts. Several secrets may be
// active at once while a sender's secret is rotated; any one matching passes
// and Delivery.SecretID reports which.
type Secret struct {
	// ID names the secret in Delivery.SecretID, logs and metrics.
	// It must not be derived from the value.
	ID string
	// Value is the secret as the sender's settings show it.
	Value string
}

// Secrets names the given values "s1", "s2", ... in order. The values are
// used as given: a verifier refuses one that is blank, has whitespace
// around it or holds a control character. To read secrets from the
// environment or a file, use SecretsFromEnv, which trims them.
func Secrets(values ...string) []Secret {
	out := make([]Secret, len(values))
	for i, v := range values {
		out[i] = Secret{ID: "s" + strconv.Itoa(i+1), Value: v}
	}
	return out
}

// ParseSecrets reads a comma-separated list of secrets, as a flag or an
// environment variable holds the secrets of a rotation ("new,old"). Each
// item is trimmed of surrounding whitespace and named "s1", "s2", ... An
// empty item or an empty list is an error; errors give positions, never
// values. A secret that contains a comma cannot be written this way: read
// it from a file (see LookupSecrets).
func ParseSecrets(list string) ([]Secret, error) {
	if strings.TrimSpace(list) == "" {
		return nil, errorf(ErrNoSecret, "the list of secrets is blank")
	}
	items := strings.Split(list, ",")
	values := make([]string, len(items))
	for i, s := range items {
		values[i] = strings.TrimSpace(s)
		if values[i] == "" {
			return nil, errorf(ErrNoSecret, "secret %d of %d is blank; remove the extra comma", i+1, len(items))
		}
	}
	secrets := Secrets(values...)
	if err := CheckSecrets(secrets); err != nil {
		return nil, err
	}
	return secrets, nil
}

// maxSecretsFile bounds a secrets file: a few secrets take a few hundred
// bytes, and a file of megabytes is a wrong path, not a rotation.
const maxSecretsFile = 64 << 10

// LookupSecrets reads the secrets that the environment variable name, or
// the file that name+"_FILE" names, holds, through lookup (os.LookupEnv, or
// a map in tests). It is the one rule the hookseal CLI and the library read
// secrets by:
//
//   - NAME holds one secret, or several separated by commas for a rotation
//     (ParseSecrets);
//   - NAME_FILE names a file with one secret per line, for secrets mounted
//     as files (Kubernetes, Docker) and for secrets that contain a comma.
//     Each line is trimmed of surrounding whitespace (the trailing newline
//     every editor adds, a Windows "\r"); blank lines are skipped.
//
// found is false, with no error, when neither variable is set. Setting both,
// setting one to a blank value, a file without a secret, or a secret with a
// control character inside is an error: a template that expanded to
// nothing must not leave a route that accepts a blank secret, nor one that
// silently stays unconfigured. Errors name the variable, the file and line
// numbers, never a secret.
func LookupSecrets(lookup func(string) (string, bool), name string) (secrets []Secret, found bool, err error) {
	value, isSet := lookup(name)
	path, fileSet := lookup(name + "_FILE")
	switch {
	case isSet && fileSet:
		return nil, true, errorf(ErrInvalidConfig, "both %s and %s_FILE are set; set one", name, name)
	case isSet:
		s, err := ParseSecrets(value)
		if err != nil {
			return nil, true, fmt.Errorf("%s: %w", name, err)
		}
		return s, true, nil
	case fileSet:
		if strings.TrimSpace(path) == "" {
			return nil, true, errorf(ErrNoSecret, "%s_FILE is set but blank; name the file that holds the secret", name)
		}
		s, err := readSecretsFile(path)
		if err != nil {
			return nil, true, fmt.Errorf("%s_FILE: %w", name, err)
		}
		return s, true, nil
	}
	return nil, false, nil
}

// SecretsFromEnv reads the secrets of the environment variable name, or of
// the file that name+"_FILE" names, by the rules of LookupSecrets. Neither
// being set is an error wrapping ErrNoSecret.
func SecretsFromEnv(name string) ([]Secret, error) {
	s, found, err := LookupSecrets(os.LookupEnv, name)
	if err == nil && !found {
		err = errorf(ErrNoSecret, "neither %s nor %s_FILE is set", name, name)
	}
	return s, err
}

func readSecretsFile(path string) ([]Secret, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretsFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSecretsFile {
		return nil, errorf(ErrInvalidConfig, "%s is larger than %d bytes; it should hold one secret per line", path, maxSecretsFile)
	}
	var values []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxSecretsFile)
	for line := 1; sc.Scan(); line++ {
		v := strings.TrimSpace(sc.Text())
		if v == "" {
			continue
		}
		if err := checkSecretValue(v); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		values = append(values, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(values) == 0 {
		return nil, errorf(ErrNoSecret, "%s holds no secret (only blank lines)", path)
	}
	return Secrets(values...), nil
}

// CheckSecrets reports whether secrets can configure a verifier: at least
// one secret, IDs present and distinct, and no value that is blank, starts
// or ends with whitespace, or holds a control character. Such a value is a
// mistake (a template that expanded to a space, the trailing newline of a
// mounted secret file): accepting it would build a verifier that accepts
// signatures anyone can make with " ", or one that never matches. Every
// verifier in hookseal runs it at construction; custom verifiers call it to
// fail closed the same way. Errors wrap ErrNoSecret or ErrInvalidConfig and
// name secrets by ID.
func CheckSecrets(secrets []Secret) error {
	if len(secrets) == 0 {
		return errorf(ErrNoSecret, "pass at least one secret")
	}
	seen := make(map[string]bool, len(secrets))
	for i, s := range secrets {
		if s.ID == "" {
			return errorf(ErrInvalidConfig, "secret %d has no ID; use verify.Secrets or set Secret.ID", i+1)
		}
		if seen[s.ID] {
			return errorf(ErrInvalidConfig, "secret id %q is used twice", s.ID)
		}
		seen[s.ID] = true
		if err := checkSecretValue(s.Value); err != nil {
			return fmt.Errorf("secret %d (id %q): %w", i+1, s.ID, err)
		}
	}
	return nil
}

// checkSecretValue refuses a blank value, surrounding whitespace and control
// characters. It never quotes the value.
func checkSecretValue(v string) error {
	if strings.TrimSpace(v) == "" {
		return errorf(ErrNoSecret, "the secret is blank")
	}
	if strings.TrimSpace(v) != v {
		return errorf(ErrInvalidConfig, "the secret starts or ends with whitespace (a trailing newline from a file or a template?), which no sender's settings keep; trim it")
	}
	for i, r := range v {
		if unicode.IsControl(r) {
			return errorf(ErrInvalidConfig, "the secret holds a control character at byte %d; remove it", i)
		}
	}
	return nil
}

// Scopes. A delivery's Scope tells deliveries authenticated by different
// credentials apart, so two routes of one provider (two accounts, two
// tenants) that share a store never share dedupe or ordering state. It is
// derived from the credential with PBKDF2, so that whoever reads a store's
// keys (where ordering state is kept under the scope) cannot test guesses
// of a weak password quickly, and truncated to 64 bits, which is plenty to
// keep a handful of credentials apart.
const (
	scopeSalt       = "hookseal/scope/v1\x00"
	scopeIterations = 10_000
	scopeLen        = 8
)

// lazyScope computes a credential's scope once, the first time a delivery
// needs it, so building verifiers costs nothing (tests build thousands);
// every later delivery reads the cached value. With the scope it keeps the
// fixed start of the credential's delivery keys (see keyPrefix), so
// deriving a key per delivery hashes the delivery's own bytes and nothing
// it would recompute.
type lazyScope struct{ load func() *scoped }

// scoped is what a lazyScope computes: the scope and its key prefix.
type scoped struct {
	scope string
	keys  keyPrefix
}

func newLazyScope(provider string, material []byte) lazyScope {
	m := string(material)
	return lazyScope{load: sync.OnceValue(func() *scoped {
		k, err := pbkdf2.Key(sha256.New, m, []byte(scopeSalt+provider), scopeIterations, scopeLen)
		if err != nil { // only for parameters out of FIPS bounds, which these are not
			sum := sha256.Sum256([]byte(scopeSalt + provider + "\x00" + m))
			k = sum[:scopeLen]
		}
		scope := hex.EncodeToString(k)
		return &scoped{scope: scope, keys: newKeyPrefix(provider, scope)}
	})}
}

// get returns the scope.
func (s lazyScope) get() string { return s.load().scope }
