package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/ferrygateway/ferry/internal/contract"
)

// terminalAnswer is the part of Payroc's processing terminal the tests
// read.
type terminalAnswer struct {
	ProcessingTerminalID string `json:"processingTerminalId"`
	Status               string `json:"status"`
	Timezone             string `json:"timezone"`
	BatchClosure         struct {
		BatchCloseType string `json:"batchCloseType"`
		BatchCloseTime string `json:"batchCloseTime"`
	} `json:"batchClosure"`
	Features struct {
		Tips map[string]any `json:"tips"`
	} `json:"features"`
	Devices []struct {
		Manufacturer string `json:"manufacturer"`
		Model        string `json:"model"`
		SerialNumber string `json:"serialNumber"`
	} `json:"devices"`
}

// TestTerminalEndToEnd runs Payroc's configure-a-device workflow against
// a real server: a device is added, the terminal, its host configuration
// and the configuration of the model the terminal lists are read; `ferry
// terminal set` changes the tips and the terminal reads the new ones.
func TestTerminalEndToEnd(t *testing.T) { eachDB(t, testTerminalEndToEnd) }

func testTerminalEndToEnd(t *testing.T, boot starter) {
	s := boot(t)
	merchant, key := s.newMerchant(t, "Terminals")
	admin := func(args ...string) string {
		t.Helper()
		out, err := s.admin(t, args...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	admin("device", "add", "--merchant", merchant, "--serial", "PAX-1", "--terminal", "7001001", "--model", "paxA920Pro")
	admin("device", "add", "--merchant", merchant, "--serial", "KIOSK-1", "--terminal", "7001001", "--model", "idtechKioskV")
	c := s.client(t, key)
	base := "/v1/processing-terminals/7001001"

	// Step 1: the terminal, with the sandbox defaults and its first device.
	r := c.do(t, "GET", base, nil)
	if r.Status != 200 {
		t.Fatalf("GET terminal: %s", r)
	}
	var pt terminalAnswer
	r.JSON(t, &pt)
	wantTips := map[string]any{"enabled": true, "tipPrompt": true,
		"suggestedTips": map[string]any{"enabled": true, "tipPercentages": []any{"15", "18", "20"}}}
	if pt.ProcessingTerminalID != "7001001" || pt.Status != "active" || pt.Timezone != "America/New_York" ||
		pt.BatchClosure.BatchCloseType != "automatic" || pt.BatchClosure.BatchCloseTime != "23:40" ||
		!reflect.DeepEqual(pt.Features.Tips, wantTips) {
		t.Errorf("terminal: %s", r)
	}
	if len(pt.Devices) != 1 || pt.Devices[0].SerialNumber != "PAX-1" || pt.Devices[0].Model != "paxA920Pro" || pt.Devices[0].Manufacturer != "pax" {
		t.Fatalf("terminal devices: %s", r)
	}

	// Step 2: the host configuration.
	r = c.do(t, "GET", base+"/host-configurations", nil)
	var host struct {
		ProcessingTerminalID string `json:"processingTerminalId"`
		ProcessingAccountID  string `json:"processingAccountId"`
		Configuration        struct{ Processor string }
	}
	if r.Status != 200 {
		t.Fatalf("GET host configuration: %s", r)
	}
	r.JSON(t, &host)
	if host.ProcessingTerminalID != "7001001" || host.ProcessingAccountID == "" || host.Configuration.Processor != "tsys" {
		t.Errorf("host configuration: %s", r)
	}

	// Step 3: the configuration of the model the terminal lists, and of
	// the other model on it; a model no device there has is 404.
	for _, model := range []string{pt.Devices[0].Model, "idtechKioskV"} {
		r = c.do(t, "GET", base+"/device-configurations/"+model, nil)
		var conf struct{ Model, Manufacturer string }
		if r.Status == 200 {
			r.JSON(t, &conf)
		}
		if r.Status != 200 || conf.Model != model || conf.Manufacturer == "" {
			t.Errorf("GET device configuration %s: %s", model, r)
		}
	}
	if r = c.do(t, "GET", base+"/device-configurations/ingenicoAxiumRx7000", nil); r.Status != 404 || r.Problem(t).Slug() != "not-found" {
		t.Errorf("a model no device of the terminal has: %s", r)
	}

	// Tips off with the admin command: the terminal says so at once.
	admin("terminal", "set", "--merchant", merchant, "--terminal", "7001001", "--tips", "off")
	r = c.do(t, "GET", base, nil)
	pt = terminalAnswer{}
	r.JSON(t, &pt)
	if !reflect.DeepEqual(pt.Features.Tips, map[string]any{"enabled": false}) {
		t.Errorf("after --tips off: %s", r)
	}
	out := admin("terminal", "set", "--merchant", merchant, "--terminal", "7001001", "--tips", "on",
		"--suggested-tips", "10,20", "--timezone", "America/Chicago", "--batch-time", "22:15", "--json")
	var shown struct {
		Tips    struct{ SuggestedTips []int }
		Devices []string
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil || !reflect.DeepEqual(shown.Tips.SuggestedTips, []int{10, 20}) ||
		!reflect.DeepEqual(shown.Devices, []string{"PAX-1", "KIOSK-1"}) {
		t.Errorf("terminal set --json printed %s (%v)", out, err)
	}
	r = c.do(t, "GET", base, nil)
	pt = terminalAnswer{}
	r.JSON(t, &pt)
	wantTips["suggestedTips"] = map[string]any{"enabled": true, "tipPercentages": []any{"10", "20"}}
	if !reflect.DeepEqual(pt.Features.Tips, wantTips) || pt.Timezone != "America/Chicago" || pt.BatchClosure.BatchCloseTime != "22:15" {
		t.Errorf("after terminal set: %s", r)
	}
	if out := admin("terminal", "show", "--merchant", merchant, "--terminal", "7001001"); !strings.Contains(out, "on (prompt on, suggested 10,20 percent)") ||
		!strings.Contains(out, "America/Chicago") || !strings.Contains(out, "automatic at 22:15") || !strings.Contains(out, "KIOSK-1") {
		t.Errorf("terminal show printed:\n%s", out)
	}

	// Another merchant sees the terminal exactly as one that does not exist.
	_, otherKey := s.newMerchant(t, "Other")
	o := s.client(t, otherKey)
	for _, path := range []string{"", "/host-configurations", "/device-configurations/paxA920Pro"} {
		mine := o.do(t, "GET", base+path, nil)
		unknown := o.do(t, "GET", "/v1/processing-terminals/7009009"+path, nil)
		m := strings.ReplaceAll(mine.String(), "7001001", "X")
		u := strings.ReplaceAll(unknown.String(), "7009009", "X")
		if mine.Status != 404 || m != u {
			t.Errorf("GET %s of another merchant's terminal:\n %s\nunknown:\n %s", path, m, u)
		}
	}
}

// TestTerminalSetUsage: `ferry terminal set` refuses bad settings with a
// message that names the flag, and changes nothing.
func TestTerminalSetUsage(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	// run runs a terminal command and returns what it printed, errors
	// as the process prints them, and its exit code.
	run := func(args ...string) (string, int) {
		t.Helper()
		out, err := s.admin(t, args...)
		var stderr bytes.Buffer
		code := exitCode(err, &stderr)
		return out + stderr.String(), code
	}
	set := func(args ...string) (string, int) {
		t.Helper()
		return run(append([]string{"terminal", "set", "--merchant", s.Merchant, "--terminal", "1234001"}, args...)...)
	}
	show := func(terminal string) (string, int) {
		t.Helper()
		return run("terminal", "show", "--merchant", s.Merchant, "--terminal", terminal)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--timezone", "Mars/Olympus_Mons"}, `--timezone "Mars/Olympus_Mons" is not a timezone Payroc allows; use one of Pacific/Midway`},
		{[]string{"--batch-time", "25:00"}, "--batch-time must be a time of day as HH:MM"},
		{[]string{"--batch-close", "weekly"}, "--batch-close must be automatic or manual"},
		{[]string{"--suggested-tips", "10,12.5"}, `"12.5" is not a whole percentage from 1 to 100`},
		{[]string{"--suggested-tips", "10,15,18,20"}, "at most 3 suggested tips"},
		{[]string{"--tips", "yes"}, "want on or off"},
		{nil, "name a setting to change"},
	} {
		out, code := set(tc.args...)
		if code != codeError || !strings.Contains(out, tc.want) {
			t.Errorf("terminal set %v: exit %d\n%s\nwant exit %d and %q", tc.args, code, out, codeError, tc.want)
		}
	}
	if out, code := show("9999999"); code != codeError || out != "ferry: Resource not found: processing terminal\n" {
		t.Errorf("show of an unknown terminal: exit %d\n%s", code, out)
	}
	if out, code := show("123"); code != codeError || !strings.Contains(out, "processingTerminalId: processingTerminalId must be 4 to 50 characters") {
		t.Errorf("show of a terminal id too short: exit %d\n%s", code, out)
	}
	if out, _ := show("1234001"); !strings.Contains(out, "America/New_York") ||
		!strings.Contains(out, "on (prompt on, suggested 15,18,20 percent)") {
		t.Errorf("a refused set changed the terminal:\n%s", out)
	}
}

// TestTerminalContract checks every answer of the three processing-terminal
// operations against Payroc's schemas: successes with tips on and off and
// both batch-close types, and each error they can give.
func TestTerminalContract(t *testing.T) {
	t.Parallel()
	spec := contract.Load(t)
	s := startServer(t)
	c := s.client(t, s.APIKey)
	const (
		terminal = "/processing-terminals/{processingTerminalId}"
		host     = "/processing-terminals/{processingTerminalId}/host-configurations"
		device   = "/processing-terminals/{processingTerminalId}/device-configurations/{model}"
	)
	check := func(path string, r *response, status int) {
		t.Helper()
		if r.Status != status {
			t.Errorf("%s: %s, want %d", path, r, status)
		}
		spec.CheckResponse(t, path, "get", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	for _, model := range []string{"paxA920Pro", "idtechKioskV", "ingenicoAxiumRx7000"} {
		s.admin(t, "device", "add", "--merchant", s.Merchant, "--serial", "D-"+model, "--terminal", "T-"+model, "--model", model)
		check(device, c.do(t, "GET", "/v1/processing-terminals/T-"+model+"/device-configurations/"+model, nil), 200)
		check(terminal, c.do(t, "GET", "/v1/processing-terminals/T-"+model, nil), 200)
	}
	const p = "/v1/processing-terminals/1234001"
	for _, settings := range [][]string{
		nil,
		{"--suggested-tips", "off", "--tip-prompt", "off"},
		{"--tips", "off", "--batch-close", "manual"},
		{"--tips", "on", "--suggested-tips", "20", "--batch-close", "automatic", "--timezone", "Pacific/Midway"},
	} {
		if settings != nil {
			if out, err := s.admin(t, append([]string{"terminal", "set", "--merchant", s.Merchant, "--terminal", "1234001"}, settings...)...); err != nil {
				t.Fatalf("terminal set %v: %v\n%s", settings, err, out)
			}
		}
		check(terminal, c.do(t, "GET", p, nil), 200)
	}
	check(host, c.do(t, "GET", p+"/host-configurations", nil), 200)
	check(device, c.do(t, "GET", p+"/device-configurations/ferryVirtual", nil), 200)

	// Errors: unknown terminal or model, bad lengths, no token, a type the
	// client does not accept.
	check(terminal, c.do(t, "GET", "/v1/processing-terminals/9999999", nil), 404)
	check(host, c.do(t, "GET", "/v1/processing-terminals/9999999/host-configurations", nil), 404)
	check(device, c.do(t, "GET", "/v1/processing-terminals/9999999/device-configurations/ferryVirtual", nil), 404)
	check(device, c.do(t, "GET", p+"/device-configurations/idtechKioskV", nil), 404)
	check(terminal, c.do(t, "GET", "/v1/processing-terminals/123", nil), 400)
	check(host, c.do(t, "GET", "/v1/processing-terminals/"+strings.Repeat("9", 51)+"/host-configurations", nil), 400)
	check(device, c.do(t, "GET", p+"/device-configurations/"+strings.Repeat("m", 31), nil), 400)
	check(device, c.do(t, "GET", "/v1/processing-terminals/123/device-configurations/"+strings.Repeat("m", 31), nil), 400)
	check(terminal, s.do(t, "GET", p, nil), 401)
	check(host, s.do(t, "GET", p+"/host-configurations", nil, "Authorization", "Bearer fy_tok_nope"), 401)
	check(device, c.do(t, "GET", p+"/device-configurations/ferryVirtual", nil, "Accept", "text/html"), 406)

	r := c.do(t, "POST", p, nil)
	if r.Status != 405 || r.Header.Get("Allow") != "GET" {
		t.Errorf("POST to a terminal: %s (Allow %q)", r, r.Header.Get("Allow"))
	}
}
