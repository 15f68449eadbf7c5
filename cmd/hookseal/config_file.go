package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The config file, as written. Every key is optional to the decoder (so an
// absent one can be told from a zero one); readConfigFile checks what is
// required, and the decoder refuses every key not listed here.
type fileConfig struct {
	Listen          *string        `yaml:"listen"`
	Admin           *string        `yaml:"admin"`
	DataDir         string         `yaml:"data_dir"`
	Redis           *fileRedis     `yaml:"redis"`
	Inbox           *fileInbox     `yaml:"inbox"`
	MaxBody         *int64         `yaml:"max_body"`
	MaxAge          *time.Duration `yaml:"max_age"`
	ShutdownTimeout *time.Duration `yaml:"shutdown_timeout"`
	LogNoiseEvery   *int           `yaml:"log_noise_every"`
	Upstream        *fileUpstream  `yaml:"upstream"`
	Routes          []fileRoute    `yaml:"routes"`
}

// fileRedis names the variable holding the Redis URL: the URL itself may
// carry a password, which has no place in a config file.
type fileRedis struct {
	URLEnv      string         `yaml:"url_env"`
	Prefix      *string        `yaml:"prefix"`
	PoolSize    *int           `yaml:"pool_size"`
	Timeout     *time.Duration `yaml:"timeout"`
	DialTimeout *time.Duration `yaml:"dial_timeout"`
}

type fileInbox struct {
	Enabled     *bool          `yaml:"enabled"`
	Name        string         `yaml:"name"`
	MaxAge      *time.Duration `yaml:"max_age"`
	Concurrency *int           `yaml:"concurrency"`
	MaxEntries  *int           `yaml:"max_entries"`
	MaxBytes    *int           `yaml:"max_bytes"`
	BackoffMin  *time.Duration `yaml:"backoff_min"`
	BackoffMax  *time.Duration `yaml:"backoff_max"`
}

type fileUpstream struct {
	URL     string         `yaml:"url"`
	Timeout *time.Duration `yaml:"timeout"`
	Secret  *fileSecrets   `yaml:"secret"`
}

// fileSecrets says where secrets are read from: an environment variable
// (with NAME_FILE honoured, verify.LookupSecrets) or a file, one secret per
// line. Never the secret itself.
type fileSecrets struct {
	Env  string `yaml:"env"`
	File string `yaml:"file"`
}

type fileRoute struct {
	Name            string            `yaml:"name"`
	Path            string            `yaml:"path"`
	Sender          string            `yaml:"sender"`
	Provider        string            `yaml:"provider"`
	Secrets         *fileSecrets      `yaml:"secrets"`
	User            string            `yaml:"user"`
	Header          string            `yaml:"header"`
	TimestampHeader string            `yaml:"timestamp_header"`
	JWT             *fileJWT          `yaml:"jwt"`
	Scheme          *fileScheme       `yaml:"scheme"`
	Order           bool              `yaml:"order"`
	Coalesce        bool              `yaml:"coalesce"`
	Strict          bool              `yaml:"strict"`
	Keys            map[string]string `yaml:"keys"`
	Upstream        *fileUpstream     `yaml:"upstream"`
	RepeatInterval  *time.Duration    `yaml:"repeat_interval"`
}

type fileJWT struct {
	JWKS       string         `yaml:"jwks"`
	Issuer     string         `yaml:"issuer"`
	Audience   []string       `yaml:"audience"`
	Algorithms []string       `yaml:"algorithms"`
	Leeway     *time.Duration `yaml:"leeway"`
}

// fileScheme is verify.Scheme spelled out, for `sender: hmac`.
type fileScheme struct {
	SignatureHeader  string `yaml:"signature_header"`
	Format           string `yaml:"format"`
	Prefix           string `yaml:"prefix"`
	Version          string `yaml:"version"`
	Encoding         string `yaml:"encoding"`
	Signed           string `yaml:"signed"`
	TimestampHeader  string `yaml:"timestamp_header"`
	TimestampKey     string `yaml:"timestamp_key"`
	TimestampField   string `yaml:"timestamp_field"`
	TimestampFormat  string `yaml:"timestamp_format"`
	RequireTimestamp bool   `yaml:"require_timestamp"`
	IDHeader         string `yaml:"id_header"`
	SecretFormat     string `yaml:"secret_format"`
}

// maxConfigFile bounds the config file: a hundred routes take a few KiB.
const maxConfigFile = 1 << 20

// parseConfigFile reads path into its raw form and its node tree (for the
// line of every key). Errors are usage errors, "FILE:LINE: ...".
func parseConfigFile(path string) (*fileConfig, *yaml.Node, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, usagef("config file: %v", err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, maxConfigFile+1))
	if err != nil {
		return nil, nil, usagef("config file %s: %v", path, err)
	}
	if len(src) > maxConfigFile {
		return nil, nil, usagef("%s: larger than %d bytes; is it the config file?", path, maxConfigFile)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, nil, yamlError(path, err)
	}
	if len(root.Content) == 0 {
		return nil, nil, usagef("%s: the file is empty; it needs at least `routes:`", path)
	}
	var fc fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil {
		return nil, nil, yamlError(path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, nil, usagef("%s:%d: a second YAML document; the config is one document", path, extra.Line)
	} else if !errors.Is(err, io.EOF) {
		return nil, nil, yamlError(path, err)
	}
	return &fc, &root, nil
}

var (
	yamlLine     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownField = regexp.MustCompile(`^field (\S+) not found in type main\.(\w+)$`)
	cannotDecode = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (\\S+)$")
)

// yamlError turns yaml.v3's errors into "FILE:LINE: message" lines, in the
// words of the file rather than of the Go types it decodes into.
func yamlError(path string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		sub := yamlLine.FindStringSubmatch(m)
		if sub == nil {
			out = append(out, fmt.Sprintf("%s: %s", path, m))
			continue
		}
		out = append(out, fmt.Sprintf("%s:%s: %s", path, sub[1], explainYAML(sub[2])))
	}
	return usagef("%s", strings.Join(out, "\n"))
}

