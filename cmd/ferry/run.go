package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/ferrygateway/ferry"
)

// env looks up environment variables; tests pass their own.
type env func(string) string

// command is one subcommand of ferry.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the Ferry server", runServe},
		{"merchant", "create and list merchants (on the database)", runMerchant},
		{"apikey", "create, list and revoke API keys (on the database)", runAPIKey},
		{"device", "register, pair, revoke and run payment devices", runDevice},
		{"terminal", "show and change processing terminals (on the database)", runTerminal},
		{"payment", "run sales and pre-authorizations on devices (a POS on the API)", runPayment},
		{"refund", "send refunds to devices and follow them (a POS on the API)", runRefund},
		{"signature", "capture signatures on devices (a POS on the API)", runSignature},
		{"bench", "measure Ferry: throughput, latency, memory (see docs/performance.md)", runBench},
		{"version", "print the version", runVersion},
	}
}

// run is the whole program; main only adds signals and the exit code.
func run(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], getenv, stdin, stdout, stderr)
		}
	}
	if args[0] == "bench-baseline" { // started by ferry bench; not listed
		return runBaselineServer(ctx, args[1:], getenv, stdin, stdout, stderr)
	}
	usage(stderr)
	return usageErrorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Ferry: a Payroc Cloud-compatible gateway between point-of-sale systems and card terminals.")
	fmt.Fprintln(w, "\nUsage: ferry <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `ferry <command> -h` for a command's flags. Every flag can also be set as")
	fmt.Fprintln(w, "an environment variable FERRY_<NAME>, e.g. FERRY_DB for --db.")
}

// Exit codes, documented in the README and stable:
const (
	codeOK          = 0   // success; for a refund: approved
	codeError       = 1   // usage, transport or API error
	codeDeclined    = 2   // the refund or payment was declined
	codeEnded       = 3   // the instruction was canceled or failed
	codeInterrupted = 130 // interrupted; the instruction goes on
)

// exitError carries a process exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// errUsage is a usage error whose message was already printed.
var errUsage = &exitError{code: codeError, err: errors.New("usage")}

func usageErrorf(format string, args ...any) error {
	return &exitError{code: codeError, err: fmt.Errorf(format, args...)}
}

// exitCode maps run's error to the process exit code, printing the error.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case err == errUsage:
		return codeError
	}
	if e, ok := errors.AsType[*exitError](err); ok {
		if e.err != nil && e.err.Error() != "" {
			fmt.Fprintln(stderr, "ferry:", e.err)
		}
		return e.code
	}
	if e, ok := errors.AsType[*ferry.Error](err); ok && e.Code != ferry.CodeInternal {
		// Ferry's own errors say what to do; the driver's words add nothing.
		fmt.Fprintln(stderr, "ferry:", e.Message)
		for _, f := range e.Fields {
			fmt.Fprintf(stderr, "  %s: %s\n", f.Parameter, f.Message)
		}
		return 1
	}
	fmt.Fprintln(stderr, "ferry:", err)
	return 1
}

// flags is a flag set whose flags fall back to FERRY_<NAME> environment
// variables.
type flags struct {
	*flag.FlagSet
	name   string // the command, such as "device add"
	getenv env
}

func newFlags(name string, getenv env, stderr io.Writer) *flags {
	fs := flag.NewFlagSet("ferry "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &flags{FlagSet: fs, name: name, getenv: getenv}
}

// envName is the environment variable for a flag: --poll-wait → FERRY_POLL_WAIT.
func envName(flagName string) string {
	return "FERRY_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse parses args, then sets each flag not given on the command line
// from its environment variable. Extra arguments are an error.
func (f *flags) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: codeError, err: errors.New("")}
	}
	if f.NArg() > 0 {
		return usageErrorf("%s: unexpected argument %q", f.Name(), f.Arg(0))
	}
	set := make(map[string]bool)
	f.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	var errs []error
	var names []string
	f.VisitAll(func(fl *flag.Flag) { names = append(names, fl.Name) })
	sort.Strings(names)
	for _, name := range names {
		if set[name] {
			continue
		}
		if v := f.getenv(envName(name)); v != "" {
			if err := f.Set(name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", envName(name), v, err))
			}
		}
	}
	if len(errs) > 0 {
		return &exitError{code: codeError, err: errors.Join(errs...)}
	}
	return nil
}

// required returns a usage error that names all the given flags, such as
// "device add: --merchant, --serial and --terminal are required", unless
// each of them has a value. Call it after parse.
func (f *flags) required(names ...string) error {
	for _, name := range names {
		if f.Lookup(name).Value.String() != "" {
			continue
		}
		list := make([]string, len(names))
		for i, n := range names {
			list[i] = "--" + n
		}
		if len(list) == 1 {
			return usageErrorf("%s: %s is required", f.name, list[0])
		}
		return usageErrorf("%s: %s and %s are required", f.name, strings.Join(list[:len(list)-1], ", "), list[len(list)-1])
	}
	return nil
}

// buildVersion is set at build time with -ldflags "-X main.buildVersion=v1.2.3".
var buildVersion = ""

func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

func runVersion(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	fmt.Fprintln(stdout, "ferry", version())
	return nil
}
