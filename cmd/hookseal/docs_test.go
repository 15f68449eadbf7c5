package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The configs the docs show are configs hookseal proxy accepts: the
// README's example file, and the ConfigMap of docs/deploy.md with its
// mounted secrets.
func TestDocsConfigsCheck(t *testing.T) {
	t.Parallel()
	env := []string{tChecklyEnv, tProxyEnv, "ONCALL_AUTHORIZATION=" + lOnCall, "DATADOG_WEBHOOK_PASSWORD=" + lDDPassword,
		"GITHUB_WEBHOOK_SECRET=gh-s3cr3t", "ACME_WEBHOOK_SECRET=acme-s3cr3t"}
	r := hookseal(t, nil, env, "proxy", "--check", filepath.Join("..", "..", "docs", "proxy.example.yaml"))
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "ok: 5 route(s)") {
		t.Errorf("docs/proxy.example.yaml: %s", r.stdout)
	}

	md, err := os.ReadFile(filepath.Join("..", "..", "docs", "deploy.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?m)^  proxy\.yaml: \|\n((?:    .*\n)+)`).FindSubmatch(md)
	if block == nil {
		t.Fatal("docs/deploy.md has no ConfigMap with proxy.yaml")
	}
	config := regexp.MustCompile(`(?m)^    `).ReplaceAllString(string(block[1]), "")
	dir := t.TempDir()
	writeFile(t, dir, "checkly", lChecklyNew+"\n")
	writeFile(t, dir, "oncall", lOnCall+"\n")
	writeFile(t, dir, "proxy", tProxySecret+"\n")
	config = strings.ReplaceAll(config, "/etc/hookseal/secrets/", dir+"/")
	path := writeFile(t, dir, "proxy.yaml", config)
	r = hookseal(t, nil, nil, "proxy", "--check", path)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "ok: 2 route(s)") || !strings.Contains(r.stdout, "file (/var/lib/hookseal), inbox on") {
		t.Errorf("docs/deploy.md's ConfigMap: %s", r.stdout)
	}
}
