// Package deploy holds the files that install madoguchi (the systemd unit,
// and beside the repository's Dockerfile and compose.yaml the try-out's
// Dovecot and madoguchi configuration); its tests check them with what
// this machine has: systemd-analyze when it is installed (.ci/run installs
// it), a YAML parser, the configuration's own loader. No container engine
// runs here: README.md's Packaging section says how to check the image by
// hand.
package deploy

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/madoguchi/madoguchi/config"
)

// unitKeys reads a systemd unit into section → key → values, in order.
func unitKeys(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: not a key=value line in a section: %q", path, line)
			}
			out[section][k] = append(out[section][k], v)
		}
	}
	return out
}

func TestUnit_IsHardenedRunsTheGatewayAndHasNoReload(t *testing.T) {
	u := unitKeys(t, "madoguchi.service")
	svc := u["Service"]
	for key, want := range map[string]string{
		"User": "madoguchi", "StateDirectory": "madoguchi", "ProtectSystem": "strict", "NoNewPrivileges": "yes",
		"PrivateTmp": "yes", "ProtectHome": "yes", "PrivateDevices": "yes", "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"CapabilityBoundingSet": "", "MemoryDenyWriteExecute": "yes", "SystemCallArchitectures": "native", "UMask": "0077",
		"Environment": "MADOGUCHI_STORE_PATH=/var/lib/madoguchi/madoguchi.db", "RestartPreventExitStatus": "2 4",
	} {
		if got := svc[key]; len(got) == 0 || got[0] != want {
			t.Errorf("[Service] %s = %q, want %q", key, got, want)
		}
	}
	if got := svc["SystemCallFilter"]; !slices.Equal(got, []string{"@system-service", "~@privileged"}) {
		t.Errorf("SystemCallFilter = %q", got)
	}
	// madoguchi reads its configuration at start only: a reload would
	// pretend to apply a change it does not.
	if r := svc["ExecReload"]; len(r) > 0 {
		t.Errorf("ExecReload = %q, but madoguchi cannot reload", r)
	}
	exec := svc["ExecStart"]
	if len(exec) != 1 || !strings.HasPrefix(exec[0], "/usr/local/bin/madoguchi ") || !strings.HasSuffix(exec[0], " run") {
		t.Errorf("ExecStart = %q", exec)
	}
	if w := u["Install"]["WantedBy"]; len(w) != 1 || w[0] != "multi-user.target" {
		t.Errorf("WantedBy = %q", w)
	}
	sysusers, err := os.ReadFile("madoguchi.sysusers")
	if err != nil || !strings.HasPrefix(string(sysusers), "u madoguchi ") {
		t.Errorf("madoguchi.sysusers does not create the unit's user: %q %v", sysusers, err)
	}
}

