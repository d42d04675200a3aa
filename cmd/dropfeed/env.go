package main

import (
	"flag"
	"fmt"
	"strings"
)

// envPrefix starts the environment variable of every flag.
const envPrefix = "DROPFEED_"

// envName returns the environment variable that sets a flag: DROPFEED_ and the
// flag's name upper-cased, with dashes as underscores (-base-url is
// DROPFEED_BASE_URL).
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyEnv sets every flag of fs that the command line did not set from its
// environment variable, when that variable is set and not empty. Afterwards
// fs.Visit sees those flags as set, so the precedence is: flag, environment,
// config file, default. A value the flag rejects is a usage error naming the
// variable.
func applyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	given := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || given[f.Name] {
			return
		}
		name := envName(f.Name)
		v, ok := lookup(name)
		if !ok || v == "" {
			return
		}
		if e := fs.Set(f.Name, v); e != nil {
			err = fmt.Errorf("%w: %s=%q: %v", errUsage, name, v, e)
		}
	})
	return err
}
