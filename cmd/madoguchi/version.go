package main

import (
	"fmt"
	"maps"
	"runtime"
	"runtime/debug"
	"slices"

	"github.com/spf13/cobra"
)

// buildInfo is what `madoguchi version` tells of the binary: the version
// set at build time (-ldflags "-X main.version=..."), else the module's or
// the commit's, and how it was built.
type buildInfo struct {
	Version   string            `json:"version"`
	Go        string            `json:"go"`
	Platform  string            `json:"platform"`
	Module    string            `json:"module,omitempty"`
	Revision  string            `json:"revision,omitempty"`
	Time      string            `json:"time,omitempty"`
	Modified  bool              `json:"modified,omitempty"`
	Deps      map[string]string `json:"deps,omitempty"`
	BuildTags string            `json:"build_tags,omitempty"`
}

// readBuildInfo reads the binary's build information.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Module = info.Main.Path
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		case "-tags":
			b.BuildTags = s.Value
		}
	}
	if b.Version == "dev" {
		// Not set at build time: the module's version (go install
		// …@v1.2.3), else the commit.
		switch {
		case info.Main.Version != "" && info.Main.Version != "(devel)":
			b.Version = info.Main.Version
		case b.Revision != "":
			b.Version = "dev-" + b.Revision[:min(12, len(b.Revision))]
			if b.Modified {
				b.Version += "-dirty"
			}
		}
	}
	b.Deps = map[string]string{}
	for _, d := range info.Deps {
		b.Deps[d.Path] = d.Version
	}
	return b
}

// versionString is the version --version prints.
func versionString() string { return readBuildInfo().Version }

func newVersionCmd() *cobra.Command {
	var asJSON, deps bool
	cmd := &cobra.Command{
		Use:   "version [--json] [--deps]",
		Short: "Print the version and how the binary was built",
		Long: `version prints madoguchi's version (set at build time with
-ldflags "-X main.version=...", as make build does; else the module's
version or the commit), the Go version and platform it was built with, and
the commit and its time when the build recorded them. --deps adds every
module it was built from with its version; --json prints all of it as JSON.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			b := readBuildInfo()
			if !deps {
				b.Deps = nil
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), b)
			}
			w := c.OutOrStdout()
			fmt.Fprintf(w, "madoguchi %s\n", b.Version)
			fmt.Fprintf(w, "built with %s for %s\n", b.Go, b.Platform)
			if b.Revision != "" {
				dirty := ""
				if b.Modified {
					dirty = " (with uncommitted changes)"
				}
				fmt.Fprintf(w, "commit %s%s %s\n", b.Revision, dirty, b.Time)
			}
			if deps {
				t := newTable("MODULE", "VERSION")
				for _, p := range slices.Sorted(maps.Keys(b.Deps)) {
					t.row(p, b.Deps[p])
				}
				return t.print(c)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().BoolVar(&deps, "deps", false, "list the modules the binary was built from")
	return cmd
}