// systemd-analyze verify reads the unit as systemd would (every key and
// value, the binary's path); security --offline rates its exposure. Both
// work in a container without a running systemd. The unit is verified
// with ExecStart pointed at a real executable: the one it names is not
// installed here.
func TestUnit_SystemdAnalyzeVerifiesItCleanAndRatesItsExposureLow(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze is not installed (apt-get install systemd): only the unit's keys were checked (TestUnit_IsHardened…)")
		return
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "madoguchi")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unit, err := os.ReadFile("madoguchi.service")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "madoguchi.service")
	if err := os.WriteFile(path, bytes.ReplaceAll(unit, []byte("/usr/local/bin/madoguchi"), []byte(bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	// verify exits 0 on what it only warns about (a misspelt key, a bad
	// value): any word from it is a failure here.
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err = exec.Command(analyze, "security", "--offline=yes", "--no-pager", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for madoguchi.service: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	if level, _ := strconv.ParseFloat(string(m[1]), 64); level > 2.0 {
		t.Errorf("exposure level %.1f, want at most 2.0 (OK):\n%s", level, out)
	}
}

func TestDockerfile_BuildsAStaticBinaryIntoANonRootDistrolessImageWithTheStoreOnAVolume(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	from := regexp.MustCompile(`(?m)^FROM (\S+)`).FindAllStringSubmatch(df, -1)
	if len(from) != 2 || !strings.HasPrefix(from[0][1], "golang:1.26") || from[1][1] != "gcr.io/distroless/static-debian12:nonroot" {
		t.Fatalf("stages: %q; want a golang:1.26 build stage and distroless/static:nonroot", from)
	}
	final := df[strings.LastIndex(df, "\nFROM "):]
	for _, want := range []string{
		"CGO_ENABLED=0 go build -trimpath", `-X main.version=${VERSION}`, // in the build stage
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	for _, want := range []string{
		"USER 65532:65532", `VOLUME ["/var/lib/madoguchi"]`, `ENTRYPOINT ["/madoguchi"]`,
		"--chown=65532:65532", "MADOGUCHI_STORE_PATH=/var/lib/madoguchi/madoguchi.db", "MADOGUCHI_CONFIG=/etc/madoguchi/madoguchi.toml",
	} {
		if !strings.Contains(final, want) {
			t.Errorf("the final stage lacks %q", want)
		}
	}
	// The Go line of go.mod must not need a newer toolchain than the image's.
	mod, _ := os.ReadFile("../go.mod")
	goLine := regexp.MustCompile(`(?m)^go (\S+)`).FindSubmatch(mod)
	img := strings.TrimSuffix(strings.TrimPrefix(from[0][1], "golang:"), "-bookworm")
	if goLine == nil || versionLess(img, string(goLine[1])) {
		t.Errorf("go.mod says go %s, the build image is %s", goLine[1], img)
	}
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil || !strings.Contains(string(ignore), "data") || !strings.Contains(string(ignore), ".git") {
		t.Errorf(".dockerignore should keep databases and .git out of the build context: %q %v", ignore, err)
	}
}

// versionLess compares dotted versions ("1.26" < "1.26.8").
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// compose is the part of compose.yaml the test reads.
type compose struct {
	Name     string `yaml:"name"`
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       map[string]any    `yaml:"build"`
		NetworkMode string            `yaml:"network_mode"`
		DependsOn   []string          `yaml:"depends_on"`
		Volumes     []string          `yaml:"volumes"`
		Ports       []string          `yaml:"ports"`
		ReadOnly    bool              `yaml:"read_only"`
		CapDrop     []string          `yaml:"cap_drop"`
		SecurityOpt []string          `yaml:"security_opt"`
		Environment map[string]string `yaml:"environment"`
		Tmpfs       []string          `yaml:"tmpfs"`
		Restart     string            `yaml:"restart"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func TestCompose_RunsMadoguchiBesideDovecotOnLoopbackWithItsStoreOnAVolume(t *testing.T) {
	b, err := os.ReadFile("../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		// KnownFields: a key the test does not model is a key it does not check.
		t.Fatalf("compose.yaml: %v", err)
	}
	m, ok := c.Services["madoguchi"]
	if !ok || m.Build["context"] != "." {
		t.Fatalf("madoguchi service: %+v", m)
	}
	dv, ok := c.Services["dovecot"]
	if !ok || !strings.HasPrefix(dv.Image, "dovecot/dovecot:") {
		t.Fatalf("dovecot service: %+v", dv)
	}
	if m.NetworkMode != "service:dovecot" || c.Services["mailpit"].NetworkMode != "service:dovecot" {
		t.Errorf("madoguchi and mailpit must share dovecot's network (loopback): %q, %q", m.NetworkMode, c.Services["mailpit"].NetworkMode)
	}
	if !slices.Contains(m.DependsOn, "dovecot") || !m.ReadOnly || !slices.Contains(m.Tmpfs, "/tmp") || !slices.Equal(m.CapDrop, []string{"ALL"}) || !slices.Contains(m.SecurityOpt, "no-new-privileges:true") {
		t.Errorf("madoguchi service hardening: %+v", m)
	}
	if !slices.Contains(m.Volumes, "data:/var/lib/madoguchi") || c.Volumes["data"] == nil {
		t.Errorf("the store is not on the data volume: %q", m.Volumes)
	}
	for _, p := range dv.Ports {
		if !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("port %q is published beyond this machine", p)
		}
	}
	// Every file compose mounts exists, and the configurations read.
	for _, svc := range c.Services {
		for _, v := range svc.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, "./") {
				if _, err := os.Stat(filepath.Join("..", src)); err != nil {
					t.Errorf("mounted file: %v", err)
				}
			}
		}
	}
	env := map[string]string{"MADOGUCHI_STORE_PATH": filepath.Join(t.TempDir(), "madoguchi.db")}
	data, err := os.ReadFile("compose/madoguchi.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(data, func(k string) string { return env[k] }, "compose")
	if err != nil {
		t.Fatalf("compose/madoguchi.toml: %v", err)
	}
	if err := cfg.RequireRun(); err != nil {
		t.Errorf("compose/madoguchi.toml cannot run: %v", err)
	}
	if cfg.IMAP.Address != "127.0.0.1:143" || cfg.Store.Path != env["MADOGUCHI_STORE_PATH"] {
		t.Errorf("compose config: imap %q store %q", cfg.IMAP.Address, cfg.Store.Path)
	}
	conf, err := os.ReadFile("compose/dovecot.conf")
	if err != nil || !strings.Contains(string(conf), "listen = *") || !strings.Contains(string(conf), "password=pass") {
		t.Errorf("compose/dovecot.conf: %v", err)
	}
}
