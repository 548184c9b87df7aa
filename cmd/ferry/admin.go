package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/core"
	"github.com/ferrygateway/ferry/sim"
)

// The admin commands work on the database directly, so they work while a
// server runs on the same database, and need no API key.

type subcommand struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error
}

func dispatch(ctx context.Context, group string, subs []subcommand, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		for _, s := range subs {
			if s.name == args[0] {
				return s.run(ctx, args[1:], getenv, stdin, stdout, stderr)
			}
		}
	}
	w := stderr
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		w = stdout
	}
	fmt.Fprintf(w, "Usage: ferry %s <command> [flags]\n\nCommands:\n", group)
	for _, s := range subs {
		fmt.Fprintf(w, "  %-8s %s\n", s.name, s.summary)
	}
	if w == stdout {
		return nil
	}
	if len(args) == 0 {
		return errUsage
	}
	return usageErrorf("%s: unknown command %q", group, args[0])
}

// adminFlags are the flags the admin commands share, said once: --db (or
// FERRY_DB, default sqlite:ferry.db) on every one, and --merchant and
// --json on those that take them. An admin command makes them, adds its own
// flags, parses, then opens the database.
type adminFlags struct {
	*flags
	db       string
	merchant string // with withMerchant
	json     bool   // with withJSON
}

// Descriptions of the shared flags.
const (
	merchantRequired = "merchant `id` (required)"
	jsonObject       = "print one JSON object"
	jsonList         = "print JSON"
)

func newAdminFlags(name string, getenv env, stderr io.Writer) *adminFlags {
	a := &adminFlags{flags: newFlags(name, getenv, stderr)}
	a.StringVar(&a.db, "db", defaultDB, dbUsage)
	return a
}

// withMerchant adds --merchant, described by usage.
func (a *adminFlags) withMerchant(usage string) *adminFlags {
	a.StringVar(&a.merchant, "merchant", "", usage)
	return a
}

// withJSON adds --json, described by usage.
func (a *adminFlags) withJSON(usage string) *adminFlags {
	a.BoolVar(&a.json, "json", false, usage)
	return a
}

// parse parses args (and the environment), then checks that each of the
// required flags has a value. Its errors are usage errors (exit code 1).
func (a *adminFlags) parse(args []string, required ...string) error {
	if err := a.flags.parse(args); err != nil {
		return err
	}
	return a.required(required...)
}

// open opens the database that --db names; done closes it.
func (a *adminFlags) open(ctx context.Context) (svc *core.Service, done func(), err error) {
	return openAdmin(ctx, a.db)
}

// openAdmin opens a database for commands that change it from outside a
// server: their changes reach running servers through the database.
func openAdmin(ctx context.Context, dsn string) (*core.Service, func(), error) {
	log := slog.New(slog.DiscardHandler)
	be, err := openBackend(ctx, dsn, ferry.SystemClock{}, log)
	if err != nil {
		return nil, nil, err
	}
	svc := core.New(be.store, be.admin, sim.NewProcessor(), nil, log, core.Config{})
	return svc, func() { be.store.Close() }, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runMerchant(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return dispatch(ctx, "merchant", []subcommand{
		{"create", "create a merchant and its first API key", merchantCreate},
		{"list", "list merchants", merchantList},
	}, args, getenv, stdin, stdout, stderr)
}

func merchantCreate(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	a := newAdminFlags("merchant create", getenv, stderr).withJSON(jsonObject)
	name := a.String("name", "", "merchant `name` (required)")
	if err := a.parse(args, "name"); err != nil {
		return err
	}
	svc, done, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	m, key, err := svc.CreateMerchant(ctx, *name)
	if err != nil {
		return err
	}
	if a.json {
		return printJSON(stdout, map[string]any{"merchantId": m.ID, "name": m.Name, "apiKey": key, "createdAt": m.CreatedAt})
	}
	fmt.Fprintf(stdout, "merchant: %s (%s)\napi key:  %s\n\nThe API key is shown only now: Ferry stores only its hash.\n", m.ID, m.Name, key)
	return nil
}

func merchantList(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	a := newAdminFlags("merchant list", getenv, stderr).withJSON(jsonList)
	if err := a.parse(args); err != nil {
		return err
	}
	svc, done, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	merchants, err := svc.Merchants(ctx)
	if err != nil {
		return err
	}
	if a.json {
		out := make([]map[string]any, 0, len(merchants))
		for _, m := range merchants {
			out = append(out, map[string]any{"merchantId": m.ID, "name": m.Name, "createdAt": m.CreatedAt})
		}
		return printJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MERCHANT\tNAME\tCREATED")
	for _, m := range merchants {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m.ID, m.Name, m.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

func runAPIKey(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return dispatch(ctx, "apikey", []subcommand{
		{"create", "create an API key for a merchant", apiKeyCreate},
		{"list", "list a merchant's API keys", apiKeyList},
		{"revoke", "revoke an API key and its tokens at once", apiKeyRevoke},
	}, args, getenv, stdin, stdout, stderr)
}

func apiKeyCreate(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	a := newAdminFlags("apikey create", getenv, stderr).withMerchant(merchantRequired).withJSON(jsonObject)
	if err := a.parse(args, "merchant"); err != nil {
		return err
	}
	svc, done, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	key, rec, err := svc.CreateAPIKey(ctx, a.merchant)
	if err != nil {
		return err
	}
	if a.json {
		return printJSON(stdout, map[string]any{"merchantId": rec.MerchantID, "keyId": rec.ID, "apiKey": key})
	}
	fmt.Fprintf(stdout, "key id:  %s\napi key: %s\n\nThe API key is shown only now: Ferry stores only its hash.\n", rec.ID, key)
	return nil
}

func apiKeyList(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	a := newAdminFlags("apikey list", getenv, stderr).withMerchant(merchantRequired)
	if err := a.parse(args, "merchant"); err != nil {
		return err
	}
	svc, done, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	keys, err := svc.APIKeys(ctx, a.merchant)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY ID\tSTARTS WITH\tCREATED\tREVOKED")
	for _, k := range keys {
		revoked := "-"
		if !k.RevokedAt.IsZero() {
			revoked = k.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\n", k.ID, k.Prefix, k.CreatedAt.Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}

func apiKeyRevoke(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	a := newAdminFlags("apikey revoke", getenv, stderr).withMerchant(merchantRequired)
	key := a.String("key", "", "key `id` to revoke, as `ferry apikey list` shows it (required)")
	if err := a.parse(args, "merchant", "key"); err != nil {
		return err
	}
	svc, done, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := svc.RevokeAPIKey(ctx, a.merchant, *key); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked %s; its bearer tokens no longer work\n", *key)
	return nil
}
