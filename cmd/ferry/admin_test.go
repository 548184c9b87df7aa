package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAdminUsage: every admin command names the flags it is missing, exits
// 1, and opens no database when its flags are wrong.
func TestAdminUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "never.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"merchant", "create"}, "ferry: merchant create: --name is required\n"},
		{[]string{"apikey", "create"}, "ferry: apikey create: --merchant is required\n"},
		{[]string{"apikey", "list"}, "ferry: apikey list: --merchant is required\n"},
		{[]string{"apikey", "revoke", "--merchant", "m"}, "ferry: apikey revoke: --merchant and --key are required\n"},
		{[]string{"apikey", "revoke", "--key", "k"}, "ferry: apikey revoke: --merchant and --key are required\n"},
		{[]string{"device", "add", "--merchant", "m", "--serial", "s"}, "ferry: device add: --merchant, --serial and --terminal are required\n"},
		{[]string{"device", "pair-code", "--serial", "s"}, "ferry: device pair-code: --merchant and --serial are required\n"},
		{[]string{"device", "pair-code", "--merchant", "m", "--serial", "s", "--ttl", "25h"}, "ferry: device pair-code: --ttl must be between 0s and 24h\n"},
		{[]string{"device", "revoke", "--merchant", "m"}, "ferry: device revoke: --merchant and --serial are required\n"},
		{[]string{"merchant", "list", "extra"}, "ferry: ferry merchant list: unexpected argument \"extra\"\n"},
		{[]string{"device", "list", "--bogus"}, "flag provided but not defined: -bogus"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append(tc.args, "--db", db), func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
		code := exitCode(err, &errOut)
		if code != 1 || !strings.Contains(errOut.String(), tc.want) || out.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and %q", tc.args, code, &out, &errOut, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "never.db")); !os.IsNotExist(err) {
		t.Errorf("a usage error opened the database: %v", err)
	}
}

// TestAdminEnvironment: --db and --json come from FERRY_DB and FERRY_JSON
// when not given, and the flags given win.
func TestAdminEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	envDB := "sqlite:" + filepath.Join(dir, "env.db")
	getenv := func(k string) string { return map[string]string{"FERRY_DB": envDB, "FERRY_JSON": "1"}[k] }
	admin := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errOut); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, &errOut)
		}
		return out.String()
	}
	var m struct{ MerchantID, APIKey string }
	if err := json.Unmarshal([]byte(admin("merchant", "create", "--name", "Env")), &m); err != nil || m.MerchantID == "" {
		t.Fatalf("merchant create with FERRY_JSON: %+v %v", m, err)
	}
	var devices []map[string]any
	if err := json.Unmarshal([]byte(admin("device", "add", "--merchant", m.MerchantID, "--serial", "ENV-1", "--terminal", "1234001")), &devices); err == nil {
		t.Fatal("device add printed a list")
	}
	if err := json.Unmarshal([]byte(admin("device", "list", "--merchant", m.MerchantID)), &devices); err != nil || len(devices) != 1 || devices[0]["serialNumber"] != "ENV-1" {
		t.Fatalf("device list on FERRY_DB: %v %v", devices, err)
	}
	if out := admin("device", "list", "--json=false"); !strings.HasPrefix(out, "SERIAL") || !strings.Contains(out, "ENV-1") {
		t.Errorf("device list --json=false:\n%s", out)
	}
	other := "sqlite:" + filepath.Join(dir, "other.db")
	if out := admin("merchant", "list", "--db", other); out != "[]\n" {
		t.Errorf("--db given wins over FERRY_DB: %q", out)
	}
	if out := admin("apikey", "list", "--merchant", m.MerchantID); !strings.HasPrefix(out, "KEY ID") || strings.Count(out, "\n") != 2 {
		t.Errorf("apikey list:\n%s", out)
	}
}
