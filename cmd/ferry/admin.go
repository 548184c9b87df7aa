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

// admin opens the database named by --db for one admin command.
func admin(ctx context.Context, dsn string) (*core.Service, func(), error) {
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
	f := newFlags("merchant create", getenv, stderr)
	dsn := f.String("db", defaultDB, dbUsage)
	name := f.String("name", "", "merchant `name` (required)")
	asJSON := f.Bool("json", false, "print one JSON object")
	if err := f.parse(args); err != nil {
		return err
	}
	if *name == "" {
		return usageErrorf("merchant create: --name is required")
	}
	svc, done, err := admin(ctx, *dsn)
	if err != nil {
		return err
	}
	defer done()
	m, key, err := svc.CreateMerchant(ctx, *name)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, map[string]any{"merchantId": m.ID, "name": m.Name, "apiKey": key, "createdAt": m.CreatedAt})
	}
	fmt.Fprintf(stdout, "merchant: %s (%s)\napi key:  %s\n\nThe API key is shown only now: Ferry stores only its hash.\n", m.ID, m.Name, key)
	return nil
}

func merchantList(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newFlags("merchant list", getenv, stderr)
	dsn := f.String("db", defaultDB, dbUsage)
	asJSON := f.Bool("json", false, "print JSON")
	if err := f.parse(args); err != nil {
		return err
	}
	svc, done, err := admin(ctx, *dsn)
	if err != nil {
		return err
	}
	defer done()
	merchants, err := svc.Store().MerchantList(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
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
	f := newFlags("apikey create", getenv, stderr)
	dsn := f.String("db", defaultDB, dbUsage)
	merchant := f.String("merchant", "", "merchant `id` (required)")
	asJSON := f.Bool("json", false, "print one JSON object")
	if err := f.parse(args); err != nil {
		return err
	}
	if *merchant == "" {
		return usageErrorf("apikey create: --merchant is required")
	}
	svc, done, err := admin(ctx, *dsn)
	if err != nil {
		return err
	}
	defer done()
	key, rec, err := svc.CreateAPIKey(ctx, *merchant)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, map[string]any{"merchantId": rec.MerchantID, "keyId": rec.ID, "apiKey": key})
	}
	fmt.Fprintf(stdout, "key id:  %s\napi key: %s\n\nThe API key is shown only now: Ferry stores only its hash.\n", rec.ID, key)
	return nil
}

func apiKeyList(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newFlags("apikey list", getenv, stderr)
	dsn := f.String("db", defaultDB, dbUsage)
	merchant := f.String("merchant", "", "merchant `id` (required)")
	if err := f.parse(args); err != nil {
		return err
	}
	if *merchant == "" {
		return usageErrorf("apikey list: --merchant is required")
	}
	svc, done, err := admin(ctx, *dsn)
	if err != nil {
		return err
	}
	defer done()
	keys, err := svc.Store().APIKeyList(ctx, *merchant)
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
	f := newFlags("apikey revoke", getenv, stderr)
	dsn := f.String("db", defaultDB, dbUsage)
	merchant := f.String("merchant", "", "merchant `id` (required)")
	key := f.String("key", "", "key `id` to revoke, as `ferry apikey list` shows it (required)")
	if err := f.parse(args); err != nil {
		return err
	}
	if *merchant == "" || *key == "" {
		return usageErrorf("apikey revoke: --merchant and --key are required")
	}
	svc, done, err := admin(ctx, *dsn)
	if err != nil {
		return err
	}
	defer done()
	if err := svc.RevokeAPIKey(ctx, *merchant, *key); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked %s; its bearer tokens no longer work\n", *key)
	return nil
}