// sections name the file's mappings by the Go type that decodes them.
var sections = map[string]reflect.Type{
	"fileConfig":   reflect.TypeFor[fileConfig](),
	"fileRedis":    reflect.TypeFor[fileRedis](),
	"fileInbox":    reflect.TypeFor[fileInbox](),
	"fileUpstream": reflect.TypeFor[fileUpstream](),
	"fileSecrets":  reflect.TypeFor[fileSecrets](),
	"fileRoute":    reflect.TypeFor[fileRoute](),
	"fileJWT":      reflect.TypeFor[fileJWT](),
	"fileScheme":   reflect.TypeFor[fileScheme](),
}

var sectionNames = map[string]string{
	"fileConfig": "at the top level", "fileRedis": "in redis", "fileInbox": "in inbox", "fileUpstream": "in upstream",
	"fileSecrets": "in secrets", "fileRoute": "in a route", "fileJWT": "in jwt", "fileScheme": "in scheme",
}

var goTypeWords = map[string]string{
	"int": "a whole number", "int64": "a whole number", "bool": "true or false", "string": "a string",
	"time.Duration": `a duration such as "10s" or "5m"`, "[]string": "a list", "map[string]string": "a mapping of key: value",
}

func explainYAML(m string) string {
	if sub := unknownField.FindStringSubmatch(m); sub != nil {
		t, ok := sections[sub[2]]
		if !ok {
			return fmt.Sprintf("unknown key %q", sub[1])
		}
		return fmt.Sprintf("unknown key %q %s (known: %s)", sub[1], sectionNames[sub[2]], strings.Join(yamlKeys(t), ", "))
	}
	if sub := cannotDecode.FindStringSubmatch(m); sub != nil {
		want, ok := goTypeWords[strings.TrimPrefix(sub[3], "*")]
		if !ok {
			if _, isSection := sections[strings.TrimPrefix(strings.TrimPrefix(sub[3], "*"), "main.")]; isSection || strings.HasPrefix(sub[3], "[]main.") {
				want = "a mapping"
				if strings.HasPrefix(sub[3], "[]") {
					want = "a list"
				}
			} else {
				want = sub[3]
			}
		}
		return fmt.Sprintf("%q is not %s", sub[2], want)
	}
	return m
}

func yamlKeys(t reflect.Type) []string {
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		keys = append(keys, name)
	}
	return keys
}

// fileLines finds the line of a key in the file, for errors found after
// decoding: a variable that is not set, a sender that does not exist.
type fileLines struct {
	path string
	root *yaml.Node
}

// at returns "FILE:LINE: " for the key at path (map keys as strings, list
// items as ints): the line of the key itself, or of the nearest enclosing
// one that exists.
func (fl fileLines) at(path ...any) string {
	n := fl.root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, p := range path {
		switch k := p.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return fl.pos(line)
			}
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == k {
					line, n, found = n.Content[i].Line, n.Content[i+1], true
					break
				}
			}
			if !found {
				return fl.pos(line)
			}
		case int:
			if n.Kind != yaml.SequenceNode || k >= len(n.Content) {
				return fl.pos(line)
			}
			n = n.Content[k]
			line = n.Line
		}
	}
	return fl.pos(line)
}

func (fl fileLines) pos(line int) string { return fl.path + ":" + strconv.Itoa(line) + ": " }

// resolvePath reads a path in the file relative to the file's directory,
// as operators expect of paths in a config file.
func (fl fileLines) resolvePath(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(fl.path), p)
}
