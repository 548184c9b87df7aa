package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/core"
)

func runDevice(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return dispatch(ctx, "device", []subcommand{
		{"add", "register a payment device for a merchant", deviceAdd},
		{"list", "list payment devices", deviceList},
		{"pair-code", "make a one-time code with which a device pairs", devicePairCode},
		{"revoke", "revoke a device's credentials at once", deviceRevoke},
		{"run", "run a device: a virtual terminal on the device protocol", deviceRun},
	}, args, getenv, stdin, stdout, stderr)
}

func deviceAdd(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	a := newAdminFlags("device add", getenv, stderr).withMerchant(merchantRequired).withJSON(jsonObject)
	serial := a.String("serial", "", "device serial `number` (required)")
	terminal := a.String("terminal", "", "processing terminal `id` (required)")
	simulated := a.Bool("simulated", false, "let the built-in simulator run the device")
	model := a.String("model", "", "device model (default ferryVirtual)")
	credOut := a.String("credential-out", "", "issue a device credential and write it to this `file` (mode 0600)")
	if err := a.parse(args, "merchant", "serial", "terminal"); err != nil {
		return err
	}
	svc, done, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	d, err := svc.AddDevice(ctx, core.AddDeviceParams{
		MerchantID: a.merchant, SerialNumber: *serial, ProcessingTerminalID: *terminal,
		Simulated: *simulated, Model: *model,
	})
	if err != nil {
		return err
	}
	if *credOut != "" {
		secret, _, err := svc.IssueDeviceCredential(ctx, d.MerchantID, d.ID)
		if err != nil {
			return err
		}
		if err := writeCredential(*credOut, secret); err != nil {
			return err
		}
	}
	if a.json {
		return printJSON(stdout, deviceJSON(svc, d))
	}
	if *credOut != "" {
		fmt.Fprintf(stdout, "wrote a device credential to %s\n", *credOut)
	}
	kind := "device"
	if d.Simulated {
		kind = "simulated device"
	}
	fmt.Fprintf(stdout, "added %s %s (id %s) on processing terminal %s\n", kind, d.SerialNumber, d.ID, d.ProcessingTerminalID)
	return nil
}

func deviceJSON(svc *core.Service, d *ferry.Device) map[string]any {
	out := map[string]any{
		"deviceId":             d.ID,
		"merchantId":           d.MerchantID,
		"serialNumber":         d.SerialNumber,
		"processingTerminalId": d.ProcessingTerminalID,
		"simulated":            d.Simulated,
		"model":                d.Model,
		"createdAt":            d.CreatedAt,
		"online":               svc.DeviceOnline(d),
	}
	if !d.LastSeenAt.IsZero() {
		out["lastSeen"] = d.LastSeenAt
	}
	return out
}

func deviceList(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	a := newAdminFlags("device list", getenv, stderr).withMerchant("only this merchant's devices").withJSON(jsonList)
	if err := a.parse(args); err != nil {
		return err
	}
	svc, done, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	devices, err := svc.ListDevices(ctx, ferry.DeviceListParams{MerchantID: a.merchant})
	if err != nil {
		return err
	}
	if a.json {
		out := make([]map[string]any, 0, len(devices))
		for _, d := range devices {
			out = append(out, deviceJSON(svc, d))
		}
		return printJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERIAL\tTERMINAL\tMERCHANT\tKIND\tSTATUS\tLAST SEEN")
	for _, d := range devices {
		kind, status, seen := "device", "offline", "never"
		if d.Simulated {
			kind = "simulated"
		}
		if svc.DeviceOnline(d) {
			status = "online"
		}
		if !d.LastSeenAt.IsZero() {
			seen = d.LastSeenAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.SerialNumber, d.ProcessingTerminalID, d.MerchantID, kind, status, seen)
	}
	return tw.Flush()
}

func devicePairCode(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	a := newAdminFlags("device pair-code", getenv, stderr).withMerchant(merchantRequired).withJSON(jsonObject)
	serial := a.String("serial", "", "device serial `number` (required)")
	terminal := a.String("terminal", "", "processing terminal `id` (required for a new device)")
	ttl := a.Duration("ttl", core.DefaultPairCodeTTL, "how long the code stays valid")
	url := a.String("url", defaultURL, "the server's `URL`, for the command printed for the device")
	if err := a.parse(args, "merchant", "serial"); err != nil {
		return err
	}
	if *ttl <= 0 || *ttl > 24*time.Hour {
		return usageErrorf("device pair-code: --ttl must be between 0s and 24h")
	}
	svc, done, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	code, d, expires, err := svc.CreatePairCode(ctx, core.PairCodeParams{
		MerchantID: a.merchant, SerialNumber: *serial, ProcessingTerminalID: *terminal, TTL: *ttl,
	})
	if err != nil {
		return err
	}
	if a.json {
		return printJSON(stdout, map[string]any{"code": code, "serialNumber": d.SerialNumber, "deviceId": d.ID, "expiresAt": expires})
	}
	fmt.Fprintf(stdout, "pairing code: %s\nfor device %s (terminal %s), valid until %s (once)\n\n",
		code, d.SerialNumber, d.ProcessingTerminalID, expires.Local().Format("15:04:05 MST"))
	fmt.Fprintf(stdout, "On the device:\n  ferry device run --url %s --serial %s --pair-code %s\n", *url, d.SerialNumber, code)
	return nil
}

func deviceRevoke(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	a := newAdminFlags("device revoke", getenv, stderr).withMerchant(merchantRequired)
	serial := a.String("serial", "", "device serial `number` (required)")
	if err := a.parse(args, "merchant", "serial"); err != nil {
		return err
	}
	svc, done, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	n, err := svc.RevokeDevice(ctx, a.merchant, *serial)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked %d credential(s) of device %s; its connections end now\n", n, *serial)
	return nil
}
