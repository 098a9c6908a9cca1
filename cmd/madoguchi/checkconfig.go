package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newCheckConfigCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "check-config",
		Short: "Validate the configuration and print it with secrets masked",
		Long: `check-config loads the configuration the way run does (file, then
MADOGUCHI_<SECTION>_<KEY> environment variables, then *_file secrets),
checks every key, and prints the effective configuration with passwords
masked. It exits 2 and names each bad key when the configuration is invalid.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			if err := cfg.RequireRun(); err != nil {
				return &exitError{code: 2, err: err}
			}
			b, err := cfg.Masked().TOML()
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "# configuration is valid\n%s", b)
			return nil
		},
	}
}
